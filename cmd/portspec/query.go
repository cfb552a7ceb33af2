package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

const querySynopsis = "-n NAME [-p tcp|udp|both] [-e PORT | -o LIST | -r FROM:TO] [-l LOG [-y]] [-sp PORT] [-nr] [-q] [-cn COMMUNITY] [-timeout D] [-tries N] [-icmp-interval D]"

// exitInterrupted is the shell's code for a run ended by SIGINT.
const exitInterrupted = 130

func runQuery(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("query", stdout, stderr)
	name := fs.String("n", "", "the `name` or IP address to query (required)")
	proto := fs.String("p", "tcp", "the `protocol`: tcp, udp or both")
	endpoint := fs.String("e", "", "one `port` (default 80)")
	list := fs.String("o", "", "a comma-separated `list` of ports, such as 143,110,25")
	portRange := fs.String("r", "", "a `range` of ports, such as 135:139")
	logFile := fs.String("l", "", "also write the output to this log `file`")
	overwrite := fs.Bool("y", false, "overwrite the log file without asking")
	sourcePort := fs.Int("sp", 0, "the source `port` to send from")
	noReverse := fs.Bool("nr", false, "do not resolve the IP address to a name")
	quiet := fs.Bool("q", false, "print nothing; exit 0 if LISTENING, 1 if NOT LISTENING, 2 if FILTERED or LISTENING or FILTERED")
	community := fs.String("cn", "public", "the SNMP `community` for udp/161")
	timeout := fs.Duration("timeout", 0, "a fixed `timeout` per try (default: adaptive, 100ms to 1s)")
	tries := fs.Int("tries", 0, "`tries` per port before silence counts (default 3 for tcp, 2 for udp)")
	interval := icmpInterval(fs.FlagSet)
	rest, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	if len(rest) > 0 {
		return usageError(stderr, fs, fmt.Errorf("unexpected argument %q", rest[0]))
	}
	protos, ports, err := queryTargets("query", *name, *proto, *endpoint, *list, *portRange)
	if err == nil && (*sourcePort < 0 || *sourcePort > 65535) {
		err = fmt.Errorf("-sp must be a port from 1 to 65535")
	}
	if err == nil && *timeout < 0 {
		err = fmt.Errorf("-timeout must not be negative")
	}
	if err == nil {
		err = checkTries(*tries)
	}
	if err == nil {
		err = checkICMPInterval(*interval)
	}
	if err != nil {
		return usageError(stderr, fs, err)
	}

	var logOut *atomicfile.File
	if *logFile != "" {
		if !*overwrite && exists(*logFile) && !confirmOverwrite(*logFile, stderr) {
			fmt.Fprintf(stderr, "portspec query: %s exists; use -y to overwrite it\n", *logFile)
			return exitIncomplete
		}
		if logOut, err = atomicfile.Create(*logFile); err != nil {
			fmt.Fprintf(stderr, "portspec query: cannot write the log: %v\n", err)
			return exitIncomplete
		}
		defer logOut.Abort()
	}

	// Everything goes to stdout (unless -q) and to the log.
	var text bytes.Buffer
	var out io.Writer = &text
	if !*quiet {
		out = io.MultiWriter(stdout, &text)
	}
	ctx, stop := stoppable()
	defer stop()

	addrs, ok := queryResolve(ctx, out, *name, !*noReverse)
	code := exitOK
	worst := -1
	if ok {
		fmt.Fprint(out, "querying...\n\n")
		var tryLog strings.Builder
		r := runner.New(runner.Options{
			Timeout: *timeout, TCPTries: *tries, UDPTries: *tries,
			SourcePort: uint16(*sourcePort), Community: *community,
			ICMPInterval: *interval, ProveSilence: true,
		})
		lastAddr := netip.Addr{}
		// PortQry's order: for each port, TCP then UDP.
		err := r.Run(ctx, adHocChecks(*name, addrs, protos, ports, true), func(res runner.Result) {
			if len(addrs) > 1 && res.Check.Addr != lastAddr {
				fmt.Fprintf(out, "%s:\n", res.Check.Addr)
				lastAddr = res.Check.Addr
			}
			report.WritePortQry(out, res)
			fmt.Fprintf(&tryLog, "%s %s/%d:\n", res.Check.Addr, res.Check.Protocol, res.Check.Port)
			for _, l := range report.TryLines(res) {
				fmt.Fprintf(&tryLog, "    %s\n", l)
			}
			worst = max(worst, quietCode(res.Status))
		})
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(out, "\ninterrupted")
			code = exitInterrupted
		}
		if logOut != nil {
			text.WriteString("\nTries:\n" + tryLog.String())
		}
	} else {
		code = exitIncomplete
	}
	if *quiet && code == exitOK {
		code = worst
	}

	if logOut != nil {
		header := fmt.Sprintf("portspec %s query log\ncommand: portspec query %s\nstarted: %s\n\n",
			portspecVersion(), strings.Join(args, " "), time.Now().Format(time.RFC3339))
		if err := writeCommit(logOut, []byte(header+text.String())); err != nil {
			fmt.Fprintf(stderr, "portspec query: cannot write the log: %v\n", err)
			return exitIncomplete
		}
	}
	return code
}

