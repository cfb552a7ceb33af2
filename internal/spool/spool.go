// Package spool holds part of a report on disk until the report can be
// finished: a JUnit document needs its totals before its suites, and a log
// its tries before its verdicts, yet neither may hold a million checks in
// memory. A Shelf holds what waits its turn, such as the large results
// that merge reads from hundreds of inputs at once.
package spool

import (
	"bufio"
	"io"
	"os"
)

// Spool is a temporary file to append to and later copy out, once, or
// more than once with a Reset between.
type Spool struct {
	f *os.File
	w *bufio.Writer
	n int64 // bytes spooled since the last Reset
}

// New creates a spool in the system's temporary directory.
func New() (*Spool, error) {
	f, err := os.CreateTemp("", "portspec-spool-*")
	if err != nil {
		return nil, err
	}
	// Unlinked at once: the file vanishes with the process, however it ends.
	os.Remove(f.Name())
	return &Spool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (s *Spool) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.n += int64(n)
	return n, err
}

// Len is how many bytes are spooled.
func (s *Spool) Len() int64 { return s.n }

// Reset discards everything spooled, to spool again from the start: the
// file's space is freed, not only its end moved.
func (s *Spool) Reset() error {
	if s.n == 0 {
		return nil
	}
	s.w.Reset(s.f)
	s.n = 0
	if err := s.f.Truncate(0); err != nil {
		return err
	}
	_, err := s.f.Seek(0, io.SeekStart)
	return err
}

// CopyTo writes everything spooled to w.
func (s *Spool) CopyTo(w io.Writer) error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.f)
	return err
}

// Rewind ends the writing and returns a reader of everything spooled,
// from the start.
func (s *Spool) Rewind() (io.Reader, error) {
	if err := s.w.Flush(); err != nil {
		return nil, err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return bufio.NewReaderSize(s.f, 64<<10), nil
}

// Close discards the spool.
func (s *Spool) Close() error { return s.f.Close() }
