package main

import (
	"context"
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
func (c *checkRun) runWaiting(ctx context.Context, stderr io.Writer, progress *report.Progress, settings spec.Settings, checks iter.Seq[spec.Check], start time.Time) runner.Stats {
	w := &waitRun{checkRun: c, stderr: stderr, progress: progress, settings: settings, waiter: plan.NewWaiter(start, c.Wait), start: start}
	if progress != nil {
		w.stderr = progress.Guard(stderr)
	}
	held, err := spool.NewValues[report.Record]()
	if err != nil {
		c.reports.Keep(fmt.Errorf("--wait: holding the first round's results: %w", err))
		return w.stats
	}
	defer held.Close()
	w.round(ctx, checks, 0, func(current *plan.Plan, res runner.Result) {
		rec, check := current.RecordOf(res)
		w.count(rec)
		w.waiter.First(held.Len(), check, rec)
		held.Add(&rec)
	})
	w.rounds(ctx)
	if !c.Quiet && w.waiter.Round() > 1 {
		fmt.Fprintf(w.stderr, "portspec check: after %d rounds, %d %s still failing\n", w.waiter.Round(), w.waiter.Failing(), human.Plural(w.waiter.Failing(), "check", "checks"))
	}
	// The reports' records go through the counter too: it counts them
	// afresh.
	w.progress.Round(0, held.Len())
	i := 0
	if err := held.Replay(func(rec report.Record) {
		c.reports.Add(w.waiter.Final(i, rec))
		i++
	}); err != nil {
		c.reports.Keep(fmt.Errorf("--wait: the first round's results: %w", err))
	}
	return w.stats
}

// waitRun is a run of check --wait, round after round.
type waitRun struct {
	*checkRun
	stderr   io.Writer
	progress *report.Progress
	settings spec.Settings
	waiter   *plan.Waiter
	start    time.Time
	stats    runner.Stats
}

// count counts a record on the terminal's progress line, if there is one.
func (w *waitRun) count(r report.Record) {
	if w.progress != nil {
		w.progress.Result(r)
	}
}

// round probes checks with a plan of their own, traced up to traces,
// and gives each result to take with that plan.
func (w *waitRun) round(ctx context.Context, checks iter.Seq[spec.Check], traces int, take func(*plan.Plan, runner.Result)) {
	current := plan.New(w.planFlags(), w.settings, w.From)
	r := w.runner(w.settings, func() *plan.Plan { return current }, traces)
	r.Run(ctx, current.Probes(checks), func(res runner.Result) { take(current, res) })
	addStats(&w.stats, r.Stats())
}

// addStats adds a round's, or a vantage's, waiting on ICMP budgets to the
// run's: the time summed, the targets as many as the most any part
// waited on.
func addStats(run *runner.Stats, part runner.Stats) {
	run.ICMPWait += part.ICMPWait
	run.ICMPWaitTargets = max(run.ICMPWaitTargets, part.ICMPWaitTargets)
}

// rounds probes the failed checks again, after the waiter's backoff,
// until they pass, the wait is over, or ctx ends.
func (w *waitRun) rounds(ctx context.Context) {
	for ctx.Err() == nil {
		delay, ok := w.waiter.Next(time.Now())
		if !ok {
			return
		}
		if !w.Quiet {
			fmt.Fprintf(w.stderr, "portspec check: round %d in %s: %d %s still failing, %s of --wait %s left\n",
				w.waiter.Round(), human.Duration(delay), w.waiter.Failing(), human.Plural(w.waiter.Failing(), "check", "checks"),
				human.Duration(max(0, time.Until(w.start.Add(w.Wait)))), human.Duration(w.Wait))
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			return
		}
		traces := 0
		if w.waiter.Last() {
			traces = w.Trace.RunnerLimit()
		}
		retry, take := w.waiter.Checks()
		w.progress.Round(w.waiter.Round(), w.waiter.Probing())
		w.round(ctx, retry, traces, func(current *plan.Plan, res runner.Result) {
			rec := current.Record(res)
			w.count(rec)
			take(rec)
		})
	}
}
