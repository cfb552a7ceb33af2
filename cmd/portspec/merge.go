package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/merge"
	"github.com/portspec/portspec/internal/outputs"
	"github.com/portspec/portspec/report"
)

func runMerge(std streams, args []string) error {
	f, err := arguments.ParseMerge(args)
	if err != nil {
		return err
	}
	var inputs []*merge.Input
	defer func() {
		for _, in := range inputs {
			in.Close()
		}
	}()
	for _, p := range f.Paths {
		in, err := openResults("merge", p, f.ReadOptions())
		if err != nil {
			return err
		}
		inputs = append(inputs, in)
		if err := in.Check(); err != nil {
			return exit.Errorf(exit.Usage, "portspec merge: refusing %s: %v", p, err)
		}
	}
	if versions := merge.Versions(inputs); len(versions) > 1 {
		fmt.Fprintf(std.stderr, "portspec merge: warning: the results come from portspec %s; merged, they may not mean the same\n", strings.Join(versions, ", "))
	}
	vantages, err := merge.Group(inputs)
	if err != nil {
		return exit.Errorf(exit.Usage, "portspec merge: refusing to merge: %v", err)
	}
	start, elapsed, err := merge.Span(inputs)
	if err != nil {
		return exit.Errorf(exit.Usage, "portspec merge: refusing to merge: %v", err)
	}

	reports, err := outputs.Open(f.Outputs(f.Color), std.stdout, std.stderr, f.Paths, nil)
	if err != nil {
		return err
	}
	defer reports.Abort()
	reports.Begin(mergedMeta(inputs[0].Reader.Meta, start, vantages, args))
	if err := mergeVantages(reports, vantages); err != nil {
		return err
	}
	reports.Sum.Elapsed = elapsed
	for _, in := range inputs {
		// A shard that did not finish makes the whole run unfinished:
		// never a pass.
		reports.Sum.Interrupted = reports.Sum.Interrupted || in.Tail.Interrupted
	}
	if err := reports.End(); err != nil {
		return err
	}
	return reports.Verdict()
}

// mergedMeta is the merged run's meta: the first input's, this command's,
// and the one vantage, if one.
func mergedMeta(first report.Meta, start time.Time, vantages []*merge.Vantage, args []string) report.Meta {
	meta := report.Meta{
		Version: portspecVersion(), Hostname: first.Hostname, Command: append([]string{"portspec", "merge"}, args...),
		Tags: first.Tags, Controls: first.Controls, Files: first.Files, Digest: first.Digest, Start: start,
	}
	if len(vantages) == 1 {
		meta.Vantage = vantages[0].Name
	}
	return meta
}

// mergeVantages reports every vantage's records, merged, with their tries.
func mergeVantages(reports *outputs.Session, vantages []*merge.Vantage) error {
	var merger merge.Merger
	defer merger.Close()
	for _, v := range vantages {
		err := merger.Vantage(v, func(r report.Record) {
			if r.Evidence != nil {
				for _, t := range r.Evidence.Tries {
					reports.Reporters.Try(report.Attempt{Host: r.Host, Address: r.Address, Protocol: r.Protocol, Port: r.Port, Try: t})
				}
			}
			reports.Add(r)
		})
		var disk merge.DiskError
		switch {
		case errors.As(err, &disk):
			// The disk failed, not an input: nothing is written.
			return exit.Errorf(exit.Incomplete, "portspec merge: %v", err)
		case err != nil:
			return exit.Errorf(exit.Usage, "portspec merge: refusing to merge: %v", err)
		}
	}
	return nil
}

// openResults opens the JSON report at path for merge or diff (command),
// or says why it cannot: a file that does not open, as the system says
// it, or a report refused, with its name.
func openResults(command, path string, opts report.ReadOptions) (*merge.Input, error) {
	in, err := merge.Open(path, opts)
	var notOpened *os.PathError
	switch {
	case errors.As(err, &notOpened) && notOpened.Op == "open":
		return nil, exit.Errorf(exit.Usage, "portspec %s: %v", command, err)
	case err != nil:
		return nil, exit.Errorf(exit.Usage, "portspec %s: refusing %s: %v", command, path, err)
	}
	return in, nil
}
