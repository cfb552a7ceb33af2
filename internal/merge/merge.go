// Package merge puts the JSON reports of one policy's runs back together
// as one run: shards of a run, and the runs of several vantage points.
// Each input is read whole and checked before anything is merged; the
// merge itself reads the inputs as streams, k-way, in the order one run
// would have given, holding one result an input, the large ones on disk.
package merge

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/heapof"
	"github.com/portspec/portspec/internal/spool"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/spec"
)

// Input is one JSON report being merged or diffed.
type Input struct {
	Path   string
	file   *os.File
	opts   report.ReadOptions
	Reader *report.JSONReader
	// Tail is the report's end, once Check has read it.
	Tail report.Tail
}

// open reads the report's metadata, from its start.
func (in *Input) open() error {
	if _, err := in.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var err error
	in.Reader, err = report.OpenJSONWith(in.file, in.opts)
	return err
}

// Open opens the report at path and reads its metadata; Check reads the
// rest.
func Open(path string, opts report.ReadOptions) (*Input, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	in := &Input{Path: path, file: file, opts: opts}
	if err := in.open(); err != nil {
		file.Close()
		return nil, err
	}
	return in, nil
}

// Close closes the report's file.
func (in *Input) Close() error { return in.file.Close() }

// Check reads the whole report and refuses one that is not whole, then
// opens it again for the merge: nothing is written before every input
// has been read to its end.
func (in *Input) Check() error {
	for {
		_, ok, err := in.Reader.Next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
	}
	tail, err := in.Reader.End()
	if err != nil {
		return err
	}
	in.Tail = tail
	return in.open()
}

// Span is when the merged run started, the earliest start of an
// input's run, and how long it took: to the latest end of one, the wall
// time of the whole whether its shards ran at once or one after another.
// Inputs further apart than a run lasts are refused.
func Span(inputs []*Input) (start time.Time, elapsed time.Duration, err error) {
	var end time.Time
	var first, last *Input
	for _, in := range inputs {
		s := in.Reader.Meta.Start
		e := s.Add(in.Tail.Elapsed)
		if first == nil || s.Before(start) {
			start, first = s, in
		}
		if last == nil || e.After(end) {
			end, last = e, in
		}
	}
	if end.Sub(start) > report.MaxRunTime {
		return start, 0, fmt.Errorf("%s started at %s and %s ended at %s: one run lasts less than %d days",
			first.Path, start.Format(time.RFC3339), last.Path, end.Format(time.RFC3339), report.MaxRunTime/(24*time.Hour))
	}
	return start, end.Sub(start), nil
}

// Versions lists the versions of portspec that wrote inputs.
func Versions(inputs []*Input) []string {
	var versions []string
	for _, in := range inputs {
		if v := in.Reader.Meta.Version; !slices.Contains(versions, v) {
			versions = append(versions, v)
		}
	}
	return versions
}

// Vantage is the inputs probed from one vantage point.
type Vantage struct {
	Name   string
	Inputs []*Input
}

// Group sorts the inputs by vantage and refuses what cannot be
// merged into one truthful report: results of different specs, different
// tag selections from one vantage, and shards that are missing, repeated,
// or of different splits.
func Group(inputs []*Input) ([]*Vantage, error) {
	digest := inputs[0].Reader.Meta.Digest
	byName := map[string]*Vantage{}
	var groups []*Vantage
	for _, in := range inputs {
		m := in.Reader.Meta
		if m.Digest != digest {
			return nil, fmt.Errorf("%s checked a different spec (%s) from %s (%s): merge results of one version of the policy",
				in.Path, m.Digest, inputs[0].Path, digest)
		}
		g, ok := byName[m.Vantage]
		if !ok {
			g = &Vantage{Name: m.Vantage}
			byName[m.Vantage] = g
			groups = append(groups, g)
		}
		g.Inputs = append(g.Inputs, in)
	}
	slices.SortFunc(groups, func(a, b *Vantage) int { return strings.Compare(a.Name, b.Name) })
	for _, g := range groups {
		label := g.Name
		if label == "" {
			label = "(no vantage)"
		}
		tags := strings.Join(g.Inputs[0].Reader.Meta.Tags, ",")
		controls := strings.Join(g.Inputs[0].Reader.Meta.Controls, ",")
		seen := map[int]string{}
		n := 0
		for _, in := range g.Inputs {
			m := in.Reader.Meta
			if t := strings.Join(m.Tags, ","); t != tags {
				return nil, fmt.Errorf("vantage %s: %s selected tags %q, %s tags %q", label, in.Path, t, g.Inputs[0].Path, tags)
			}
			if c := strings.Join(m.Controls, ","); c != controls {
				return nil, fmt.Errorf("vantage %s: %s selected controls %q, %s controls %q", label, in.Path, c, g.Inputs[0].Path, controls)
			}
			if m.Shard == "" {
				if len(g.Inputs) > 1 {
					return nil, fmt.Errorf("vantage %s: %s is a whole run, yet %d reports come from that vantage: every check would be there twice",
						label, in.Path, len(g.Inputs))
				}
				continue
			}
			shard, err := spec.ParseShard(m.Shard)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", in.Path, err)
			}
			if n != 0 && shard.N != n {
				return nil, fmt.Errorf("vantage %s: %s is shard %s, but other reports split the run %d ways", label, in.Path, m.Shard, n)
			}
			n = shard.N
			if prev, ok := seen[shard.K]; ok {
				return nil, fmt.Errorf("vantage %s: shard %s is in both %s and %s: its checks would be there twice", label, m.Shard, prev, in.Path)
			}
			seen[shard.K] = in.Path
		}
		for k := 1; k <= n; k++ {
			if _, ok := seen[k]; !ok {
				return nil, fmt.Errorf("vantage %s: shard %d/%d is missing: its checks would be lost", label, k, n)
			}
		}
	}
	return groups, nil
}

