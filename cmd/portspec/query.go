package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/localports"
	"github.com/portspec/portspec/internal/outputs"
	"github.com/portspec/portspec/internal/plan"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
)

func runQuery(std streams, args []string) error {
	f, err := arguments.ParseQuery(args)
	if err != nil {
		return err
	}
	switch {
	case f.Mode != arguments.QueryPorts && !localports.Supported:
		return exit.Errorf(exit.Usage, "portspec query: %v", localports.Unsupported("-local, -wport and -wpid"))
	case f.Mode == arguments.QueryLocal:
		return queryLocal(std.stdout, std.stderr)
	case f.Mode == arguments.QueryWatch:
		return queryWatch(std, f)
	}
	return queryPorts(std, f, args)
}

// queryPorts is query -n: the ports of one host, probed and said as
// PortQry says them, on stdout and in the -l log.
func queryPorts(std streams, f *arguments.Query, args []string) error {
	if err := runner.Ready(f.Probe.RunnerOptions()); err != nil {
		return exit.Errorf(exit.Usage, "portspec query: %v", err)
	}
	// Everything goes to stdout (unless -q) and to the log, as it comes.
	var out io.Writer = io.Discard
	if !f.Quiet {
		out = &untilGone{w: std.stdout}
	}
	reports := outputs.NewSession(nil)
	if f.LogFile != "" {
		var err error
		if reports, out, err = openQueryLog(std, f, args, out); err != nil {
			return err
		}
	}
	defer reports.Abort()
	ctx, stop := stoppable()
	defer stop()
	addrs, ok := queryResolve(ctx, out, f.Name, !f.NoReverse)
	reports.Reporters = append(report.Multi{report.NewPortQry(out, len(addrs) > 1)}, reports.Reporters...)
	worst := exit.OK
	if ok {
		fmt.Fprint(out, "querying...\n\n")
		opts := f.Probe.ProbeOptions()
		opts.SourcePort, opts.Community = f.SourcePort, f.Community
		reports.Begin(report.Meta{})
		// PortQry's order: for each port, TCP then UDP.
		err := runner.New(f.Probe.RunnerOptions()).Run(ctx, plan.AdHocProbes(f.Name, addrs, f.Protocols, f.Ports, true, opts), func(res runner.Result) {
			code := res.Status.PortQryCode()
			if code < 0 || res.Skipped {
				code = exit.Incomplete
			}
			worst = max(worst, code)
			reports.Add(plan.Found(f.Name, res))
		})
		reports.Sum.Interrupted = errors.Is(err, context.Canceled)
	}
	if err := reports.End(); err != nil {
		return err
	}
	switch {
	case reports.Sum.Interrupted:
		return exit.Status(exit.Interrupted)
	case !ok:
		return exit.Status(exit.Incomplete)
	case f.Quiet:
		return exit.Status(worst)
	}
	return nil
}

// openQueryLog opens -l, with its header and a line a try, and returns
// the session that puts it in place and where the query's text goes: out
// and the log.
func openQueryLog(std streams, f *arguments.Query, args []string, out io.Writer) (*outputs.Session, io.Writer, error) {
	if err := mayOverwrite(f.LogFile, f.Overwrite, std.stderr); err != nil {
		return nil, nil, err
	}
	reports, log, err := outputs.OpenFile(std.stdout, "-l", f.LogFile)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(log, "portspec %s query log\ncommand: portspec query %s\nstarted: %s\n\n",
		portspecVersion(), escape.Text(strings.Join(args, " ")), time.Now().Format(time.RFC3339))
	tries, err := report.NewTryList(log)
	if err != nil {
		reports.Abort()
		return nil, nil, exit.Errorf(exit.Incomplete, "portspec query: %v", err)
	}
	reports.Reporters = append(reports.Reporters, tries)
	return reports, io.MultiWriter(out, log), nil
}

// mayOverwrite refuses to overwrite a log file without -y, unless someone
// at the terminal says yes, as PortQry asks.
func mayOverwrite(path string, overwrite bool, stderr io.Writer) error {
	if !overwrite && exists(path) && !confirmOverwrite(path, stderr) {
		return exit.Errorf(exit.Incomplete, "portspec query: %s exists; use -y to overwrite it", path)
	}
	return nil
}

