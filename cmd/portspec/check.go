package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/portspec/portspec/internal/plan"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

type checkFlags struct {
	specFlags
	reportFlags
	probe                probeFlags
	concurrency, perHost int
	rate                 float64
	failFast             bool
	today                string
	trace                traceFlags
	wait                 time.Duration
}

// traceFlags say which failed checks to trace, and how to name hops.
type traceFlags struct {
	limit     int
	off       bool
	noReverse bool
}

func (f *traceFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.limit, "trace-limit", runner.DefaultTraceLimit, "trace at most `N` failed checks a run: where a FILTERED probe dies, hop by hop")
	fs.BoolVar(&f.off, "no-trace", false, "trace no failed check")
	fs.BoolVar(&f.noReverse, "nr", false, "do not look up the names of a trace's hops")
}

func (f *traceFlags) check() error {
	if f.limit < 0 {
		return errors.New("--trace-limit must not be negative")
	}
	return nil
}

// runnerLimit is the runner's trace limit: 0 with --no-trace.
func (f *traceFlags) runnerLimit() int {
	if f.off {
		return 0
	}
	return f.limit
}

// reverseName names a hop by its PTR record, within a second, unless -nr.
func (f *traceFlags) reverseName() func(netip.Addr) string {
	if f.noReverse {
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

// probeFlags are how to probe, for every command that probes.
type probeFlags struct {
	timeout      time.Duration
	tries        int
	icmpInterval time.Duration
	// sourcePrefixes are --source-prefix as given; prefixes, as checked.
	sourcePrefixes stringsFlag
	prefixes       []netip.Prefix
}

// register adds the flags with dash, "--" or "-": query and snapshot
// spell their flags PortQry's way.
func (f *probeFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.timeout, "timeout", 0, "a fixed `timeout` per try, for every port (default: adaptive, 100ms to 1s)")
	fs.IntVar(&f.tries, "tries", 0, "`tries` before silence counts, for every port (default: 3 tcp, 2 udp)")
	fs.DurationVar(&f.icmpInterval, "icmp-interval", 0, "how often a target may send one ICMP error, Linux's icmp_ratelimit: a slower target needs it to be proven right (default: settings, else 1s)")
	fs.Var(&f.sourcePrefixes, "source-prefix", "send the probes from addresses across this `prefix`, routed to this machine (an IPv4 /16 to /30, an IPv6 /48 to /126; one a family): each address has its own ICMP budget at a target")
}

func (f *probeFlags) check() error {
	if f.timeout < 0 || f.timeout > spec.MaxTimeout {
		return fmt.Errorf("--timeout is a fixed timeout per try, at most %s (0: adaptive); got %s", spec.MaxTimeout, f.timeout)
	}
	if err := checkTries(f.tries); err != nil {
		return err
	}
	prefixes, err := parseSourcePrefixes(f.sourcePrefixes)
	if err != nil {
		return err
	}
	f.prefixes = prefixes
	return checkICMPInterval(f.icmpInterval)
}

// parseSourcePrefixes reads --source-prefix: one prefix a family, no
// broader than a probe needs addresses from (runner uses 256 at most),
// no narrower than a few.
func parseSourcePrefixes(given []string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	seen := map[bool]string{}
	for _, v := range given {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, fmt.Errorf("--source-prefix is a prefix such as 198.18.9.0/24 or 2001:db8:9::/64; got %q", v)
		}
		p = p.Masked()
		if p.Addr().Is4() && (p.Bits() < 16 || p.Bits() > 30) || p.Addr().Is6() && (p.Bits() < 48 || p.Bits() > 126) {
			return nil, fmt.Errorf("--source-prefix %s: an IPv4 prefix is /16 to /30, an IPv6 one /48 to /126", p)
		}
		if other, ok := seen[p.Addr().Is4()]; ok {
			return nil, fmt.Errorf("--source-prefix %s and %s are of one family: give one for IPv4 and one for IPv6 at most", other, p)
		}
		seen[p.Addr().Is4()] = v
		prefixes = append(prefixes, p)
	}
	return prefixes, nil
}

