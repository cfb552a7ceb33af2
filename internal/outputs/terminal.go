package outputs

import (
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// UseColor decides whether to colour what goes to w: always, never, or,
// for auto, when w is a terminal and NO_COLOR is not set.
func UseColor(choice string, w io.Writer) (bool, error) {
	switch choice {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		if noColor() {
			return false, nil
		}
		f, ok := w.(*os.File)
		return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())), nil
	}
	return false, fmt.Errorf("--color is auto, always or never; got %q", choice)
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
