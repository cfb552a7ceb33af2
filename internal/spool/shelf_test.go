package spool

import (
	"bytes"
	"testing"
)

// TestShelf: a string comes back as it was put, in any order, and a place
// taken is used again: a shelf that holds one large string at a time
// stays the size of one.
func TestShelf(t *testing.T) {
	s, err := NewShelf()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	values := [][]byte{bytes.Repeat([]byte("a"), 100_000), {}, []byte("b"), bytes.Repeat([]byte("c"), 70_000)}
	var places []Place
	for _, v := range values {
		p, err := s.Put(v)
		if err != nil {
			t.Fatal(err)
		}
		places = append(places, p)
	}
	for _, i := range []int{2, 0, 3, 1} {
		got, err := s.Take(places[i])
		if err != nil || !bytes.Equal(got, values[i]) {
			t.Errorf("value %d: %d bytes back, want %d (%v)", i, len(got), len(values[i]), err)
		}
	}
	full := s.end
	for i := range 1000 {
		v := bytes.Repeat([]byte{byte(i)}, 65_536+i*60)
		p, err := s.Put(v)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Take(p); err != nil || !bytes.Equal(got, v) {
			t.Fatalf("value %d did not come back: %v", i, err)
		}
	}
	if s.end != full {
		t.Errorf("the shelf grew from %d to %d bytes holding one string at a time", full, s.end)
	}
	if info, err := s.f.Stat(); err != nil || info.Size() > full {
		t.Errorf("the shelf's file has %d bytes, more than the %d of its places (%v)", info.Size(), full, err)
	}
}