// sourcesReady makes sure, before the first probe, that this machine
// owns the addresses --source-prefix names (runner.CheckSources).
func (f *probeFlags) sourcesReady() error {
	if len(f.prefixes) == 0 {
		return nil
	}
	return runner.CheckSources(runner.Options{SourcePrefixes: f.prefixes})
}

func (f *checkFlags) register(fs *flag.FlagSet) {
	f.specFlags.register(fs)
	f.reportFlags.register(fs)
	f.probe.register(fs)
	fs.IntVar(&f.concurrency, "concurrency", 0, "probes in flight at once (default: settings, else half the open-file limit, at most 4096)")
	fs.IntVar(&f.perHost, "per-host", 0, "probes in flight to one address (default: settings, else --concurrency)")
	fs.Float64Var(&f.rate, "rate", 0, "probes a second at most (default: settings, else no limit)")
	fs.BoolVar(&f.failFast, "fail-fast", false, "stop at the first failure; the rest are skipped")
	f.trace.register(fs)
	fs.DurationVar(&f.wait, "wait", 0, "probe the failed checks again, with backoff, until they pass or this `duration` has passed: for a firewall change still converging")
	fs.StringVar(&f.today, "today", "", "judge waivers as on this `date`, YYYY-MM-DD, for reproducible reports (default: today)")
}

// day is --today's date, or today's.
func (f *checkFlags) day() (time.Time, error) {
	if f.today == "" {
		return time.Now(), nil
	}
	return parseDay(f.today)
}

// parseDay reads the date --today gives, YYYY-MM-DD.
func parseDay(s string) (time.Time, error) {
	day, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return day, fmt.Errorf("--today is a date, YYYY-MM-DD, such as 2027-01-31; got %q", s)
	}
	return day, nil
}

