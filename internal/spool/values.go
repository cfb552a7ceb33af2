package spool

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io"
)

// Values holds values of one type on disk, gob-encoded, in the order
// added, to be read back once: check --wait's first round, each vantage
// of check --via until the others are done.
type Values[T any] struct {
	s   *Spool
	enc *gob.Encoder
	n   int
	err error
}

// NewValues creates an empty Values.
func NewValues[T any]() (*Values[T], error) {
	s, err := New()
	if err != nil {
		return nil, err
	}
	return &Values[T]{s: s, enc: gob.NewEncoder(s)}, nil
}

// Add appends v; the first error is kept, and returned by Replay.
func (v *Values[T]) Add(x *T) {
	if v.err == nil {
		v.err = v.enc.Encode(x)
		v.n++
	}
}

// Len is how many values were added.
func (v *Values[T]) Len() int { return v.n }

// Replay reads the values back in order, giving each to each.
func (v *Values[T]) Replay(each func(T)) error {
	if v.err != nil {
		return fmt.Errorf("holding them on disk: %w", v.err)
	}
	in, err := v.s.Rewind()
	if err != nil {
		return err
	}
	dec := gob.NewDecoder(in)
	for range v.n {
		var x T
		if err := dec.Decode(&x); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("reading them back: %w", err)
		}
		each(x)
	}
	return nil
}

// Close removes the file.
func (v *Values[T]) Close() error { return v.s.Close() }
