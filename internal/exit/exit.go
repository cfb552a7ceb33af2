// Package exit holds portspec's exit codes and the error that carries one,
// so that every package a command calls can say how the command ends, and
// the command maps an error to its code in one place (Code).
package exit

import (
	"errors"
	"fmt"
)

// The exit codes every command shares.
const (
	OK         = 0
	Failed     = 1 // a check failed, or fmt -check found a change
	Usage      = 2 // bad flags or a spec error; nothing was probed
	Incomplete = 3 // the run could not complete, e.g. an unwritable output
	// Interrupted is the shell's code for a run ended by SIGINT.
	Interrupted = 130
)

// Error ends a command with Code. Its message, when not empty, is what
// the user reads on stderr, whole; an empty one was said already, or
// there is nothing to say (checks failed, and the report says which).
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Errorf is an Error whose message is formatted.
func Errorf(code int, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Status ends a command with code and nothing more to say; OK is nil.
func Status(code int) error {
	if code == OK {
		return nil
	}
	return &Error{Code: code}
}

// Coder is an error that knows its exit code, such as a usage error.
type Coder interface {
	error
	ExitCode() int
}

// ExitCode is the code of an Error.
func (e *Error) ExitCode() int { return e.Code }

// Code is the exit code of err: OK for nil, the code an error carries,
// and Incomplete for any other, which no command should return.
func Code(err error) int {
	if err == nil {
		return OK
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return Incomplete
}
