# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_jailvol_global_optspecs
    string join \n f/file= jail-conf rc-conf root= format= q/quiet v/verbose color= skip-unsupported h/help V/version
end

function __fish_jailvol_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_jailvol_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_jailvol_using_subcommand
    set -l cmd (__fish_jailvol_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c jailvol -n "__fish_jailvol_needs_command" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_needs_command" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_needs_command" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_needs_command" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_needs_command" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_needs_command" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_needs_command" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_needs_command" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_needs_command" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_needs_command" -s h -l help -d 'Print help'
complete -c jailvol -n "__fish_jailvol_needs_command" -s V -l version -d 'Print version'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "show" -d 'Print the jails as jail(8) would see them: canonical jail.conf, or JSON'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "generate" -d 'Write the fstab files, jail.conf statements and helper that mount each managed jail\'s root from its container'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "check" -d 'Verify a configuration for CI: drift from what generate would write, and lints (codes in docs/checks.md). Exit 1 on findings or drift'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "vars" -d 'Print the evaluated rc.conf variables, like `sysrc -a` (`name: value`), or JSON'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "create" -d 'One-time container creation: allocate, attach, newfs, populate, unmount, detach (or build the image with makefs). Never overwrites a container'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "convert" -d 'Convert legacy rc.conf jail_* variables to jail.conf, as FreeBSD\'s rc.d/jail does (values escaped); stdout or -o FILE'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "migrate" -d 'Print (or run, --execute) the sh script that moves a managed jail\'s plain-directory root into its container and, on rc.conf hosts, to jail.conf: resumable, logged, rolled back on any failure'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "grow" -d 'Make a container bigger: extend the file, resize or re-attach the md unit, growfs, fsck, then write the new $volume_size. A running jail needs --online'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "status" -d 'Show each managed jail\'s container: file, sizes, md unit, mount, usage, jail state'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "man" -d 'Print the manual page, jailvol(8), as mdoc source (`jailvol man | mandoc -a`)'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "completions" -d 'Print a completion script for a shell'
complete -c jailvol -n "__fish_jailvol_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c jailvol -n "__fish_jailvol_using_subcommand show" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand show" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_using_subcommand show" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand show" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand show" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_using_subcommand show" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_using_subcommand show" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_using_subcommand show" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_using_subcommand show" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_using_subcommand show" -s h -l help -d 'Print help'
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l style -d 'How the container is attached and mounted (default: from --target-release, else hooks)' -r -f -a "hooks\t''
mountprog\t''
seed\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l target-release -d 'The FreeBSD release the host runs, e.g. 14.2: picks the style' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l mountprog -d 'For --style mountprog: jailvol\'s helper (attach, fsck, mount) or /sbin/mdmfs (no fsck)' -r -f -a "helper\t''
mdmfs\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l fstab-dir -d 'Directory of the fstab files jailvol owns' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l helper -d 'Where the helper script is installed' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -s n -l dry-run -d 'Print a unified diff (with --format json, the document) of what would change; write nothing'
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l force -d 'Overwrite files at jailvol\'s paths that jailvol did not write'
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_using_subcommand generate" -s h -l help -d 'Print help'
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l style -d 'How the container is attached and mounted (default: from --target-release, else hooks)' -r -f -a "hooks\t''
mountprog\t''
seed\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l target-release -d 'The FreeBSD release the host runs, e.g. 14.2: picks the style' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l mountprog -d 'For --style mountprog: jailvol\'s helper (attach, fsck, mount) or /sbin/mdmfs (no fsck)' -r -f -a "helper\t''
mdmfs\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l fstab-dir -d 'Directory of the fstab files jailvol owns' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l helper -d 'Where the helper script is installed' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l fail-on -d 'Fail (exit 1) on findings at or above this severity; drift always fails' -r -f -a "error\t''
warning\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l no-containers -d 'Skip the lints that read the containers and the host\'s files (JV016-JV020, JV029, JV040): for a configuration repository, whose containers are on the hosts'
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_using_subcommand check" -s h -l help -d 'Print help'
complete -c jailvol -n "__fish_jailvol_using_subcommand vars" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand vars" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_using_subcommand vars" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand vars" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand vars" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_using_subcommand vars" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_using_subcommand vars" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_using_subcommand vars" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_using_subcommand vars" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_using_subcommand vars" -s h -l help -d 'Print help'
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l via -d 'md: attach, newfs and mount on this host (FreeBSD, root). makefs: build the image from a directory with makefs(8): no md, no mount, no root' -r -f -a "md\t''
makefs\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l from -d 'Populate from this directory tree (copied with tar, modes, owners and flags kept)' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l from-archive -d 'Populate by extracting this archive (e.g. base.txz) with tar (md only)' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l newfs-opts -d 'newfs(8) options, split on blanks (default: -U)' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l newfs-opt -d 'One newfs(8) option (repeatable; added after --newfs-opts)' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -s n -l dry-run -d 'Print the exact commands, one per line; touch nothing (works as non-root)'
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l sparse -d 'A sparse file (ftruncate) instead of preallocated space: the jail can then fail with I/O errors when the host filesystem fills up'
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_using_subcommand create" -s h -l help -d 'Print help'
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -s o -l output -d 'Write to FILE (atomically; taken below --root) instead of standard output. An existing FILE must be a jail.conf: the converted jails are appended to it, and nothing already in it changes' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -l era -d 'Meaning of the variables: `9` (FreeBSD 6.x-9.x: mount_enable mounts the fstab, no allow.mount) or `current` (10.0 and later)' -r -f -a "9\t'FreeBSD 6.x-9.x: `mount_enable` mounts the jail\'s fstab; no allow.mount'
current\t'FreeBSD 10.0 and later: the fstab is mounted whenever it is readable, and `mount_enable` grants `allow.mount`'"
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -l ipv6-dad-count -d 'The host\'s net.inet6.ip6.dad_count: IPv6 jails start with `sleep N+1`' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -l force -d 'With -o: replace the block FILE already has for a converted jail (that block alone; everything else in FILE is kept). With --format json: replace FILE if it holds an earlier JSON output'
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -l explain -d 'Before each line, a comment naming the rc.conf variables behind it'
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -l no-vimage -d 'The kernel has no VIMAGE: jails without jail_NAME_ip are skipped, like rc.d/jail'
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_using_subcommand convert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l state-dir -d 'The script\'s state directory (markers, saved files, log); taken below --root. Default: /var/db/jailvol/migrate.JAIL' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l style -d 'How the container is attached and mounted (default: from --target-release, else hooks)' -r -f -a "hooks\t''
mountprog\t''
seed\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l target-release -d 'The FreeBSD release the host runs, e.g. 14.2: picks the style' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l mountprog -d 'For --style mountprog: jailvol\'s helper (attach, fsck, mount) or /sbin/mdmfs (no fsck)' -r -f -a "helper\t''
mdmfs\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l fstab-dir -d 'Directory of the fstab files jailvol owns' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l helper -d 'Where the helper script is installed' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l execute -d 'Run the script with /bin/sh (its log streams to stderr) instead of printing it'
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l stop -d 'Stop the jail if it is running (otherwise a running jail is an error)'
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_using_subcommand migrate" -s h -l help -d 'Print help'
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -l online -d 'Grow a running jail (its mounted root): mdconfig -r and growfs on the mounted UFS, which FreeBSD supports from 10.0 on'
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -l sparse -d 'Extend the file sparsely (ftruncate) instead of claiming the space'
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -s n -l dry-run -d 'Print the exact commands; touch nothing'
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_using_subcommand grow" -s h -l help -d 'Print help'
complete -c jailvol -n "__fish_jailvol_using_subcommand status" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand status" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_using_subcommand status" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand status" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand status" -l check -d 'Exit 1 when any container shows a problem (status is informational otherwise)'
complete -c jailvol -n "__fish_jailvol_using_subcommand status" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_using_subcommand status" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_using_subcommand status" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_using_subcommand status" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_using_subcommand status" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_using_subcommand status" -s h -l help -d 'Print help'
complete -c jailvol -n "__fish_jailvol_using_subcommand man" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand man" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_using_subcommand man" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand man" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand man" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_using_subcommand man" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_using_subcommand man" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_using_subcommand man" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_using_subcommand man" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_using_subcommand man" -s h -l help -d 'Print help'
complete -c jailvol -n "__fish_jailvol_using_subcommand completions" -s f -l file -d 'Configuration file to read (repeatable; `-` is standard input). Default: /etc/jail.conf, else /etc/rc.conf and its companions' -r
complete -c jailvol -n "__fish_jailvol_using_subcommand completions" -l root -d 'Take every absolute path read or written below DIR (like sysrc -R)' -r -F
complete -c jailvol -n "__fish_jailvol_using_subcommand completions" -l format -d 'Output format: json for show, vars, convert, generate, check and status (and create, grow with --dry-run, migrate without --execute); github (workflow annotations) for check. Other commands print text only' -r -f -a "text\t''
json\t''
github\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand completions" -l color -d 'Colour the error and warning labels and carets: `auto` on a terminal unless NO_COLOR is set (and not empty) or TERM is dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c jailvol -n "__fish_jailvol_using_subcommand completions" -l jail-conf -d 'Read the -f files as jail.conf, whatever they look like'
complete -c jailvol -n "__fish_jailvol_using_subcommand completions" -l rc-conf -d 'Read the -f files as rc.conf (legacy jail_* variables)'
complete -c jailvol -n "__fish_jailvol_using_subcommand completions" -s q -l quiet -d 'Print no warnings'
complete -c jailvol -n "__fish_jailvol_using_subcommand completions" -s v -l verbose -d 'Say more about what is done'
complete -c jailvol -n "__fish_jailvol_using_subcommand completions" -l skip-unsupported -d 'rc.conf: warn about and skip statements that cannot be evaluated statically (commands, `if`, `$(...)`...) instead of failing; values that depend on them still fail'
complete -c jailvol -n "__fish_jailvol_using_subcommand completions" -s h -l help -d 'Print help'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "show" -d 'Print the jails as jail(8) would see them: canonical jail.conf, or JSON'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "generate" -d 'Write the fstab files, jail.conf statements and helper that mount each managed jail\'s root from its container'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "check" -d 'Verify a configuration for CI: drift from what generate would write, and lints (codes in docs/checks.md). Exit 1 on findings or drift'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "vars" -d 'Print the evaluated rc.conf variables, like `sysrc -a` (`name: value`), or JSON'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "create" -d 'One-time container creation: allocate, attach, newfs, populate, unmount, detach (or build the image with makefs). Never overwrites a container'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "convert" -d 'Convert legacy rc.conf jail_* variables to jail.conf, as FreeBSD\'s rc.d/jail does (values escaped); stdout or -o FILE'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "migrate" -d 'Print (or run, --execute) the sh script that moves a managed jail\'s plain-directory root into its container and, on rc.conf hosts, to jail.conf: resumable, logged, rolled back on any failure'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "grow" -d 'Make a container bigger: extend the file, resize or re-attach the md unit, growfs, fsck, then write the new $volume_size. A running jail needs --online'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "status" -d 'Show each managed jail\'s container: file, sizes, md unit, mount, usage, jail state'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "man" -d 'Print the manual page, jailvol(8), as mdoc source (`jailvol man | mandoc -a`)'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "completions" -d 'Print a completion script for a shell'
complete -c jailvol -n "__fish_jailvol_using_subcommand help; and not __fish_seen_subcommand_from show generate check vars create convert migrate grow status man completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

# Jail names where a JAIL goes: `jailvol __complete-jails` reads the configuration the
# words name (-f, --root, --jail-conf, --rc-conf) and answers only at a jail's place.
function __fish_jailvol_jails
    set -l words (commandline -opc) (commandline -ct)
    command $words[1] __complete-jails -- $words 2>/dev/null
end
complete -c jailvol -n '__fish_jailvol_jails | string length -q' -f -a '(__fish_jailvol_jails)'
