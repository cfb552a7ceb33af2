// Package sticky is a writer that keeps the first error: a report writes
// piece after piece, checks once at the end, and writes nothing after a
// failure, which would only make a cut file look whole.
package sticky

import (
	"fmt"
	"io"
)

// Writer writes to an io.Writer until a write fails, then refuses every
// write with that error.
type Writer struct {
	w   io.Writer
	err error
}

// New returns a Writer writing to w.
func New(w io.Writer) *Writer { return &Writer{w: w} }

func (s *Writer) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}

// Printf writes as fmt.Fprintf does; its error is kept.
func (s *Writer) Printf(format string, args ...any) { fmt.Fprintf(s, format, args...) }

// Keep keeps err, unless an earlier one is kept: for the errors of what
// writes to s, such as a template's, that are not write errors.
func (s *Writer) Keep(err error) {
	if s.err == nil {
		s.err = err
	}
}

// Err is the first error.
func (s *Writer) Err() error { return s.err }
