
# Jail names where a JAIL goes: `jailvol __complete-jails` reads the configuration the
# words name (-f, --root, --jail-conf, --rc-conf) and answers only at a jail's place.
# bash splits `--root=/x` at the `=`; the words are joined back first.
_jailvol_jails() {
    local i n=0 names
    local -a w=()
    for ((i = 0; i <= COMP_CWORD; i++)); do
        if ((n > 0)) && [[ ${COMP_WORDS[i]} == "=" || ${COMP_WORDS[i-1]} == "=" ]]; then
            w[n-1]+=${COMP_WORDS[i]}
        else
            w[n++]=${COMP_WORDS[i]}
        fi
    done
    _jailvol "$@"
    names=$("$1" __complete-jails -- "${w[@]}" 2>/dev/null) || return 0
    [[ -n $names ]] || return 0
    local IFS=$'\n'
    # shellcheck disable=SC2207
    COMPREPLY=($(compgen -W "$names" -- "${w[n-1]}"))
}
