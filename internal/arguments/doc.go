// Package arguments parses each command's flags and arguments, by a pure
// function, into a typed struct, after Terraform's
// internal/command/arguments: ParseCheck, ParseQuery and the others read
// nothing but their arguments (no environment, no terminal, no file) and
// return the struct or an *Error, which is a usage error: exit 2, with
// what was wrong, or a request for the command's help. What a flag means
// beyond its value (whether a terminal is there to colour, whether the
// addresses of --source-prefix are this machine's) is the command's to
// decide when it runs.
//
// The flag sets are built here, once a command, and FlagSet gives them to
// the help, so that a flag's help line and its parsing are one
// definition.
package arguments
