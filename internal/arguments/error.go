package arguments

import (
	"errors"
	"flag"

	"github.com/portspec/portspec/internal/exit"
)

// Error is a usage error of Command: exit 2, the message, then the
// command's short usage; or, when Help is set, the command's whole help
// on stdout and exit 0.
type Error struct {
	Command string
	Err     error
	// Help says the flags asked for the help (-h, --help).
	Help bool
	// Said marks a message the flag package words itself ("flag provided
	// but not defined: -x"), which is printed bare, without the command's
	// name before it.
	Said bool
}

func (e *Error) Error() string {
	switch {
	case e.Help:
		return "help requested"
	case e.Said:
		return e.Err.Error()
	}
	return "portspec " + e.Command + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ExitCode is 0 for help, which was asked for, and 2 for anything else.
func (e *Error) ExitCode() int {
	if e.Help {
		return exit.OK
	}
	return exit.Usage
}

func usage(command string, err error) *Error {
	return &Error{Command: command, Err: err}
}

func usagef(command, text string) *Error {
	return usage(command, errors.New(text))
}

// parseError is the Error of what flag.FlagSet.Parse returned.
func parseError(command string, err error) *Error {
	if errors.Is(err, flag.ErrHelp) {
		return &Error{Command: command, Err: err, Help: true}
	}
	return &Error{Command: command, Err: err, Said: true}
}
