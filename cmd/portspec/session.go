package main

import (
	"io"

	"github.com/portspec/portspec/report"
)

// session is one run's reports, from the first record to the files put in
// place: check, merge and query all go through it. Its steps are in
// order: outputs opened (openReports), begin, a record at a time, end,
// then the exit code.
type session struct {
	stderr    io.Writer
	outputs   []*output
	reporters report.Multi
	sum       report.Summary
	writeErr  error // the first a reporter met
}

func (s *session) keep(err error) {
	if err != nil && s.writeErr == nil {
		s.writeErr = err
	}
}

func (s *session) begin(meta report.Meta) { s.keep(s.reporters.Begin(meta)) }

// add counts a record and reports it.
func (s *session) add(r report.Record) {
	s.sum.Add(r)
	s.keep(s.reporters.Result(r))
}

// end closes every report and puts the files in place: all of them, or
// none when one could not be written, which exits 3.
func (s *session) end() int {
	s.keep(s.reporters.End(s.sum))
	return commitAll(s.stderr, s.outputs, s.writeErr)
}

// abort removes the files of reports not put in place; deferred, it does
// nothing once end has committed them.
func (s *session) abort() { abortAll(s.outputs) }

// verdictCode is the exit code of a run of checks once its reports are in
// place: 130 for a run that did not finish, which is never a pass, then 1
// for any failure or error.
func (s *session) verdictCode() int {
	switch {
	case s.sum.Interrupted:
		return exitInterrupted
	case s.sum.Failed+s.sum.Errors > 0:
		return exitFailed
	}
	return exitOK
}
