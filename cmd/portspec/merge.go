package main

import (
	"bufio"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

// input is one JSON report being merged.
type input struct {
	path   string
	file   *os.File
	reader *report.JSONReader
	tail   report.Tail
}

// open reads the report's metadata, from its start.
func (in *input) open() error {
	if _, err := in.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var err error
	in.reader, err = report.OpenJSON(bufio.NewReaderSize(in.file, 256<<10))
	return err
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

func runMerge(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("merge", stdout, stderr)
	var f checkFlags
	fs.StringVar(&f.junit, "junit", "", "write the merged JUnit XML report to `file`")
	fs.StringVar(&f.json, "json", "", "write the merged JSON report to `file`")
	fs.StringVar(&f.log, "log", "", "write the merged verdicts to a log `file`")
	fs.BoolVar(&f.quiet, "q", false, "print only failures and the summary")
	fs.BoolVar(&f.verbose, "v", false, "print the evidence for passes too")
	fs.StringVar(&f.color, "color", "auto", "colour output: auto, always or never")
	paths, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	_, err = useColor(f.color, stdout)
	switch {
	case err != nil:
		return usageError(stderr, fs, err)
	case len(paths) == 0:
		return usageError(stderr, fs, errors.New("name the JSON results to merge"))
	case f.quiet && f.verbose:
		return usageError(stderr, fs, errors.New("-q and -v exclude each other"))
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
		in := &input{path: p, file: file}
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
	if err != nil {
		fmt.Fprintf(stderr, "portspec merge: refusing to merge: %v\n", err)
		return exitUsage
	}

	outputs, reporters, code := f.openReports(stdout, stderr, paths, nil)
	if code != exitOK {
		return code
	}
	defer abortAll(outputs)

	first := inputs[0].reader.Meta
	meta := report.Meta{
		Version: portspecVersion(), Hostname: first.Hostname, Command: append([]string{"portspec", "merge"}, args...),
		Tags: first.Tags, Files: first.Files, Digest: first.Digest, Start: first.Start,
	}
	for _, in := range inputs {
		if in.reader.Meta.Start.Before(meta.Start) {
			meta.Start = in.reader.Meta.Start
		}
	}
	if len(vantages) == 1 {
		meta.Vantage = vantages[0].name
	}
	var sum report.Summary
	writeErr := reporters.Begin(meta)
	for _, v := range vantages {
		err := mergeVantage(v, func(o runner.Outcome) {
			for _, t := range o.Evidence.Tries {
				reporters.Try(o.Check, t)
			}
			sum.Add(o)
			if err := reporters.Result(o); err != nil && writeErr == nil {
				writeErr = err
			}
		})
		if err != nil {
			fmt.Fprintf(stderr, "portspec merge: refusing to merge: %v\n", err)
			return exitUsage
		}
	}
	sum.Elapsed = time.Since(meta.Start)
	for _, in := range inputs {
		sum.Interrupted = sum.Interrupted || in.tail.Interrupted
	}
	if err := reporters.End(sum); err != nil && writeErr == nil {
		writeErr = err
	}
	if code := commitAll(stderr, outputs, writeErr); code != exitOK {
		return code
	}
	switch {
	case sum.Interrupted:
		// A shard that did not finish makes the whole run unfinished:
		// never a pass.
		return exitInterrupted
	case sum.Failed+sum.Errors > 0:
		return exitFailed
	}
	return exitOK
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
		seen := map[int]string{}
		n := 0
		for _, in := range g.inputs {
			m := in.reader.Meta
			if t := strings.Join(m.Tags, ","); t != tags {
				return nil, fmt.Errorf("vantage %s: %s selected tags %q, %s tags %q", label, in.path, t, g.inputs[0].path, tags)
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
// reports both hold.
func mergeVantage(g *vantageGroup, emit func(runner.Outcome)) error {
	h := &outcomeHeap{}
	for i, in := range g.inputs {
		if err := h.pull(in, i); err != nil {
			return err
		}
	}
	var last *runner.Outcome
	var lastFrom string
	for h.Len() > 0 {
		head := heap.Pop(h).(headItem)
		o := head.outcome
		if last != nil && !last.Check.Order.Less(o.Check.Order) {
			return fmt.Errorf("%s %s/%d (%s) is in both %s and %s", report.GroupName(o), o.Check.Protocol, o.Check.Port,
				report.Source(o.Check), lastFrom, head.in.path)
		}
		emit(o)
		last, lastFrom = &o, head.in.path
		if err := h.pull(head.in, head.index); err != nil {
			return err
		}
	}
	return nil
}

type headItem struct {
	outcome runner.Outcome
	in      *input
	index   int
}

type outcomeHeap []headItem

func (h outcomeHeap) Len() int { return len(h) }
func (h outcomeHeap) Less(i, j int) bool {
	a, b := h[i].outcome.Check.Order, h[j].outcome.Check.Order
	if a == b {
		return h[i].index < h[j].index
	}
	return a.Less(b)
}
func (h outcomeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *outcomeHeap) Push(x any)   { *h = append(*h, x.(headItem)) }
func (h *outcomeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// pull reads the next result of in onto the heap.
func (h *outcomeHeap) pull(in *input, index int) error {
	o, ok, err := in.reader.Next()
	if err != nil {
		return fmt.Errorf("%s: %v", in.path, err)
	}
	if ok {
		heap.Push(h, headItem{o, in, index})
	}
	return nil
}
