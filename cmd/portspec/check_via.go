package main

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/portspec/portspec/internal/agent"
	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/plan"
	"github.com/portspec/portspec/internal/spool"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

// viaVantages are --via's vantage points with their transports: the
// command given, else $PORTSPEC_VIA_<NAME> (the name upper-cased, '-' and
// '.' as '_'). Never from a spec: a spec can never make portspec run a
// program. They come in name order, the order the reports give them in.
func viaVantages(f *arguments.Check) ([]agent.Vantage, error) {
	var out []agent.Vantage
	for _, v := range f.Via {
		command := v.Command
		if len(command) == 0 {
			env := "PORTSPEC_VIA_" + strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToUpper(v.Name))
			words, err := agent.Words(os.Getenv(env))
			if err != nil || len(words) == 0 {
				return nil, exit.Errorf(exit.Usage, "portspec check: --via %s names no command, and $%s gives none: give --via %s=COMMAND", v.Name, env, v.Name)
			}
			command = words
		}
		out = append(out, agent.Vantage{Name: v.Name, Command: command, Binary: f.ViaBinary})
	}
	slices.SortFunc(out, func(a, b agent.Vantage) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// vantageChecks counts each vantage's checks, as check --from NAME would
// select them.
func vantageChecks(s *spec.Spec, sel spec.Selection, vantages []agent.Vantage) []int {
	var counts []int
	for _, v := range vantages {
		sel.From = v.Name
		_, checks := s.Count(sel)
		counts = append(counts, checks)
	}
	return counts
}

// viaRun is one vantage's part of a check --via run: its plan, and its
// records held on disk until the vantages before it are reported (none
// for the first).
type viaRun struct {
	agent.Vantage
	plan *plan.Plan
	held *spool.Values[report.Record]
	err  error
}

// runVia is check --via: every vantage's checks (checks[i] of
// vantages[i], in name order), as check --from NAME would select them,
// probed on its far end, all vantages at once. The records are reported
// vantage by vantage in name order, as merge reports the per-vantage
// runs: the first vantage's as they come, the others' once all are done.
func (c *checkRun) runVia(ctx context.Context, vantages []agent.Vantage, checks []int, s *spec.Spec) runner.Stats {
	var mu sync.Mutex // the reporters hear one vantage at a time
	var runs []*viaRun
	for _, v := range vantages {
		runs = append(runs, &viaRun{Vantage: v, plan: plan.New(c.planFlags(), s.Settings, v.Name)})
	}
	for _, r := range runs[1:] {
		r.held, r.err = spool.NewValues[report.Record]()
	}
	// On a terminal, a line for each vantage, counted as its results come.
	var names []string
	for _, v := range vantages {
		names = append(names, v.Name)
	}
	c.progress.Vantages(names, checks)
	var stats runner.Stats
	var wg sync.WaitGroup
	for i, r := range runs {
		if r.err != nil {
			continue
		}
		sel := c.Selection
		sel.From = r.Name
		opts := plan.RunnerOptions(c.planFlags(), s.Settings)
		opts.TraceLimit = c.Trace.RunnerLimit()
		wg.Go(func() {
			// Names resolve on the far end, as a check --from run there
			// would resolve them: a vantage may have DNS of its own.
			probes := func(lookup agent.Lookup) iter.Seq[runner.Probe] {
				lookups := c.reports.Reporters.LookupsFrom(r.Name)
				resolve := plan.Resolve(&runner.Resolver{Lookup: lookup, OnResolve: func(name string, addrs []netip.Addr, err error, took time.Duration) {
					if errors.Is(err, agent.ErrNotAsked) {
						return // no lookup was made: nothing for the log
					}
					mu.Lock()
					defer mu.Unlock()
					lookups(name, addrs, err, took)
				}})
				return r.plan.Probes(s.ResolvedChecks(sel, resolve))
			}
			st := agent.Run(ctx, r.Vantage, portspecVersion(), opts, !c.NoReverse, probes,
				func(p runner.Probe, t runner.Try) {
					mu.Lock()
					defer mu.Unlock()
					c.reports.Reporters.Try(r.plan.Attempt(p, t))
				},
				func(res runner.Result) {
					rec := r.plan.Record(res)
					c.progress.VantageResult(i, rec.Verdict.Failing())
					if r.held != nil {
						r.held.Add(&rec)
						return
					}
					mu.Lock()
					defer mu.Unlock()
					c.reports.Add(rec)
				})
			mu.Lock()
			addStats(&stats, st)
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, r := range runs[1:] {
		if r.err == nil {
			r.err = r.held.Replay(c.reports.Add)
			r.held.Close()
		}
		if r.err != nil {
			c.reports.Keep(fmt.Errorf("--via %s: its results: %w", r.Name, r.err))
		}
	}
	return stats
}
