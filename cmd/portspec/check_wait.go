package main

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/portspec/portspec/internal/human"
	"github.com/portspec/portspec/internal/plan"
	"github.com/portspec/portspec/internal/spool"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

// runWaiting is check --wait: a first round of every check, then rounds
// of the failed ones (plan.Waiter) until they pass or the wait is over.
// The first round's records wait on disk, in order, and each is reported
// at the end as its last round left it; the log has every round's tries
// as they happen. Only the last round the deadline allows is traced.
//
// progress, on a terminal, counts each round's checks as they come; the
// reports get them only at the end.
func (f *checkFlags) runWaiting(ctx context.Context, stderr io.Writer, progress *report.Progress, run *session, settings spec.Settings, checks iter.Seq[spec.Check], start time.Time) runner.Stats {
	count := func(report.Record) {}
	if progress != nil {
		stderr = progress.Guard(stderr)
		count = func(r report.Record) { progress.Result(r) }
	}
	var stats runner.Stats
	add := func(s runner.Stats) {
		stats.ICMPWait += s.ICMPWait
		stats.ICMPWaitTargets = max(stats.ICMPWaitTargets, s.ICMPWaitTargets)
	}
	held, err := spool.New()
	if err != nil {
		run.keep(fmt.Errorf("--wait: holding the first round's results: %w", err))
		return stats
	}
	defer held.Close()
	enc := gob.NewEncoder(held)
	waiter := plan.NewWaiter(start, f.wait)

	current := plan.New(f.planFlags(), settings, f.from)
	r := f.runner(run, settings, func() *plan.Plan { return current }, 0)
	n := 0
	r.Run(ctx, current.Probes(checks), func(res runner.Result) {
		rec, c := current.RecordOf(res)
		count(rec)
		waiter.First(n, c, rec)
		n++
		run.keep(enc.Encode(&rec))
	})
	add(r.Stats())

	for ctx.Err() == nil {
		delay, ok := waiter.Next(time.Now())
		if !ok {
			break
		}
		if !f.quiet {
			fmt.Fprintf(stderr, "portspec check: round %d in %s: %d %s still failing, %s of --wait %s left\n",
				waiter.Round(), human.Duration(delay), waiter.Failing(), human.Plural(waiter.Failing(), "check", "checks"),
				human.Duration(max(0, time.Until(start.Add(f.wait)))), human.Duration(f.wait))
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		traces := 0
		if waiter.Last() {
			traces = f.trace.runnerLimit()
		}
		current = plan.New(f.planFlags(), settings, f.from)
		r := f.runner(run, settings, func() *plan.Plan { return current }, traces)
		retry, take := waiter.Checks()
		progress.Round(waiter.Round(), waiter.Probing())
		r.Run(ctx, current.Probes(retry), func(res runner.Result) {
			rec := current.Record(res)
			count(rec)
			take(rec)
		})
		add(r.Stats())
	}
	if !f.quiet && waiter.Round() > 1 {
		fmt.Fprintf(stderr, "portspec check: after %d rounds, %d %s still failing\n", waiter.Round(), waiter.Failing(), human.Plural(waiter.Failing(), "check", "checks"))
	}

	in, err := held.Rewind()
	if err != nil {
		run.keep(err)
		return stats
	}
	// The reports' records go through the counter too: it counts them
	// afresh.
	progress.Round(0, n)
	dec := gob.NewDecoder(in)
	for i := range n {
		var rec report.Record
		if err := dec.Decode(&rec); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			run.keep(fmt.Errorf("--wait: reading the first round's results back: %w", err))
			return stats
		}
		run.add(waiter.Final(i, rec))
	}
	return stats
}
