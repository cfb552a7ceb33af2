// Package report turns records, the flat outcome of each check, into what
// people and CI systems read: PortQry-style query output, and the text,
// log and JSON reports of portspec check. Record is also the JSON layout,
// written by JSON and read back, strictly, by JSONReader for merge. The
// package imports neither the spec nor the runner: internal/plan makes
// the records. Each reporter writes to an io.Writer with its own colour
// choice; none touches the process-wide color.NoColor.
package report
