package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

type checkFlags struct {
	specFlags
	junit, log, json     string
	concurrency, perHost int
	rate                 float64
	timeout              time.Duration
	icmpInterval         *time.Duration
	tries                int
	quiet, verbose       bool
	failFast             bool
}

func (f *checkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.junit, "junit", "", "write a JUnit XML report to `file`")
	fs.StringVar(&f.log, "log", "", "write a log of every resolution and try to `file`")
	fs.StringVar(&f.json, "json", "", "write a JSON report to `file`")
	fs.IntVar(&f.concurrency, "concurrency", 0, "probes in flight at once (default: settings, else 1024)")
	fs.IntVar(&f.perHost, "per-host", 0, "probes in flight to one address (default: settings, else 1024)")
	fs.Float64Var(&f.rate, "rate", 0, "probes a second at most (default: settings, else no limit)")
	fs.DurationVar(&f.timeout, "timeout", 0, "a fixed timeout per try, for every block (default: adaptive)")
	fs.IntVar(&f.tries, "tries", 0, "tries before silence counts, for every block (default: 3 tcp, 2 udp)")
	f.icmpInterval = icmpInterval(fs)
	fs.BoolVar(&f.quiet, "q", false, "print only failures and the summary")
	fs.BoolVar(&f.verbose, "v", false, "print the evidence for passes too")
	fs.BoolVar(&f.failFast, "fail-fast", false, "stop at the first failure; the rest are skipped")
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", stdout, stderr)
	var f checkFlags
	f.specFlags.register(fs.FlagSet)
	f.register(fs.FlagSet)
	paths, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	// The text report's colour is chosen with its writer (openReports);
	// this only refuses a bad --color before anything else.
	diagColor, err := useColor(f.color, stderr)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	switch {
	case len(paths) == 0:
		return usageError(stderr, fs, errors.New("name at least one spec file or directory"))
	case f.quiet && f.verbose:
		return usageError(stderr, fs, errors.New("-q and -v exclude each other"))
	case f.concurrency < 0 || f.perHost < 0 || f.timeout < 0:
		return usageError(stderr, fs, errors.New("--concurrency, --per-host and --timeout must not be negative"))
	}
	for _, err := range []error{checkTries(f.tries), checkRate(f.rate)} {
		if err != nil {
			return usageError(stderr, fs, err)
		}
	}
	if err := checkICMPInterval(*f.icmpInterval); err != nil {
		return usageError(stderr, fs, err)
	}
	sel, err := f.selection()
	if err != nil {
		return usageError(stderr, fs, err)
	}

	loader := spec.NewLoader()
	s, diags := loadSpec(stderr, loader, paths, &f.specFlags)
	spec.WriteDiagnostics(stderr, loader.Files(), diags, diagColor)
	if diags.HasErrors() {
		return exitUsage
	}
	_, total := s.Count(sel)
	if total == 0 && sel.Shard.N > 1 {
		// More shards than units of work: an empty shard is normal, and
		// merge still needs its (empty) report to know it ran.
		fmt.Fprintf(stderr, "portspec check: shard %s holds no checks\n", sel.Shard)
	} else if total == 0 {
		fmt.Fprintln(stderr, "portspec check: "+noChecks(s))
		return exitUsage
	}

	// Every output file is opened before the first probe: a report that
	// cannot be written must stop the run, not surface after it.
	var progress *report.Progress
	if isTerminal(stderr) && !inCI() {
		progress = report.NewProgress(stderr, total)
	}
	outputs, reporters, code := f.openReports(stdout, stderr, s.Files, progress)
	if code != exitOK {
		return code
	}
	defer abortAll(outputs)
	if progress != nil {
		reporters = append(reporters, progress)
	}

	hostname, _ := os.Hostname()
	meta := report.Meta{
		Version: portspecVersion(), Hostname: hostname, Command: append([]string{"portspec", "check"}, args...),
		Vantage: f.from, Tags: f.tags, Shard: sel.Shard.String(), Files: s.Files, Digest: s.Digest, Start: time.Now(),
	}
	signalled, stop := stoppable()
	defer stop()
	ctx, cancel := context.WithCancel(signalled)
	defer cancel()

	r := runner.New(runner.Options{
		Settings: s.Settings, Timeout: f.timeout, TCPTries: f.tries, UDPTries: f.tries,
		Concurrency: f.concurrency, PerHost: f.perHost, Rate: f.rate, ICMPInterval: *f.icmpInterval,
		OnTry: reporters.Try,
	})
	resolver := &runner.Resolver{OnResolve: reporters.Resolved}
	var sum report.Summary
	writeErr := reporters.Begin(meta)
	stoppedFast := false
	r.Run(ctx, s.ResolvedChecks(sel, resolver.Resolve), func(res runner.Result) {
		o := runner.Judge(res)
		o.Vantage = f.from
		if o.Verdict == runner.Skipped && stoppedFast && signalled.Err() == nil {
			o.Message = "not run: --fail-fast stopped the run at the first failure"
		}
		sum.Add(o)
		if err := reporters.Result(o); err != nil && writeErr == nil {
			writeErr = err
		}
		if f.failFast && (o.Verdict.Failing()) {
			stoppedFast = true
			cancel()
		}
	})
	sum.Elapsed = time.Since(meta.Start)
	stats := r.Stats()
	sum.ICMPWait, sum.ICMPWaitTargets = stats.ICMPWait, stats.ICMPWaitTargets
	sum.Interrupted = signalled.Err() != nil
	if err := reporters.End(sum); err != nil && writeErr == nil {
		writeErr = err
	}
	if code := commitAll(stderr, outputs, writeErr); code != exitOK {
		return code
	}
	switch {
	case sum.Interrupted:
		return exitInterrupted
	case sum.Failed+sum.Errors > 0:
		return exitFailed
	}
	return exitOK
}

// noChecks says why a selection holds no checks: the spec has no hosts,
// or --from or --tag left every block out.
func noChecks(s *spec.Spec) string {
	if len(s.Hosts) == 0 {
		return "the spec has no host blocks, so nothing would be tested"
	}
	return "no checks selected: every block is excluded by --from or --tag, so nothing would be tested"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
