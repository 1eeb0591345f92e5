# Jail names where a JAIL goes: `jailvol __complete-jails` reads the configuration the
# words name (-f, --root, --jail-conf, --rc-conf) and answers only at a jail's place;
# _jailvol asks first and completes as usual when there is no answer.
_jailvol_jails() {
    local -a names
    names=(${(f)"$(${words[1]} __complete-jails -- "${(@Q)words[1,CURRENT-1]}" "${(Q)PREFIX}" 2>/dev/null)"})
    (( $#names )) || return 1
    compadd -a names
}

