package completion

import (
	"bufio"
	"flag"
	"io"
	"slices"
	"strings"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/escape"
)

// Program is what a command line completes from beside the flag sets
// and help of internal/arguments: what only the caller knows.
type Program struct {
	// Commands are the words the first one completes to.
	Commands []string
	// Operands are the words the first operand of a command completes to
	// when they are a closed set: help's commands, completion's shells,
	// profiles' names. Any other command's operands are files, or flags
	// where it takes none (arguments.TakesOperands).
	Operands map[string][]string
	// Names are the vantage points, tags and controls of the specs named
	// by the arguments of command, the words before the one completed;
	// none when there are none, or they do not load. Nil: none.
	Names func(command string, args []string) Names
}

// Names are what --from, --tag and --control select among in a spec.
type Names struct {
	From, Tags, Controls []string
}

// specNames are the flags that complete to a spec's names, and which.
var specNames = map[string]func(Names) []string{
	"from":    func(n Names) []string { return n.From },
	"tag":     func(n Names) []string { return n.Tags },
	"control": func(n Names) []string { return n.Controls },
}

// Reply is what a word completes to: the candidates, or, with Files, a
// file name, which the shell completes as it does its own.
type Reply struct {
	Candidates []string
	Files      bool
}

// The first line of __complete's answer, which says what the other lines
// are: a kind, not a candidate, so that "no candidates" (a spec that does
// not load) and "a file name" are told apart.
const (
	kindFiles = "files"
	kindWords = "words"
)

// Write writes the reply as __complete answers: its kind on the first
// line, files or words, then each candidate on a line of its own.
func (r Reply) Write(w io.Writer) error {
	b := bufio.NewWriter(w)
	if r.Files {
		b.WriteString(kindFiles + "\n")
		return b.Flush()
	}
	b.WriteString(kindWords + "\n")
	for _, c := range r.Candidates {
		b.WriteString(c + "\n")
	}
	return b.Flush()
}

// Complete completes the last of words, the command line after
// "portspec" up to the cursor: "" when the cursor follows a space.
func Complete(p Program, words []string) Reply {
	if len(words) == 0 {
		words = []string{""}
	}
	word := words[len(words)-1]
	if len(words) == 1 {
		return matching(p.Commands, word)
	}
	command, args := words[0], words[1:len(words)-1]
	if !slices.Contains(p.Commands, command) {
		return Reply{}
	}
	fs := arguments.FlagSet(command)
	if fs == nil {
		fs = flag.NewFlagSet(command, flag.ContinueOnError)
	}
	line := read(fs, args)
	switch {
	case line.pending != nil:
		return p.value(command, line.pending, word, args[:len(args)-1])
	case line.flagsDone:
		return p.operand(command, fs, line.operands, word)
	case word == "-" || isFlag(word):
		name, value, hasValue := strings.Cut(strings.TrimLeft(word, "-"), "=")
		if f := fs.Lookup(name); hasValue && f != nil && !isBool(f) {
			return p.value(command, f, value, args).prefixed(word[:len(word)-len(value)])
		}
		return flags(command, fs, word)
	}
	return p.operand(command, fs, line.operands, word)
}

// line is what the words before the one completed say of it.
type line struct {
	// pending is the flag whose value the word is.
	pending *flag.Flag
	// operands is how many operands came before; flagsDone says "--"
	// ended the flags.
	operands  int
	flagsDone bool
}

// read reads args as arguments.parse does: flags wherever they stand,
// until "--".
func read(fs *flag.FlagSet, args []string) line {
	var l line
	for _, a := range args {
		switch {
		case l.pending != nil:
			l.pending = nil
		case l.flagsDone || !isFlag(a):
			l.operands++
		case a == "--":
			l.flagsDone = true
		default:
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if f := fs.Lookup(name); f != nil && !hasValue && !isBool(f) {
				l.pending = f
			}
		}
	}
	return l
}

// isFlag says whether a word is a flag, or "--", to the flag package;
// "-" alone is an operand (fmt's stdin).
func isFlag(word string) bool { return len(word) > 1 && word[0] == '-' }

// isBool says whether f takes no value, as the flag package decides it.
func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// flags are command's flags that begin with word. Given no name yet,
// each is spelt as the help spells it; given "--x" or "-x", as the user
// began it, which the flag package reads alike.
func flags(command string, fs *flag.FlagSet, word string) Reply {
	var all []string
	fs.VisitAll(func(f *flag.Flag) {
		switch {
		case word == "" || word == "-":
			all = append(all, arguments.Spelling(command, f.Name))
		case strings.HasPrefix(word, "--"):
			all = append(all, "--"+f.Name)
		default:
			all = append(all, "-"+f.Name)
		}
	})
	return matching(all, word)
}

// value completes word as f's value; args are the words before the flag.
func (p Program) value(command string, f *flag.Flag, word string, args []string) Reply {
	if names, ok := specNames[f.Name]; ok && p.Names != nil {
		return matching(names(p.Names(command, args)), word)
	}
	if words := arguments.FlagValues(command, f.Name); words != nil {
		return matching(words, word)
	}
	// The help names a flag's value after its kind: "-junit file".
	if kind, _ := flag.UnquoteUsage(f); kind == "file" || kind == "path" {
		return Reply{Files: true}
	}
	return Reply{}
}

// operand completes word as a command's operand, after n others.
func (p Program) operand(command string, fs *flag.FlagSet, n int, word string) Reply {
	if closed, ok := p.Operands[command]; ok {
		if n > 0 {
			return Reply{}
		}
		return matching(closed, word)
	}
	if arguments.TakesOperands(command) {
		return Reply{Files: true}
	}
	if word == "" {
		return flags(command, fs, word)
	}
	return Reply{}
}

// prefixed puts prefix before every candidate: "--color=" before the
// words of --color=al.
func (r Reply) prefixed(prefix string) Reply {
	for i, c := range r.Candidates {
		r.Candidates[i] = prefix + c
	}
	return r
}

// matching are the words that begin with word, each once, in order.
// A word with a control character in it (a spec's name can have one) is
// left out: a line of the answer is a candidate, and a terminal shows
// what it is sent.
func matching(words []string, word string) Reply {
	var r Reply
	seen := map[string]bool{}
	for _, w := range words {
		if strings.HasPrefix(w, word) && !seen[w] && shellSafe(w) {
			seen[w] = true
			r.Candidates = append(r.Candidates, w)
		}
	}
	return r
}

// shellSafe reports whether a candidate can be offered whatever the
// shell does with it: names from a spec are anyone's text, and inside an
// open quote bash inserts a candidate as it is, where a $( or a quote
// would run or break out on Enter. A candidate with a control or format
// character (which the project's escaping would show escaped), a quote,
// a backslash, $ or a backquote is not offered.
func shellSafe(w string) bool {
	return escape.Text(w) == w && !strings.ContainsAny(w, "\"'`$\\!")
}
