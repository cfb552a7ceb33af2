package spool

import (
	"math/bits"
	"os"
)

// Shelf holds byte strings in a temporary file for a while, off the heap:
// merge puts a large result there while it waits its turn. A place freed
// is taken again by a string of its size class, a power of two, so the
// file grows with the most the shelf holds at once, not with all it has
// held.
type Shelf struct {
	f    *os.File
	end  int64
	free map[int][]int64 // the free places of each size class
}

// Place is where a string is on a shelf.
type Place struct {
	off   int64
	n     int
	class int // the place holds 1<<class bytes
}

// NewShelf creates a shelf in the system's temporary directory.
func NewShelf() (*Shelf, error) {
	f, err := os.CreateTemp("", "portspec-shelf-*")
	if err != nil {
		return nil, err
	}
	// Unlinked at once, as a spool is.
	os.Remove(f.Name())
	return &Shelf{f: f, free: map[int][]int64{}}, nil
}

// Put writes b to a free place of the shelf, and says where.
func (s *Shelf) Put(b []byte) (Place, error) {
	p := Place{n: len(b), class: bits.Len(uint(len(b)))}
	if free := s.free[p.class]; len(free) > 0 {
		p.off, s.free[p.class] = free[len(free)-1], free[:len(free)-1]
	} else {
		p.off = s.end
		s.end += 1 << p.class
	}
	if _, err := s.f.WriteAt(b, p.off); err != nil {
		s.free[p.class] = append(s.free[p.class], p.off)
		return Place{}, err
	}
	return p, nil
}

// Take reads back the string at p, and frees its place.
func (s *Shelf) Take(p Place) ([]byte, error) {
	b := make([]byte, p.n)
	_, err := s.f.ReadAt(b, p.off)
	s.free[p.class] = append(s.free[p.class], p.off)
	return b, err
}

// Close discards the shelf.
func (s *Shelf) Close() error { return s.f.Close() }