// mergeVantage merges one vantage's shards back into the order of one
// run, reading each report as a stream, and refuses a check that two
// reports both hold. It holds the next result of each input, the large
// ones parked on disk.
func mergeVantage(g *Vantage, park *parking, emit func(report.Record)) error {
	h := heapof.New(headFirst)
	for i, in := range g.Inputs {
		if err := pull(h, in, i, park); err != nil {
			return err
		}
	}
	var last [3]int
	var lastFrom string
	for h.Len() > 0 {
		head := h.Pop()
		r, err := park.take(head)
		if err != nil {
			return err
		}
		if lastFrom != "" && !orderLess(last, r.Order) {
			return fmt.Errorf("%s %s/%d (%s) is in both %s and %s", report.GroupName(r), r.Protocol, r.Port,
				r.Source, lastFrom, head.in.Path)
		}
		emit(r)
		last, lastFrom = r.Order, head.in.Path
		if err := pull(h, head.in, head.index, park); err != nil {
			return err
		}
	}
	return nil
}

// headItem is an input's next result: the record, or, for a large one,
// its order and where it is parked.
type headItem struct {
	order  [3]int
	record report.Record
	size   int // the record's, while it is held
	parked *spool.Place
	in     *Input
	index  int
}

// orderLess orders records as one run yields them.
func orderLess(a, b [3]int) bool {
	return spec.Order{Unit: a[0], Address: a[1], Seq: a[2]}.Less(spec.Order{Unit: b[0], Address: b[1], Seq: b[2]})
}

// headFirst orders the inputs' heads as one run yields them, ties by the
// inputs' order.
func headFirst(a, b headItem) bool {
	if a.order == b.order {
		return a.index < b.index
	}
	return orderLess(a.order, b.order)
}

// pull reads the next result of in onto the heap.
func pull(h *heapof.Heap[headItem], in *Input, index int, park *parking) error {
	r, ok, err := in.Reader.Next()
	if err != nil {
		return fmt.Errorf("%s: %v", in.Path, err)
	}
	if !ok {
		return nil
	}
	item := headItem{order: r.Order, in: in, index: index}
	if err := park.hold(&item, r); err != nil {
		return err
	}
	h.Push(item)
	return nil
}

// A merge holds the next result of each input: in memory if it takes at
// most parkAbove (a result of a check takes a few KB), or while the heads
// in memory take at most headsHeld; on disk otherwise. A merge may read
// hundreds of inputs, each of whose next result may be as large as
// --max-record-size.
const (
	parkAbove = 16 << 10
	headsHeld = 2 << 20
)

// parking holds large results on a shelf, as JSON, while they wait in the
// merge's heap, and counts the heads held in memory.
type parking struct {
	shelf *spool.Shelf
	held  int // bytes of the heads in memory
}

// hold makes r the record of head, held in memory, or parked if it is
// large and the heads held are too many.
func (p *parking) hold(head *headItem, r report.Record) error {
	size := r.Size()
	if size <= parkAbove || p.held+size <= headsHeld {
		head.record, head.size = r, size
		p.held += size
		return nil
	}
	var err error
	head.parked, err = p.put(r)
	return err
}

func (p *parking) put(r report.Record) (*spool.Place, error) {
	if p.shelf == nil {
		var err error
		if p.shelf, err = spool.NewShelf(); err != nil {
			return nil, DiskError{err}
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, DiskError{err}
	}
	place, err := p.shelf.Put(b)
	if err != nil {
		return nil, DiskError{err}
	}
	return &place, nil
}

// take returns the record of a head, read back if it was parked.
func (p *parking) take(head headItem) (report.Record, error) {
	if head.parked == nil {
		p.held -= head.size
		return head.record, nil
	}
	var r report.Record
	b, err := p.shelf.Take(*head.parked)
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	if err != nil {
		return r, DiskError{err}
	}
	return r, nil
}

// DiskError is a large result that could not wait on disk, or be read
// back: the merge fails, but no input is at fault.
type DiskError struct{ err error }

func (e DiskError) Error() string { return "holding a large result on disk: " + e.err.Error() }

func (e DiskError) Unwrap() error { return e.err }

func (p *parking) close() {
	if p.shelf != nil {
		p.shelf.Close()
	}
}

// Merger merges vantages, one after another, with one shelf on disk for
// the large results that wait their turn.
type Merger struct{ park parking }

// Vantage merges g's inputs into the order of one run, calling emit with
// each result; a check that two inputs hold is an error. An error of the
// disk is a DiskError.
func (m *Merger) Vantage(g *Vantage, emit func(report.Record)) error {
	return mergeVantage(g, &m.park, emit)
}

// Close lets go of the shelf.
func (m *Merger) Close() { m.park.close() }