// queryWatch is -wport or -wpid.
func queryWatch(std streams, f *arguments.Query) error {
	var log *os.File
	if f.LogFile != "" {
		if err := mayOverwrite(f.LogFile, f.Overwrite, std.stderr); err != nil {
			return err
		}
		// Written in place, a line at a time, for tail -f.
		err := atomicfile.MkdirAll(filepath.Dir(f.LogFile))
		if err == nil {
			log, err = atomicfile.Open(f.LogFile, os.O_TRUNC)
		}
		if err != nil {
			return outputs.WriteError(err, "portspec query: cannot write -l %s: %v", f.LogFile, err)
		}
	}
	ctx, stop := stoppable()
	defer stop()
	w := localports.Watch{Port: f.WatchPort, PID: f.WatchPID, Every: f.WatchEvery, ProcRoot: "/proc", Now: time.Now}
	err := w.Run(ctx, &untilGone{w: std.stdout}, log, std.stderr)
	if log != nil {
		if cerr := log.Close(); cerr != nil && err == nil {
			return exit.Errorf(exit.Incomplete, "portspec query: writing -l %s: %v", f.LogFile, cerr)
		}
	}
	return err
}

// queryLocal lists the machine's sockets, as PortQry's -local does.
func queryLocal(stdout, stderr io.Writer) error {
	sockets, err := localports.Read("/proc")
	if err != nil {
		return exit.Errorf(exit.Incomplete, "portspec query: %v", err)
	}
	tw := tabwriter.NewWriter(&untilGone{w: stdout}, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROTO\tLOCAL\tREMOTE\tSTATE\tPID\tPROCESS")
	for _, s := range sockets {
		pid, process := "-", "-"
		switch {
		case s.PID > 0:
			pid, process = fmt.Sprint(s.PID), escape.Text(s.Process)
		case s.Hidden:
			pid, process = "?", "(hidden)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", strings.ToUpper(s.Proto.String()), s.Local, s.Remote, s.State, pid, process)
	}
	tw.Flush()
	localports.NoteHiddenOwners(stderr, sockets)
	return nil
}

// untilGone writes to w until its reader goes away (query | head), then
// drops the rest: the query, and its log, go on.
type untilGone struct {
	w    io.Writer
	gone bool
}

func (u *untilGone) Write(b []byte) (int, error) {
	if u.gone {
		return len(b), nil
	}
	n, err := u.w.Write(b)
	if errors.Is(err, syscall.EPIPE) {
		u.gone = true
		return len(b), nil
	}
	return n, err
}

// queryResolve prints PortQry's name-resolution lines and returns the
// addresses to query.
func queryResolve(ctx context.Context, out io.Writer, name string, reverse bool) ([]netip.Addr, bool) {
	fmt.Fprintf(out, "Querying target system called:\n\n %s\n\n", name)
	if addr, err := netip.ParseAddr(name); err == nil {
		if reverse {
			fmt.Fprint(out, "Attempting to resolve IP address to a name...\n\n")
			if name := runner.PTRName(ctx, addr, 3*time.Second); name == "" {
				fmt.Fprint(out, "Failed to resolve IP address to name\n\n")
			} else {
				// A PTR record is the target's network's to write.
				fmt.Fprintf(out, "IP address resolved to %s\n\n", escape.Text(name))
			}
		}
		return []netip.Addr{addr}, true
	}
	fmt.Fprint(out, "Attempting to resolve name to IP address...\n\n")
	addrs, err := resolveAll(name)
	if err != nil {
		fmt.Fprintf(out, "Failed to resolve name to IP address: %v\n", err)
		return nil, false
	}
	var list []string
	for _, a := range addrs {
		list = append(list, a.String())
	}
	fmt.Fprintf(out, "Name resolved to %s\n\n", strings.Join(list, ", "))
	return addrs, true
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// confirmOverwrite asks, as PortQry does, when someone is there to answer.
func confirmOverwrite(path string, stderr io.Writer) bool {
	if !isatty.IsTerminal(os.Stdin.Fd()) {
		return false
	}
	fmt.Fprintf(stderr, "Log file %s exists. Overwrite it? (Y/N) ", path)
	answer, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	return strings.EqualFold(strings.TrimSpace(answer), "y")
}
