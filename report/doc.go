// Package report turns runner results into what people and CI systems
// read: PortQry-style query output, and the text, log and JSON reports of
// portspec check. Each reporter writes to an io.Writer with its own colour
// choice; none touches the process-wide color.NoColor.
package report
