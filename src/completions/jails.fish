
# Jail names where a JAIL goes: `jailvol __complete-jails` reads the configuration the
# words name (-f, --root, --jail-conf, --rc-conf) and answers only at a jail's place.
function __fish_jailvol_jails
    set -l words (commandline -opc) (commandline -ct)
    command $words[1] __complete-jails -- $words 2>/dev/null
end
complete -c jailvol -n '__fish_jailvol_jails | string length -q' -f -a '(__fish_jailvol_jails)'
