package outputs

import (
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/report"
)

// Session is one run's reports, from the first record to the files put in
// place: check, merge and query all go through it. Its steps are in
// order: outputs opened (Open), Begin, a record at a time (Add), End,
// then the exit code (Verdict).
type Session struct {
	// Reporters hear the run; Sum counts it.
	Reporters report.Multi
	Sum       report.Summary

	outputs  []*output
	writeErr error // the first a reporter met
}

// NewSession is a session of reporters and no report files.
func NewSession(reporters report.Multi) *Session {
	return &Session{Reporters: reporters}
}

// Keep keeps err if it is the first to fail the reports.
func (s *Session) Keep(err error) {
	if err != nil && s.writeErr == nil {
		s.writeErr = err
	}
}

// Begin starts the reports.
func (s *Session) Begin(meta report.Meta) { s.Keep(s.Reporters.Begin(meta)) }

// Add counts a record and reports it.
func (s *Session) Add(r report.Record) {
	s.Sum.Add(r)
	s.Keep(s.Reporters.Result(r))
}

// End closes every report and puts the files in place: all of them, or
// none when one could not be written, which exits 3.
func (s *Session) End() error {
	s.Keep(s.Reporters.End(s.Sum))
	return commitAll(s.outputs, s.writeErr)
}

// Abort removes the files of reports not put in place; deferred, it does
// nothing once End has committed them.
func (s *Session) Abort() { abortAll(s.outputs) }

// Verdict is how a run of checks ends once its reports are in place: 130
// for a run that did not finish, which is never a pass, then 1 for any
// failure or error.
func (s *Session) Verdict() error {
	switch {
	case s.Sum.Interrupted:
		return exit.Status(exit.Interrupted)
	case s.Sum.Failed+s.Sum.Errors > 0:
		return exit.Status(exit.Failed)
	}
	return nil
}