// adHocChecks are the checks of a command line rather than a spec, for
// query and snapshot: every protocol of every port of every address, with
// no expected state. portMajor puts a port's protocols together, as
// PortQry does; otherwise each protocol's ports come together.
func adHocChecks(name string, addrs []netip.Addr, protos []spec.Protocol, ports []uint16, portMajor bool) iter.Seq[spec.Check] {
	host := &spec.Host{Name: name}
	blocks := map[spec.Protocol]*spec.Expectation{}
	for _, p := range protos {
		blocks[p] = &spec.Expectation{Protocol: p}
	}
	return func(yield func(spec.Check) bool) {
		check := func(a netip.Addr, p spec.Protocol, port uint16) bool {
			return yield(spec.Check{Host: host, Addr: a, Protocol: p, Port: port, Expect: blocks[p]})
		}
		for _, a := range addrs {
			if portMajor {
				for _, port := range ports {
					for _, p := range protos {
						if !check(a, p, port) {
							return
						}
					}
				}
				continue
			}
			for _, p := range protos {
				for _, port := range ports {
					if !check(a, p, port) {
						return
					}
				}
			}
		}
	}
}

// quietCode is -q's exit code for a state; the worst state of a query wins.
func quietCode(s runner.Status) int {
	switch s {
	case runner.Listening:
		return 0
	case runner.NotListening:
		return 1
	case runner.Filtered, runner.ListeningOrFiltered:
		return 2
	}
	return exitIncomplete
}

// queryTargets checks the flags and returns the protocols and ports to
// probe; command is query or snapshot, whose flags differ.
func queryTargets(command, name, proto, endpoint, list, portRange string) ([]spec.Protocol, []uint16, error) {
	if name == "" {
		return nil, nil, fmt.Errorf("-n is required: the name or address to %s", command)
	}
	var protos []spec.Protocol
	switch proto {
	case "tcp":
		protos = []spec.Protocol{spec.TCP}
	case "udp":
		protos = []spec.Protocol{spec.UDP}
	case "both":
		protos = []spec.Protocol{spec.TCP, spec.UDP}
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
			lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			names, err := net.DefaultResolver.LookupAddr(lctx, addr.String())
			cancel()
			if err != nil || len(names) == 0 {
				fmt.Fprint(out, "Failed to resolve IP address to name\n\n")
			} else {
				fmt.Fprintf(out, "IP address resolved to %s\n\n", strings.TrimSuffix(names[0], "."))
			}
		}
		return []netip.Addr{addr}, true
	}
	fmt.Fprint(out, "Attempting to resolve name to IP address...\n\n")
	addrs, err := resolveAll(ctx, name)
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
