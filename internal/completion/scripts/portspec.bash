# bash completion for portspec: source <(portspec completion bash)
#
# portspec itself says what a word completes to: `portspec __complete
# WORD...` is given the words up to the cursor and answers "files" (the
# word is a file name, for bash to complete) or "words", then one
# candidate a line.

_portspec() {
    local line=${COMP_LINE:0:COMP_POINT} rest word reply i glue
    local -a words=() answer=()
    # COMP_WORDS splits --color=al at COMP_WORDBREAKS into --color, = and
    # al: join again the pieces no space parts, as portspec reads them.
    for ((i = 0; i <= COMP_CWORD; i++)); do
        rest=${line#"${line%%[![:space:]]*}"}
        glue=$((i > 0 && ${#rest} == ${#line}))
        line=$rest
        word=${COMP_WORDS[i]}
        ((i == COMP_CWORD)) && word=$line
        line=${line:${#word}}
        if ((glue)); then
            words[${#words[@]}-1]+=$word
        else
            words+=("$word")
        fi
    done
    local quoted=
    # One level of quotes off every word, with no expansion but ~/:
    # 'a b', "a b" and a\ b are all "a b". quoted ends as the last word's
    # opening quote.
    for i in "${!words[@]}"; do
        word=${words[i]}
        case $word in
        \'* | \"*)
            quoted=${word:0:1}
            word=${word#"$quoted"}
            word=${word%"$quoted"}
            ;;
        *)
            quoted=
            word=${word//\\/}
            ;;
        esac
        [[ $word == '~/'* ]] && word=$HOME/${word#'~/'}
        words[i]=$word
    done

    while IFS= read -r reply; do
        answer+=("$reply")
    done < <("${words[0]}" __complete "${words[@]:1}" 2>/dev/null)

    # A candidate is the whole word, --color=always, where readline
    # replaces what follows the last = or : (always), or the opening
    # quote, which it closes. Outside quotes, a space in a candidate (a
    # control such as "PCI-DSS 1.2.1") is escaped.
    word=${words[${#words[@]}-1]}
    local head=
    [[ -z $quoted ]] && head=${word%"${word##*[=:]}"}

    COMPREPLY=()
    case ${answer[0]} in
    files)
        # No candidates, and bash completes a file name as it does.
        compopt -o default 2>/dev/null || COMPREPLY=($(compgen -f -- "${word:${#head}}"))
        return 0
        ;;
    words) ;;
    *) return 0 ;;
    esac
    for reply in "${answer[@]:1}"; do
        reply=${reply:${#head}}
        if [[ -n $quoted ]]; then
            COMPREPLY+=("$reply")
        else
            printf -v reply '%q' "$reply"
            COMPREPLY+=("$reply")
        fi
    done
    return 0
}

complete -F _portspec portspec
