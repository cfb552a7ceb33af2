// Package serve is portspec serve: a spec checked at once and then once
// an interval, never two runs at once, with the last completed run served
// over HTTP: Prometheus metrics of its current state (/metrics), a health
// check that fails while a check fails (/healthz), its HTML and JSON
// reports (/, /results.json), and what changed between consecutive runs
// (/changes), the last few runs' worth, bounded.
//
// The run itself is the caller's (a RunFunc): serve gives it the
// reporters to write to, and keeps what they wrote.
package serve
