// Package completion completes portspec's command lines in the shells.
// A shell's script (Script) does no more than hand the words typed so far
// to the hidden `portspec __complete WORD...` and show what it answers
// (Reply), so that what completes a word is decided here, once for every
// shell, from the flag sets and the help the command line is parsed with
// (internal/arguments): a flag offered is a flag the parser takes, spelt
// as the help spells it, and a flag's words are those its parser accepts.
//
// Complete is pure: the names in the specs the line names, which
// --from, --tag and --control complete to, are read by the caller
// (Program.Names; NamesOf finds them in a loaded spec).
package completion
