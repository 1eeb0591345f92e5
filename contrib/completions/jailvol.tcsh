# tcsh completion for jailvol(8): `source` this file, e.g. from ~/.tcshrc.
# Options, their values, the command, and the jail names of the configuration
# (`jailvol __complete-jails` reads what -f, --root, --jail-conf and --rc-conf
# name, from the command line tcsh puts in COMMAND_LINE).
complete jailvol \
    'c/--file=/f/' \
    'n/--file/f/' \
    'n/-f/f/' \
    'c/--root=/d/' \
    'n/--root/d/' \
    'c/--format=/(text json github)/' \
    'n/--format/(text json github)/' \
    'c/--color=/(auto always never)/' \
    'n/--color/(auto always never)/' \
    'c/--style=/(hooks mountprog seed)/' \
    'n/--style/(hooks mountprog seed)/' \
    'c/--target-release=/x:<x.y>/' \
    'n/--target-release/x:<x.y>/' \
    'c/--mountprog=/(helper mdmfs)/' \
    'n/--mountprog/(helper mdmfs)/' \
    'c/--fstab-dir=/d/' \
    'n/--fstab-dir/d/' \
    'c/--helper=/f/' \
    'n/--helper/f/' \
    'c/--fail-on=/(error warning)/' \
    'n/--fail-on/(error warning)/' \
    'c/--via=/(md makefs)/' \
    'n/--via/(md makefs)/' \
    'c/--from=/d/' \
    'n/--from/d/' \
    'c/--from-archive=/f/' \
    'n/--from-archive/f/' \
    'c/--newfs-opts=/x:<opts>/' \
    'n/--newfs-opts/x:<opts>/' \
    'c/--newfs-opt=/x:<opt>/' \
    'n/--newfs-opt/x:<opt>/' \
    'c/--output=/f/' \
    'n/--output/f/' \
    'n/-o/f/' \
    'c/--era=/(9 current)/' \
    'n/--era/(9 current)/' \
    'c/--ipv6-dad-count=/x:<n>/' \
    'n/--ipv6-dad-count/x:<n>/' \
    'c/--state-dir=/d/' \
    'n/--state-dir/d/' \
    'c/--/(check color dry-run era execute explain fail-on file force format from from-archive fstab-dir help helper ipv6-dad-count jail-conf mountprog newfs-opt newfs-opts no-containers no-vimage online output quiet rc-conf root skip-unsupported sparse state-dir stop style target-release verbose version via)/' \
    'c/-/(V f h n o q v)/' \
    'n/completions/(bash zsh fish tcsh)/' \
    'p/*/`jailvol __complete-jails --tcsh`/'
