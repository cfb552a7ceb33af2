#compdef portspec
# zsh completion for portspec: source <(portspec completion zsh) after
# compinit, or save it as _portspec in a directory of $fpath.
#
# portspec itself says what a word completes to: `portspec __complete
# WORD...` is given the words up to the cursor and answers "files" (the
# word is a file name, for zsh to complete) or "words", then one
# candidate a line.

_portspec() {
  local -a answer
  answer=("${(@f)$(${(Q)words[1]} __complete "${(@Q)words[2,CURRENT-1]}" "${(Q)PREFIX}" 2>/dev/null)}")
  # --color=al: the word after the = is what zsh completes.
  local flag=
  if [[ $PREFIX == -*=* ]]; then
    flag=${PREFIX%%=*}=
    compset -P '*='
  fi
  case $answer[1] in
  files)
    _files
    ;;
  words)
    (( $#answer > 1 )) || return 1
    compadd -- "${(@)answer[2,-1]#$flag}"
    ;;
  *)
    return 1
    ;;
  esac
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _portspec "$@"
else
  compdef _portspec portspec
fi
