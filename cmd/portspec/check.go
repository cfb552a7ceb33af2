package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/junit"
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

// output is a report file being written.
type output struct {
	flag, path string
	file       *atomicfile.File
	buf        *bufio.Writer
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", "[flags] PATH...", stderr)
	var f checkFlags
	f.specFlags.register(fs)
	f.register(fs)
	paths, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	textColor, err := useColor(f.color, stdout)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	diagColor, _ := useColor(f.color, stderr)
	switch {
	case len(paths) == 0:
		return usageError(stderr, fs, errors.New("name at least one spec file or directory"))
	case f.quiet && f.verbose:
		return usageError(stderr, fs, errors.New("-q and -v exclude each other"))
	case f.concurrency < 0 || f.perHost < 0 || f.rate < 0 || f.timeout < 0 || f.tries < 0:
		return usageError(stderr, fs, errors.New("--concurrency, --per-host, --rate, --timeout and --tries must not be negative"))
	}
	if err := checkICMPInterval(*f.icmpInterval); err != nil {
		return usageError(stderr, fs, err)
	}
	sel, err := f.selection()
	if err != nil {
		return usageError(stderr, fs, err)
	}

	loader := spec.NewLoader()
	s, diags := loader.Load(paths, f.options())
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
		fmt.Fprintln(stderr, "portspec check: no checks selected: every block is excluded by --from or --tag, so nothing would be tested")
		return exitUsage
	}

	// Every output file is opened before the first probe: a report that
	// cannot be written must stop the run, not surface after it.
	outputs, reporters, code := f.openReports(stdout, stderr, textColor)
	if code != exitOK {
		return code
	}
	defer abortAll(outputs)
	if isTerminal(stderr) && os.Getenv("CI") == "" {
		reporters = append(reporters, report.NewProgress(stderr, total))
	}

	hostname, _ := os.Hostname()
	meta := report.Meta{
		Version: portspecVersion(), Hostname: hostname, Command: append([]string{"portspec", "check"}, args...),
		Vantage: f.from, Tags: f.tags, Shard: sel.Shard.String(), Files: s.Files, Digest: s.Digest, Start: time.Now(),
	}
	signalled, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
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
	r.Run(ctx, s.ResolvedChecks(sel, resolver.Resolve), func(res runner.Result) {
		o := runner.Judge(res)
		o.Vantage = f.from
		sum.Add(o)
		if err := reporters.Result(o); err != nil && writeErr == nil {
			writeErr = err
		}
		if f.failFast && (o.Verdict == runner.Fail || o.Verdict == runner.Errored) {
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

// openReports opens the report files the flags ask for and makes their
// reporters, with the text report on stdout first.
func (f *checkFlags) openReports(stdout, stderr io.Writer, textColor bool) ([]*output, report.Multi, int) {
	outputs, code := openOutputs(stderr, []*output{{flag: "--junit", path: f.junit}, {flag: "--log", path: f.log}, {flag: "--json", path: f.json}})
	if code != exitOK {
		return nil, nil, code
	}
	reporters, code := newReporters(stderr, stdout, report.TextOptions{Color: textColor, Quiet: f.quiet, Verbose: f.verbose}, outputs)
	if code != exitOK {
		abortAll(outputs)
		return nil, nil, code
	}
	return outputs, reporters, exitOK
}

// openOutputs opens the report files that were asked for, making their
// directories, and returns exit 3 when one cannot be written.
func openOutputs(stderr io.Writer, wanted []*output) ([]*output, int) {
	var outputs []*output
	for _, o := range wanted {
		if o.path == "" {
			continue
		}
		// Like pytest's --junitxml, create the directory: CI jobs name
		// out/junit.xml in a fresh checkout.
		err := os.MkdirAll(filepath.Dir(o.path), 0o755)
		if err == nil {
			o.file, err = atomicfile.Create(o.path)
		}
		if err != nil {
			fmt.Fprintf(stderr, "portspec: cannot write %s %s: %v\n", o.flag, o.path, err)
			abortAll(outputs)
			return nil, exitIncomplete
		}
		o.buf = bufio.NewWriterSize(o.file, 256<<10)
		outputs = append(outputs, o)
	}
	return outputs, exitOK
}

// newReporters is the text report on stdout and one reporter a file.
func newReporters(stderr, stdout io.Writer, text report.TextOptions, outputs []*output) (report.Multi, int) {
	reporters := report.Multi{report.NewText(stdout, text)}
	for _, o := range outputs {
		var r report.Reporter
		var err error
		switch o.flag {
		case "--junit":
			r, err = junit.New(o.buf)
		case "--log":
			r, err = report.NewLog(o.buf)
		case "--json":
			r = report.NewJSON(o.buf)
		}
		if err != nil {
			fmt.Fprintf(stderr, "portspec: %v\n", err)
			return nil, exitIncomplete
		}
		reporters = append(reporters, r)
	}
	return reporters, exitOK
}

// commitAll puts every report in place, unless writing one failed: then
// none is, and the run exits 3.
func commitAll(stderr io.Writer, outputs []*output, writeErr error) int {
	for _, o := range outputs {
		if writeErr != nil {
			break
		}
		err := o.buf.Flush()
		if err == nil {
			err = o.file.Commit()
		}
		if err != nil {
			writeErr = fmt.Errorf("%s %s: %w", o.flag, o.path, err)
		}
	}
	if writeErr != nil {
		fmt.Fprintf(stderr, "portspec: writing the reports: %v\n", writeErr)
		return exitIncomplete
	}
	return exitOK
}

func abortAll(outputs []*output) {
	for _, o := range outputs {
		o.file.Abort()
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