func (f *checkFlags) check() error {
	if f.concurrency < 0 || f.perHost < 0 {
		return errors.New("--concurrency and --per-host must not be negative")
	}
	switch {
	case f.wait < 0:
		return errors.New("--wait must not be negative")
	case f.wait > 0 && f.failFast:
		return errors.New("--wait probes failures again and --fail-fast stops at the first: give one")
	}
	_, dayErr := f.day()
	for _, err := range []error{f.reportFlags.check(), f.probe.check(), checkRate(f.rate), dayErr, f.trace.check()} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (f *checkFlags) planFlags() plan.Flags {
	today, _ := f.day()
	return plan.Flags{Timeout: f.probe.timeout, Tries: f.probe.tries, ICMPInterval: f.probe.icmpInterval,
		Concurrency: f.concurrency, PerHost: f.perHost, Rate: f.rate, Today: today, SourcePrefixes: f.probe.prefixes}
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", stdout, stderr)
	var f checkFlags
	f.register(fs.FlagSet)
	paths, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	// The text report's colour is chosen with its writer (openReports);
	// this only refuses a bad --color before anything else.
	diagColor, err := useColor(f.color, stderr)
	if err == nil && len(paths) == 0 {
		err = errors.New("name at least one spec file or directory")
	}
	if err == nil {
		err = f.check()
	}
	if err != nil {
		return usageError(stderr, fs, err)
	}
	sel, err := f.selection()
	if err != nil {
		return usageError(stderr, fs, err)
	}

	loader := spec.NewLoader()
	s, _, total, diags, ok := loadSpec(stderr, loader, paths, &f.specFlags, sel)
	if !ok {
		return exitUsage
	}
	spec.WriteDiagnostics(stderr, loader.Files(), diags, diagColor)
	if diags.HasErrors() {
		return exitUsage
	}
	if total == 0 && sel.Shard.N > 1 {
		// More shards than units of work: an empty shard is normal, and
		// merge still needs its (empty) report to know it ran.
		fmt.Fprintf(stderr, "portspec check: shard %s holds no checks\n", sel.Shard)
	} else if total == 0 {
		fmt.Fprintln(stderr, "portspec check: "+noChecks(s))
		return exitUsage
	}
	if err := f.probe.sourcesReady(); err != nil {
		fmt.Fprintf(stderr, "portspec check: %v\n", err)
		return exitUsage
	}

	// Every output file is opened before the first probe: a report that
	// cannot be written must stop the run, not surface after it.
	var progress *report.Progress
	if isTerminal(stderr) && !inCI() {
		progress = report.NewProgress(stderr, total)
	}
	// No report may replace a file the run read: a spec file or a
	// --var-file.
	read := append(slices.Clip(s.Files), f.varFiles...)
	run, code := f.openReports(stdout, stderr, f.color, read, progress)
	if code != exitOK {
		return code
	}
	defer run.abort()

	hostname, _ := os.Hostname()
	meta := report.Meta{
		Version: portspecVersion(), Hostname: hostname, Command: append([]string{"portspec", "check"}, args...),
		Vantage: f.from, Tags: f.tags, Controls: f.controls, Shard: sel.Shard.String(), Files: s.Files, Digest: s.Digest, Start: time.Now(),
	}
	signalled, stop := stoppable()
	defer stop()
	ctx, cancel := context.WithCancel(signalled)
	defer cancel()

	checks := s.ResolvedChecks(sel, plan.Resolve(&runner.Resolver{OnResolve: run.reporters.Resolved}))
	run.begin(meta)
	var stats runner.Stats
	if f.wait > 0 {
		stats = f.runWaiting(ctx, stderr, progress, run, s.Settings, checks, meta.Start)
	} else {
		stats = f.runOnce(ctx, cancel, signalled, run, s.Settings, checks)
	}
	run.sum.Elapsed = time.Since(meta.Start)
	run.sum.ICMPWait, run.sum.ICMPWaitTargets = stats.ICMPWait, stats.ICMPWaitTargets
	run.sum.Interrupted = signalled.Err() != nil
	if code := run.end(); code != exitOK {
		return code
	}
	return run.verdictCode()
}

// runOnce probes every check once and reports each result as it comes.
func (f *checkFlags) runOnce(ctx context.Context, cancel context.CancelFunc, signalled context.Context, run *session, settings spec.Settings, checks iter.Seq[spec.Check]) runner.Stats {
	p := plan.New(f.planFlags(), settings, f.from)
	r := f.runner(run, settings, func() *plan.Plan { return p }, f.trace.runnerLimit())
	stoppedFast := false
	r.Run(ctx, p.Probes(checks), func(res runner.Result) {
		rec := p.Record(res)
		if rec.Verdict == verdict.Skipped && stoppedFast && signalled.Err() == nil {
			rec.Message = "not run: --fail-fast stopped the run at the first failure"
		}
		run.add(rec)
		if f.failFast && rec.Verdict.Failing() {
			stoppedFast = true
			cancel()
		}
	})
	return r.Stats()
}

// runner is a runner for a round of checks whose tries go to the log
// through the round's plan.
func (f *checkFlags) runner(run *session, settings spec.Settings, current func() *plan.Plan, traceLimit int) *runner.Runner {
	flags := f.planFlags()
	flags.TraceLimit = traceLimit
	opts := plan.RunnerOptions(flags, settings)
	opts.OnTry = func(p runner.Probe, t runner.Try) { run.reporters.Try(current().Attempt(p, t)) }
	opts.ReverseName = f.trace.reverseName()
	return runner.New(opts)
}

// noChecks says why a selection holds no checks: the spec has no hosts,
// or --from or --tag left every block out.
func noChecks(s *spec.Spec) string {
	if len(s.Hosts) == 0 {
		return "the spec has no host blocks, so nothing would be tested"
	}
	return "no checks selected: every block is excluded by --from, --tag or --control, so nothing would be tested"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
