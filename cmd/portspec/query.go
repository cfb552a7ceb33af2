package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
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

	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/localports"
	"github.com/portspec/portspec/internal/plan"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

const querySynopsis = "-local | -wport PORT | -wpid PID [-wt SECONDS] [-l LOG [-y]] | -n NAME [-p tcp|udp|both] [-e PORT | -o LIST | -r FROM:TO] [-l LOG [-y]] [-sp PORT] [-nr] [-q] [-cn COMMUNITY] [-timeout D] [-tries N] [-icmp-interval D]"

type queryFlags struct {
	name, proto, endpoint, list, portRange string
	logFile                                string
	overwrite, noReverse, quiet, local     bool
	sourcePort                             int
	watchPort, watchPID, watchEvery        int
	community                              string
	probe                                  probeFlags
}

func (f *queryFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "n", "", "the `name` or IP address to query (required)")
	fs.StringVar(&f.proto, "p", "tcp", "the `protocol`: tcp, udp or both")
	fs.StringVar(&f.endpoint, "e", "", "one `port` (default 80)")
	fs.StringVar(&f.list, "o", "", "a comma-separated `list` of ports, such as 143,110,25")
	fs.StringVar(&f.portRange, "r", "", "a `range` of ports, such as 135:139")
	fs.StringVar(&f.logFile, "l", "", "also write the output to this log `file`")
	fs.BoolVar(&f.overwrite, "y", false, "overwrite the log file without asking")
	fs.IntVar(&f.sourcePort, "sp", 0, "the source `port` to send from")
	fs.BoolVar(&f.noReverse, "nr", false, "do not resolve the IP address to a name")
	fs.BoolVar(&f.quiet, "q", false, "print nothing; exit 0 if LISTENING, 1 if NOT LISTENING, 2 if FILTERED or LISTENING or FILTERED")
	fs.StringVar(&f.community, "cn", "public", "the SNMP `community` for udp/161")
	fs.BoolVar(&f.local, "local", false, "list this machine's TCP and UDP sockets with their state and owning process, as PortQry's -local")
	fs.IntVar(&f.watchPort, "wport", 0, "watch this machine's sockets on this `port`, logging each change, until interrupted")
	fs.IntVar(&f.watchPID, "wpid", 0, "watch the sockets of the process with this `PID`, logging each change, until interrupted or it exits")
	fs.IntVar(&f.watchEvery, "wt", 60, "for -wport and -wpid, how often to look, in `seconds`")
	f.probe.register(fs)
}

func runQuery(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("query", stdout, stderr)
	var f queryFlags
	f.register(fs.FlagSet)
	rest, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	if len(rest) > 0 {
		return usageError(stderr, fs, fmt.Errorf("unexpected argument %q", rest[0]))
	}
	if f.local {
		if f.name != "" || f.endpoint != "" || f.list != "" || f.portRange != "" || f.logFile != "" {
			return usageError(stderr, fs, errors.New("-local lists this machine's sockets on stdout: give it without -n, -e, -o, -r or -l"))
		}
		return queryLocal(stdout, stderr)
	}
	if f.watchPort != 0 || f.watchPID != 0 {
		return queryWatch(fs, &f, stdout, stderr)
	}
	protos, ports, err := queryTargets("query", f.name, f.proto, f.endpoint, f.list, f.portRange)
	if err == nil && (f.sourcePort < 0 || f.sourcePort > 65535) {
		err = fmt.Errorf("-sp must be a port from 1 to 65535")
	}
	if err == nil {
		err = f.probe.check()
	}
	if err != nil {
		return usageError(stderr, fs, err)
	}
	if err := f.probe.sourcesReady(); err != nil {
		fmt.Fprintf(stderr, "portspec query: %v\n", err)
		return exitUsage
	}

	// Everything goes to stdout (unless -q) and to the log, as it comes.
	run := &session{stderr: stderr}
	defer run.abort()
	var out io.Writer = io.Discard
	if !f.quiet {
		out = &untilGone{w: stdout}
	}
	if f.logFile != "" {
		if !f.overwrite && exists(f.logFile) && !confirmOverwrite(f.logFile, stderr) {
			fmt.Fprintf(stderr, "portspec query: %s exists; use -y to overwrite it\n", f.logFile)
			return exitIncomplete
		}
		log := &output{flag: "-l", path: f.logFile}
		var code int
		if run.outputs, code = openOutputs(stderr, stdout, []*output{log}); code != exitOK {
			return code
		}
		fmt.Fprintf(log.buf, "portspec %s query log\ncommand: portspec query %s\nstarted: %s\n\n",
			portspecVersion(), escape.Text(strings.Join(args, " ")), time.Now().Format(time.RFC3339))
		out = io.MultiWriter(out, log.buf)
		tries, err := report.NewTryList(log.buf)
		if err != nil {
			fmt.Fprintf(stderr, "portspec query: %v\n", err)
			return exitIncomplete
		}
		run.reporters = append(run.reporters, tries)
	}
	ctx, stop := stoppable()
	defer stop()

	addrs, ok := queryResolve(ctx, out, f.name, !f.noReverse)
	run.reporters = append(report.Multi{report.NewPortQry(out, len(addrs) > 1)}, run.reporters...)
	worst := exitOK
	if ok {
		fmt.Fprint(out, "querying...\n\n")
		opts := runner.ProbeOptions{Tries: f.probe.tries, Timeout: f.probe.timeout, SourcePort: uint16(f.sourcePort),
			Community: f.community, ProveSilence: true}
		r := runner.New(runner.Options{ICMPInterval: f.probe.icmpInterval, SourcePrefixes: f.probe.prefixes})
		run.begin(report.Meta{})
		// PortQry's order: for each port, TCP then UDP.
		err := r.Run(ctx, plan.AdHocProbes(f.name, addrs, protos, ports, true, opts), func(res runner.Result) {
			code := res.Status.PortQryCode()
			if code < 0 || res.Skipped {
				code = exitIncomplete
			}
			worst = max(worst, code)
			run.add(plan.Found(f.name, res))
		})
		run.sum.Interrupted = errors.Is(err, context.Canceled)
	}
	if code := run.end(); code != exitOK {
		return code
	}
	switch {
	case run.sum.Interrupted:
		return exitInterrupted
	case !ok:
		return exitIncomplete
	case f.quiet:
		return worst
	}
	return exitOK
}

