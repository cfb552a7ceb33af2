package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/merge"
	"github.com/portspec/portspec/report"
)

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

	var inputs []*merge.Input
	defer func() {
		for _, in := range inputs {
			in.Close()
		}
	}()
	for _, p := range paths {
		in, ok := openResults(stderr, "merge", p, opts)
		if !ok {
			return exitUsage
		}
		inputs = append(inputs, in)
		if err := in.Check(); err != nil {
			fmt.Fprintf(stderr, "portspec merge: refusing %s: %v\n", p, err)
			return exitUsage
		}
	}
	if versions := merge.Versions(inputs); len(versions) > 1 {
		fmt.Fprintf(stderr, "portspec merge: warning: the results come from portspec %s; merged, they may not mean the same\n", strings.Join(versions, ", "))
	}
	vantages, err := merge.Group(inputs)
	var start time.Time
	var elapsed time.Duration
	if err == nil {
		start, elapsed, err = merge.Span(inputs)
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

	first := inputs[0].Reader.Meta
	meta := report.Meta{
		Version: portspecVersion(), Hostname: first.Hostname, Command: append([]string{"portspec", "merge"}, args...),
		Tags: first.Tags, Controls: first.Controls, Files: first.Files, Digest: first.Digest, Start: start,
	}
	if len(vantages) == 1 {
		meta.Vantage = vantages[0].Name
	}
	run.begin(meta)
	var merger merge.Merger
	defer merger.Close()
	for _, v := range vantages {
		err := merger.Vantage(v, func(r report.Record) {
			if r.Evidence != nil {
				for _, t := range r.Evidence.Tries {
					run.reporters.Try(report.Attempt{Host: r.Host, Address: r.Address, Protocol: r.Protocol, Port: r.Port, Try: t})
				}
			}
			run.add(r)
		})
		var disk merge.DiskError
		switch {
		case errors.As(err, &disk):
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
		run.sum.Interrupted = run.sum.Interrupted || in.Tail.Interrupted
	}
	if code := run.end(); code != exitOK {
		return code
	}
	return run.verdictCode()
}

// openResults opens the JSON report at path for merge or diff (command),
// saying on stderr why it cannot: a file that does not open, as the
// system says it, or a report refused, with its name.
func openResults(stderr io.Writer, command, path string, opts report.ReadOptions) (*merge.Input, bool) {
	in, err := merge.Open(path, opts)
	var notOpened *os.PathError
	switch {
	case errors.As(err, &notOpened) && notOpened.Op == "open":
		fmt.Fprintf(stderr, "portspec %s: %v\n", command, err)
		return nil, false
	case err != nil:
		fmt.Fprintf(stderr, "portspec %s: refusing %s: %v\n", command, path, err)
		return nil, false
	}
	return in, true
}
