package main

import (
	"context"
	"iter"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/portspec/portspec/internal/agent"
	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/localports"
	"github.com/portspec/portspec/internal/outputs"
	"github.com/portspec/portspec/internal/plan"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

// checkRun is one run of check: its flags, the reports, and the day
// waivers are judged on.
type checkRun struct {
	*arguments.Check
	reports *outputs.Session
	today   time.Time
	// progress is the terminal's counter, nil off a terminal.
	progress *report.Progress
}

func runCheck(std streams, args []string) error {
	f, err := arguments.ParseCheck(args)
	if err != nil {
		return err
	}
	l, vantages, err := loadCheck(std, f)
	if err != nil {
		return err
	}

	reports, progress, err := openCheckReports(std, f, l)
	if err != nil {
		return err
	}
	defer reports.Abort()

	signalled, stop := stoppable()
	defer stop()
	if err := runChecks(signalled, std, f, l, vantages, reports, progress, append([]string{"portspec", "check"}, args...)); err != nil {
		return err
	}
	return reports.Verdict()
}

// runChecks is one run of check's checks, from the reports' Begin to
// their End: check's, and each of serve's runs. A run stops when
// signalled ends.
func runChecks(signalled context.Context, std streams, f *arguments.Check, l loaded, vantages []agent.Vantage, reports *outputs.Session, progress *report.Progress, command []string) error {
	hostname, _ := os.Hostname()
	meta := report.Meta{
		Version: portspecVersion(), Hostname: hostname, Command: command,
		Vantage: f.From, Tags: f.Tags, Controls: f.Controls, Shard: f.Selection.Shard.String(), Files: l.spec.Files, Digest: l.spec.Digest, Start: time.Now(),
	}
	ctx, cancel := context.WithCancel(signalled)
	defer cancel()

	c := &checkRun{Check: f, reports: reports, today: f.Day(meta.Start), progress: progress}
	checks := l.spec.ResolvedChecks(f.Selection, plan.Resolve(&runner.Resolver{OnResolve: reports.Reporters.LookupsFrom("")}))
	reports.Begin(meta)
	var stats runner.Stats
	switch {
	case len(vantages) > 0:
		stats = c.runVia(ctx, vantages, l.vantageChecks, l.spec)
	case f.Wait > 0:
		stats = c.runWaiting(ctx, std.stderr, progress, l.spec.Settings, checks, meta.Start)
	default:
		stats = c.runOnce(ctx, cancel, signalled, l.spec.Settings, checks)
	}
	reports.Sum.Elapsed = time.Since(meta.Start)
	reports.Sum.ICMPWait, reports.Sum.ICMPWaitTargets = stats.ICMPWait, stats.ICMPWaitTargets
	reports.Sum.Interrupted = signalled.Err() != nil
	return reports.End()
}

// loadCheck loads check's spec, with the vantages --via names, and makes
// sure, before anything is opened or probed, that the run can be made:
// checks selected, the source prefix this machine's, no local host this
// OS cannot read.
func loadCheck(std streams, f *arguments.Check) (loaded, []agent.Vantage, error) {
	l, err := loadAndSay(std, f.Paths, &f.Spec, diagnosticsOut{mode: f.Outputs(f.Color).AnnotationMode(), codeQuality: f.Reports.Paths["codequality"]})
	if err != nil {
		return l, nil, err
	}
	vantages, err := viaVantages(f)
	if err != nil {
		return l, nil, err
	}
	for _, v := range vantages {
		if err := unknownVantage(l.spec, "--via", v.Name); err != nil {
			return l, nil, exit.Errorf(exit.Usage, "portspec check: %v", err)
		}
	}
	if len(vantages) > 0 {
		l.vantageChecks = vantageChecks(l.spec, f.Selection, vantages)
		l.checks = 0
		for _, n := range l.vantageChecks {
			l.checks += n
		}
	}
	if err := selected(std.stderr, "check", l, &f.Spec); err != nil {
		return l, nil, err
	}
	if len(vantages) > 0 {
		// The far ends probe: each checks its own prefixes and raw
		// sockets (runner.Ready), as this machine would its own.
		return l, vantages, nil
	}
	if err := runner.Ready(f.Probe.RunnerOptions()); err != nil {
		return l, nil, exit.Errorf(exit.Usage, "portspec check: %v", err)
	}
	return l, vantages, localReady(l.spec, f.Selection)
}

// openCheckReports opens every report file before the first probe: a
// report that cannot be written must stop the run, not surface after it.
// On a terminal, outside CI, a progress line counts the checks.
func openCheckReports(std streams, f *arguments.Check, l loaded) (*outputs.Session, *report.Progress, error) {
	var progress *report.Progress
	if outputs.IsTerminal(std.stderr) && !outputs.InCI() {
		progress = report.NewProgress(std.stderr, l.checks)
	}
	// No report may replace a file the run read: a spec file or a
	// --var-file.
	read := append(slices.Clip(l.spec.Files), f.VarFiles...)
	reports, err := outputs.Open(f.Outputs(f.Color), std.stdout, std.stderr, read, progress)
	return reports, progress, err
}

// runOnce probes every check once and reports each result as it comes.
func (c *checkRun) runOnce(ctx context.Context, cancel context.CancelFunc, signalled context.Context, settings spec.Settings, checks iter.Seq[spec.Check]) runner.Stats {
	p := plan.New(c.planFlags(), settings, c.From)
	r := c.runner(settings, func() *plan.Plan { return p }, c.Trace.RunnerLimit())
	stoppedFast := false
	r.Run(ctx, p.Probes(checks), func(res runner.Result) {
		rec := p.Record(res)
		if rec.Verdict == verdict.Skipped && stoppedFast && signalled.Err() == nil {
			rec.Message = "not run: --fail-fast stopped the run at the first failure"
		}
		c.reports.Add(rec)
		if c.FailFast && rec.Verdict.Failing() {
			stoppedFast = true
			cancel()
		}
	})
	return r.Stats()
}

func (c *checkRun) planFlags() plan.Flags {
	return plan.Flags{Timeout: c.Timeout, Tries: c.Tries, ICMPInterval: c.ICMPInterval,
		Concurrency: c.Concurrency, PerHost: c.PerHost, Rate: c.Rate, Today: c.today, SourcePrefixes: c.SourcePrefixes, SYN: c.SYN}
}

// runner is a runner for a round of checks whose tries go to the log
// through the round's plan.
func (c *checkRun) runner(settings spec.Settings, current func() *plan.Plan, traceLimit int) *runner.Runner {
	flags := c.planFlags()
	flags.TraceLimit = traceLimit
	opts := plan.RunnerOptions(flags, settings)
	opts.OnTry = func(p runner.Probe, t runner.Try) { c.reports.Reporters.Try(current().Attempt(p, t)) }
	opts.ReverseName = reverseName(c.NoReverse)
	return runner.New(opts)
}

// reverseName names a hop by its PTR record, within a second, unless
// -nr.
func reverseName(off bool) func(netip.Addr) string {
	if off {
		return nil
	}
	// A run's traces share routers: each is looked up once.
	var cache sync.Map
	return func(a netip.Addr) string {
		if name, ok := cache.Load(a); ok {
			return name.(string)
		}
		name := runner.PTRName(context.Background(), a, time.Second)
		cache.Store(a, name)
		return name
	}
}

// localReady refuses, before any probe, a local host this OS cannot
// read the sockets of (localports.Supported).
func localReady(s *spec.Spec, sel spec.Selection) error {
	if localports.Supported {
		return nil
	}
	for c := range s.Checks(sel) {
		if c.Local {
			return exit.Errorf(exit.Usage, "portspec check: host %s: %v", escape.QuoteCut(c.Host.Name, 64), localports.Unsupported(`address = "local"`))
		}
	}
	return nil
}
