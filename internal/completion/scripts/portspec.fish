# fish completion for portspec: portspec completion fish | source, or
# save it in ~/.config/fish/completions/portspec.fish.
#
# portspec itself says what a word completes to: `portspec __complete
# WORD...` is given the words up to the cursor and answers "files" (the
# word is a file name, for fish to complete) or "words", then one
# candidate a line.

function __portspec_complete
    set -l words (commandline -opc)
    set -l program $words[1]
    set -e words[1]
    # The word as typed, "PCI-DSS 1 or CIS\ 9, is the word PCI-DSS 1 or
    # CIS 9 to portspec, as the words before it are (-o).
    set -l token (commandline -ct)
    set -l word (string replace -r -- '^["\']' '' $token | string unescape)
    set -l answer ($program __complete $words "$word" 2>/dev/null)
    switch "$answer[1]"
        case files
            # --var-file=pol: the file name is what follows the =.
            set -l flag (string match -r -- '^-[^=]*=' $token)
            __fish_complete_path (string replace -r -- '^-[^=]*=' '' $token) | string replace -r -- '^' "$flag"
        case words
            set -e answer[1]
            printf '%s\n' $answer
    end
end

complete -c portspec -f -a '(__portspec_complete)'
