// Package outputs opens a run's reports and puts them in place: the
// report files check and merge can write (Formats, which also gives the
// flags and their help), the text report on a terminal or not, CI
// annotations, and a Session that takes a run's records from the first to
// the files committed, all of them or none.
//
// Every error it returns is an *exit.Error that says what went wrong
// and how the command ends: 2 for paths the command line got wrong, 3
// for a report that cannot be written.
package outputs
