package outputs

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// UseColor decides whether to colour what goes to w: always, never, or,
// for auto (or anything else: the flags were checked when parsed), when
// w is a terminal and NO_COLOR is not set.
func UseColor(choice string, w io.Writer) bool {
	switch choice {
	case "always":
		return true
	case "never":
		return false
	}
	if noColor() {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// noColor reports whether NO_COLOR asks for no colour: set to anything
// but the empty string, as no-color.org has it.
func noColor() bool { return os.Getenv("NO_COLOR") != "" }

// InCI reports whether a CI system runs the command: CI set to anything
// but "", "false" or "0", as every CI system sets it and as people unset
// it.
func InCI() bool {
	switch os.Getenv("CI") {
	case "", "false", "0":
		return false
	}
	return true
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
