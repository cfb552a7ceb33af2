package main

import (
	"encoding/json"
	"errors"
	"flag"
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

// input is one JSON report being merged or diffed.
type input struct {
	path   string
	file   *os.File
	opts   report.ReadOptions
	reader *report.JSONReader
	tail   report.Tail
}

// open reads the report's metadata, from its start.
func (in *input) open() error {
	if _, err := in.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var err error
	in.reader, err = report.OpenJSONWith(in.file, in.opts)
	return err
}

// readFlags say how merge and diff read reports.
type readFlags struct {
	maxRecordSize sizeFlag
	today         string
}

func (f *readFlags) register(fs *flag.FlagSet) {
	f.maxRecordSize = report.DefaultMaxRecordSize
	fs.Var(&f.maxRecordSize, "max-record-size", "the largest result (or meta, or summary) of a report to read, a `size` such as 4MiB")
	fs.StringVar(&f.today, "today", "", "judge the reports' waivers as on this `date`, YYYY-MM-DD, as check --today did (default: the day each run started)")
}

func (f *readFlags) readOptions() (report.ReadOptions, error) {
	opts := report.ReadOptions{MaxRecordSize: int(f.maxRecordSize)}
	if f.today == "" {
		return opts, nil
	}
	var err error
	opts.Today, err = parseDay(f.today)
	return opts, err
}

// check reads the whole report and refuses one that is not whole, then
// opens it again for the merge: nothing is written before every input
// has been read to its end.
func (in *input) check() error {
	for {
		_, ok, err := in.reader.Next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
	}
	tail, err := in.reader.End()
	if err != nil {
		return err
	}
	in.tail = tail
	return in.open()
}

type mergeFlags struct {
	reportFlags
	readFlags
	color string
}

func (f *mergeFlags) register(fs *flag.FlagSet) {
	f.reportFlags.register(fs)
	f.readFlags.register(fs)
	colorFlag(fs, &f.color)
}

func runMerge(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("merge", stdout, stderr)
	var f mergeFlags
	f.register(fs.FlagSet)
	paths, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	_, err = useColor(f.color, stdout)
	if err == nil && len(paths) == 0 {
		err = errors.New("name the JSON results to merge")
	}
	if err == nil {
		err = f.reportFlags.check()
	}
	var opts report.ReadOptions
	if err == nil {
		opts, err = f.readOptions()
	}
	if err != nil {
		return usageError(stderr, fs, err)
	}

	var inputs []*input
	defer func() {
		for _, in := range inputs {
			in.file.Close()
		}
	}()
	for _, p := range paths {
		file, err := os.Open(p)
		if err != nil {
			fmt.Fprintf(stderr, "portspec merge: %v\n", err)
			return exitUsage
		}
		in := &input{path: p, file: file, opts: opts}
		inputs = append(inputs, in)
		err = in.open()
		if err == nil {
			err = in.check()
		}
		if err != nil {
			fmt.Fprintf(stderr, "portspec merge: refusing %s: %v\n", p, err)
			return exitUsage
		}
	}
	if versions := portspecVersions(inputs); len(versions) > 1 {
		fmt.Fprintf(stderr, "portspec merge: warning: the results come from portspec %s; merged, they may not mean the same\n", strings.Join(versions, ", "))
	}
	vantages, err := groupInputs(inputs)
	var start time.Time
	var elapsed time.Duration
	if err == nil {
		start, elapsed, err = runSpan(inputs)
	}
	if err != nil {
		fmt.Fprintf(stderr, "portspec merge: refusing to merge: %v\n", err)
		return exitUsage
	}

	run, code := f.openReports(stdout, stderr, f.color, paths, nil)
	if code != exitOK {
		return code
	}
	defer run.abort()

	first := inputs[0].reader.Meta
	meta := report.Meta{
		Version: portspecVersion(), Hostname: first.Hostname, Command: append([]string{"portspec", "merge"}, args...),
		Tags: first.Tags, Controls: first.Controls, Files: first.Files, Digest: first.Digest, Start: start,
	}
	if len(vantages) == 1 {
		meta.Vantage = vantages[0].name
	}
	run.begin(meta)
	var park parking
	defer park.close()
	for _, v := range vantages {
		err := mergeVantage(v, &park, func(r report.Record) {
			if r.Evidence != nil {
				for _, t := range r.Evidence.Tries {
					run.reporters.Try(report.Attempt{Host: r.Host, Address: r.Address, Protocol: r.Protocol, Port: r.Port, Try: t})
				}
			}
			run.add(r)
		})
		var parked parkError
		switch {
		case errors.As(err, &parked):
			// The disk failed, not an input: nothing is written.
			fmt.Fprintf(stderr, "portspec merge: %v\n", err)
			return exitIncomplete
		case err != nil:
			fmt.Fprintf(stderr, "portspec merge: refusing to merge: %v\n", err)
			return exitUsage
		}
	}
	run.sum.Elapsed = elapsed
	for _, in := range inputs {
		// A shard that did not finish makes the whole run unfinished:
		// never a pass.
		run.sum.Interrupted = run.sum.Interrupted || in.tail.Interrupted
	}
	if code := run.end(); code != exitOK {
		return code
	}
	return run.verdictCode()
}

// runSpan is when the merged run started, the earliest start of an
// input's run, and how long it took: to the latest end of one, the wall
// time of the whole whether its shards ran at once or one after another.
// Inputs further apart than a run lasts are refused.
func runSpan(inputs []*input) (start time.Time, elapsed time.Duration, err error) {
	var end time.Time
	var first, last *input
	for _, in := range inputs {
		s := in.reader.Meta.Start
		e := s.Add(in.tail.Elapsed)
		if first == nil || s.Before(start) {
			start, first = s, in
		}
		if last == nil || e.After(end) {
			end, last = e, in
		}
	}
	if end.Sub(start) > report.MaxRunTime {
		return start, 0, fmt.Errorf("%s started at %s and %s ended at %s: one run lasts less than %d days",
			first.path, start.Format(time.RFC3339), last.path, end.Format(time.RFC3339), report.MaxRunTime/(24*time.Hour))
	}
	return start, end.Sub(start), nil
}

// portspecVersions lists the versions of portspec that wrote inputs.
func portspecVersions(inputs []*input) []string {
	var versions []string
	for _, in := range inputs {
		if v := in.reader.Meta.Version; !slices.Contains(versions, v) {
			versions = append(versions, v)
		}
	}
	return versions
}

// vantageGroup is the inputs probed from one vantage point.
type vantageGroup struct {
	name   string
	inputs []*input
}

// groupInputs sorts the inputs by vantage and refuses what cannot be
// merged into one truthful report: results of different specs, different
// tag selections from one vantage, and shards that are missing, repeated,
// or of different splits.
func groupInputs(inputs []*input) ([]*vantageGroup, error) {
	digest := inputs[0].reader.Meta.Digest
	byName := map[string]*vantageGroup{}
	var groups []*vantageGroup
	for _, in := range inputs {
		m := in.reader.Meta
		if m.Digest != digest {
			return nil, fmt.Errorf("%s checked a different spec (%s) from %s (%s): merge results of one version of the policy",
				in.path, m.Digest, inputs[0].path, digest)
		}
		g, ok := byName[m.Vantage]
		if !ok {
			g = &vantageGroup{name: m.Vantage}
			byName[m.Vantage] = g
			groups = append(groups, g)
		}
		g.inputs = append(g.inputs, in)
	}
	slices.SortFunc(groups, func(a, b *vantageGroup) int { return strings.Compare(a.name, b.name) })
	for _, g := range groups {
		label := g.name
		if label == "" {
			label = "(no vantage)"
		}
		tags := strings.Join(g.inputs[0].reader.Meta.Tags, ",")
		controls := strings.Join(g.inputs[0].reader.Meta.Controls, ",")
		seen := map[int]string{}
		n := 0
		for _, in := range g.inputs {
			m := in.reader.Meta
			if t := strings.Join(m.Tags, ","); t != tags {
				return nil, fmt.Errorf("vantage %s: %s selected tags %q, %s tags %q", label, in.path, t, g.inputs[0].path, tags)
			}
			if c := strings.Join(m.Controls, ","); c != controls {
				return nil, fmt.Errorf("vantage %s: %s selected controls %q, %s controls %q", label, in.path, c, g.inputs[0].path, controls)
			}
			if m.Shard == "" {
				if len(g.inputs) > 1 {
					return nil, fmt.Errorf("vantage %s: %s is a whole run, yet %d reports come from that vantage: every check would be there twice",
						label, in.path, len(g.inputs))
				}
				continue
			}
			shard, err := spec.ParseShard(m.Shard)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", in.path, err)
			}
			if n != 0 && shard.N != n {
				return nil, fmt.Errorf("vantage %s: %s is shard %s, but other reports split the run %d ways", label, in.path, m.Shard, n)
			}
			n = shard.N
			if prev, ok := seen[shard.K]; ok {
				return nil, fmt.Errorf("vantage %s: shard %s is in both %s and %s: its checks would be there twice", label, m.Shard, prev, in.path)
			}
			seen[shard.K] = in.path
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
func mergeVantage(g *vantageGroup, park *parking, emit func(report.Record)) error {
	h := heapof.New(headFirst)
	for i, in := range g.inputs {
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
				r.Source, lastFrom, head.in.path)
		}
		emit(r)
		last, lastFrom = r.Order, head.in.path
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
	in     *input
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
func pull(h *heapof.Heap[headItem], in *input, index int, park *parking) error {
	r, ok, err := in.reader.Next()
	if err != nil {
		return fmt.Errorf("%s: %v", in.path, err)
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
			return nil, parkError{err}
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, parkError{err}
	}
	place, err := p.shelf.Put(b)
	if err != nil {
		return nil, parkError{err}
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
		return r, parkError{err}
	}
	return r, nil
}

// parkError is a large result that could not wait on disk, or be read
// back: the merge fails, but no input is at fault.
type parkError struct{ err error }

func (e parkError) Error() string { return "holding a large result on disk: " + e.err.Error() }

func (p *parking) close() {
	if p.shelf != nil {
		p.shelf.Close()
	}
}