// queryWatch is -wport or -wpid.
func queryWatch(fs *cmdFlags, f *queryFlags, stdout, stderr io.Writer) int {
	var err error
	switch {
	case f.watchPort != 0 && f.watchPID != 0:
		err = errors.New("-wport and -wpid each start a watch: give one")
	case f.name != "" || f.endpoint != "" || f.list != "" || f.portRange != "" || f.local:
		err = errors.New("-wport and -wpid watch this machine's sockets: give them without -n, -e, -o, -r or -local")
	case f.watchPort < 0 || f.watchPort > 65535:
		err = errors.New("-wport must be a port from 1 to 65535")
	case f.watchPID < 0:
		err = errors.New("-wpid must be a process ID")
	case f.watchEvery < 1:
		err = errors.New("-wt is the polling interval in whole seconds, at least 1")
	}
	if err != nil {
		return usageError(stderr, fs, err)
	}
	var log *os.File
	if f.logFile != "" {
		if !f.overwrite && exists(f.logFile) && !confirmOverwrite(f.logFile, stderr) {
			fmt.Fprintf(stderr, "portspec query: %s exists; use -y to overwrite it\n", f.logFile)
			return exitIncomplete
		}
		// Written in place, a line at a time, for tail -f.
		if err = atomicfile.MkdirAll(filepath.Dir(f.logFile)); err == nil {
			log, err = atomicfile.Open(f.logFile, os.O_TRUNC)
		}
		if err != nil {
			fmt.Fprintf(stderr, "portspec query: cannot write -l %s: %v\n", f.logFile, err)
			return writeErrorCode(err)
		}
	}
	ctx, stop := stoppable()
	defer stop()
	w := watch{port: f.watchPort, pid: f.watchPID, every: time.Duration(f.watchEvery) * time.Second, procRoot: "/proc", now: time.Now}
	code := w.run(ctx, stdout, log, stderr)
	if log != nil {
		if err := log.Close(); err != nil && code == exitOK {
			fmt.Fprintf(stderr, "portspec query: writing -l %s: %v\n", f.logFile, err)
			code = exitIncomplete
		}
	}
	return code
}

// queryLocal lists the machine's sockets, as PortQry's -local does.
func queryLocal(stdout, stderr io.Writer) int {
	sockets, err := localports.Read("/proc")
	if err != nil {
		fmt.Fprintf(stderr, "portspec query: %v\n", err)
		return exitIncomplete
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
	noteHiddenOwners(stderr, sockets)
	return exitOK
}

// noteHiddenOwners says, on stderr, why some of the sockets show
// "(hidden)" rather than their owner, and reports whether any did.
func noteHiddenOwners(stderr io.Writer, sockets []localports.Socket) bool {
	n := 0
	for _, s := range sockets {
		if s.Hidden {
			n++
		}
	}
	switch {
	case n == 1:
		fmt.Fprintln(stderr, "portspec query: the owner of 1 socket belongs to another user; run as root to see it")
	case n > 1:
		fmt.Fprintf(stderr, "portspec query: the owners of %d sockets belong to other users; run as root to see them\n", n)
	}
	return n > 0
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

// queryTargets checks the flags and returns the protocols and ports to
// probe; command is query or snapshot, whose flags differ.
func queryTargets(command, name, proto, endpoint, list, portRange string) ([]verdict.Protocol, []uint16, error) {
	if name == "" {
		return nil, nil, fmt.Errorf("-n is required: the name or address to %s", command)
	}
	var protos []verdict.Protocol
	switch proto {
	case "tcp":
		protos = []verdict.Protocol{verdict.TCP}
	case "udp":
		protos = []verdict.Protocol{verdict.UDP}
	case "both":
		protos = []verdict.Protocol{verdict.TCP, verdict.UDP}
	default:
		return nil, nil, fmt.Errorf("-p is tcp, udp or both; got %q", proto)
	}
	given := 0
	for _, s := range []string{endpoint, list, portRange} {
		if s != "" {
			given++
		}
	}
	if given > 1 {
		if command == "snapshot" {
			return nil, nil, fmt.Errorf("give one of -o and -r")
		}
		return nil, nil, fmt.Errorf("give one of -e, -o and -r")
	}
	var items []string
	switch {
	case list != "":
		items = strings.Split(list, ",")
	case portRange != "":
		from, to, ok := strings.Cut(portRange, ":")
		if !ok {
			return nil, nil, fmt.Errorf("-r takes FROM:TO, such as 135:139; got %q", portRange)
		}
		items = []string{from + "-" + to}
	case endpoint != "":
		items = []string{endpoint}
	default:
		items = []string{"80"}
	}
	var ports []uint16
	for _, it := range items {
		r, err := spec.ParsePort(strings.TrimSpace(it))
		if err != nil {
			return nil, nil, err
		}
		for p := int(r.Low); p <= int(r.High); p++ {
			ports = append(ports, uint16(p))
		}
	}
	return protos, ports, nil
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
