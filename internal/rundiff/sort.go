package rundiff

import (
	"cmp"
	"container/heap"
	"encoding/gob"
	"errors"
	"io"
	"os"
	"slices"

	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

// Check is what a diff keeps of a result.
type Check struct {
	Vantage, Host, Address, Protocol string
	Port                             uint16
	// N tells apart the results of one key in one run, in report order:
	// two blocks may both check a port.
	N        int
	Expected string
	Actual   string
	Verdict  verdict.Verdict
	Message  string
	Source   string
}

func fromRecord(r report.Record) Check {
	return Check{Vantage: r.Vantage, Host: r.Host, Address: r.Address, Protocol: r.Protocol, Port: r.Port,
		Expected: r.Expected, Actual: r.Actual, Verdict: r.Verdict, Message: r.Message, Source: r.Source}
}

func compareKey(a, b Check) int {
	return cmp.Or(cmp.Compare(a.Vantage, b.Vantage), cmp.Compare(a.Host, b.Host), cmp.Compare(a.Address, b.Address),
		cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Port, b.Port))
}

func sameKey(a, b Check) bool { return compareKey(a, b) == 0 }

// chunkSize is how many results are sorted in memory before they go to
// disk: about 20 MB.
var chunkSize = 100_000

// sorted reads a report's records and returns them sorted by key, equal
// keys in report order and numbered by N. Chunks wait in temporary files,
// unlinked at once so that they vanish with the process however it ends.
func sorted(next func() (report.Record, bool, error)) (*mergedRun, error) {
	m := &mergedRun{}
	var chunk []Check
	spill := func() error {
		if len(chunk) == 0 {
			return nil
		}
		slices.SortStableFunc(chunk, compareKey)
		f, err := os.CreateTemp("", "portspec-diff-*")
		if err != nil {
			return err
		}
		os.Remove(f.Name())
		m.files = append(m.files, f)
		enc := gob.NewEncoder(f)
		for _, c := range chunk {
			if err := enc.Encode(c); err != nil {
				return err
			}
		}
		chunk = chunk[:0]
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		m.readers = append(m.readers, &chunkReader{dec: gob.NewDecoder(f), index: len(m.readers)})
		return nil
	}
	for {
		r, ok, err := next()
		if err != nil {
			m.close()
			return nil, err
		}
		if !ok {
			break
		}
		chunk = append(chunk, fromRecord(r))
		if len(chunk) == chunkSize {
			if err := spill(); err != nil {
				m.close()
				return nil, err
			}
		}
	}
	if err := spill(); err != nil {
		m.close()
		return nil, err
	}
	for _, r := range m.readers {
		if err := r.advance(); err != nil {
			m.close()
			return nil, err
		}
		if r.ok {
			heap.Push(&m.heads, r)
		}
	}
	return m, nil
}

// mergedRun merges a run's sorted chunks into one sorted stream.
type mergedRun struct {
	files   []*os.File
	readers []*chunkReader
	heads   chunkHeap
	last    Check
	started bool
}

// next returns the next check in key order, or false after the last.
func (m *mergedRun) next() (Check, bool, error) {
	if m.heads.Len() == 0 {
		return Check{}, false, nil
	}
	r := m.heads[0]
	c := r.head
	if err := r.advance(); err != nil {
		return Check{}, false, err
	}
	if r.ok {
		heap.Fix(&m.heads, 0)
	} else {
		heap.Pop(&m.heads)
	}
	if m.started && sameKey(m.last, c) {
		c.N = m.last.N + 1
	}
	m.last, m.started = c, true
	return c, true, nil
}

func (m *mergedRun) close() {
	for _, f := range m.files {
		f.Close()
	}
}

type chunkReader struct {
	dec   *gob.Decoder
	head  Check
	ok    bool
	index int // the chunk's place in the report, which breaks ties
}

func (r *chunkReader) advance() error {
	r.head = Check{}
	err := r.dec.Decode(&r.head)
	r.ok = err == nil
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

type chunkHeap []*chunkReader

func (h chunkHeap) Len() int { return len(h) }
func (h chunkHeap) Less(i, j int) bool {
	if c := compareKey(h[i].head, h[j].head); c != 0 {
		return c < 0
	}
	return h[i].index < h[j].index
}
func (h chunkHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *chunkHeap) Push(x any)   { *h = append(*h, x.(*chunkReader)) }
func (h *chunkHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
