package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

func runSnapshot(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("snapshot", stdout, stderr)
	target := fs.String("n", "", "the `name` or address to snapshot (required)")
	proto := fs.String("p", "tcp", "the `protocol`: tcp, udp or both")
	list := fs.String("o", "", "a comma-separated `list` of ports and ranges")
	portRange := fs.String("r", "", "a `range` of ports, such as 1:1024 (the default)")
	name := fs.String("name", "", "the host block's `name` (default: the -n value)")
	write := fs.String("w", "", "write the spec to `file` instead of stdout")
	timeout := fs.Duration("timeout", 0, "a fixed `timeout` per try (default: adaptive)")
	tries := fs.Int("tries", 0, "`tries` per port (default 3 for tcp, 2 for udp)")
	interval := icmpInterval(fs.FlagSet)
	rest, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	if len(rest) > 0 {
		return usageError(stderr, fs, fmt.Errorf("unexpected argument %q", rest[0]))
	}
	if *list == "" && *portRange == "" {
		*portRange = "1:1024"
	}
	protos, ports, err := queryTargets("snapshot", *target, *proto, "", *list, *portRange)
	if err == nil {
		err = checkICMPInterval(*interval)
	}
	if err == nil {
		err = checkTries(*tries)
	}
	if err != nil {
		return usageError(stderr, fs, err)
	}
	if *name == "" {
		*name = *target
	}

	ctx, stop := stoppable()
	defer stop()
	addrs, err := resolveAll(ctx, *target)
	if err != nil {
		fmt.Fprintf(stderr, "portspec snapshot: %v\n", err)
		return exitIncomplete
	}
	var out *atomicfile.File
	if *write != "" {
		if out, err = atomicfile.Create(*write); err != nil {
			fmt.Fprintf(stderr, "portspec snapshot: %v\n", err)
			return exitIncomplete
		}
		defer out.Abort()
	}

	found := map[netip.Addr]map[spec.Protocol]map[uint16]spec.State{}
	var failures []string
	checks := adHocChecks(*name, addrs, protos, ports, false)
	err = runner.New(runner.Options{Timeout: *timeout, TCPTries: *tries, UDPTries: *tries,
		ICMPInterval: *interval, ProveSilence: true}).Run(ctx, checks, func(r runner.Result) {
		state, ok := snapshotState(r.Status)
		if !ok {
			failures = append(failures, fmt.Sprintf("%s %s/%d: %v", r.Check.Addr, r.Check.Protocol, r.Check.Port, r.Err))
			return
		}
		if found[r.Check.Addr] == nil {
			found[r.Check.Addr] = map[spec.Protocol]map[uint16]spec.State{}
		}
		if found[r.Check.Addr][r.Check.Protocol] == nil {
			found[r.Check.Addr][r.Check.Protocol] = map[uint16]spec.State{}
		}
		found[r.Check.Addr][r.Check.Protocol][r.Check.Port] = state
	})
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "portspec snapshot: interrupted; nothing written")
		return exitInterrupted
	case len(failures) > 0:
		fmt.Fprintf(stderr, "portspec snapshot: %d ports could not be probed, so no snapshot was written:\n  %s\n",
			len(failures), strings.Join(failures, "\n  "))
		return exitIncomplete
	}

	hosts := snapshotHosts(*name, *target, addrs, found)
	header := []string{
		fmt.Sprintf("portspec snapshot of %s, taken %s by portspec %s.", *target, time.Now().UTC().Format(time.RFC3339), portspecVersion()),
		"portspec snapshot " + strings.Join(args, " "),
		"UDP ports that did not answer are written as filtered: a silent listener looks the same.",
	}
	text := spec.Snapshot(header, hosts)
	if out == nil {
		stdout.Write(text)
		return exitOK
	}
	if err := writeCommit(out, text); err != nil {
		fmt.Fprintf(stderr, "portspec snapshot: %v\n", err)
		return exitIncomplete
	}
	return exitOK
}

// snapshotState is the state a snapshot expects for what was found. UDP
// silence is written as filtered, which check passes for a silent port.
func snapshotState(s runner.Status) (spec.State, bool) {
	switch s {
	case runner.Listening:
		return spec.Listening, true
	case runner.NotListening:
		return spec.NotListening, true
	case runner.Filtered, runner.ListeningOrFiltered:
		return spec.Filtered, true
	}
	return 0, false
}

// snapshotHosts writes one host block for the name when all its addresses
// agree, and one block an address when they do not.
func snapshotHosts(name, target string, addrs []netip.Addr, found map[netip.Addr]map[spec.Protocol]map[uint16]spec.State) []spec.SnapshotHost {
	agree := true
	for _, a := range addrs[1:] {
		agree = agree && fmt.Sprint(found[a]) == fmt.Sprint(found[addrs[0]])
	}
	if agree {
		return []spec.SnapshotHost{{Name: name, Address: target, States: found[addrs[0]]}}
	}
	var hosts []spec.SnapshotHost
	for _, a := range addrs {
		hosts = append(hosts, spec.SnapshotHost{Name: name + " " + a.String(), Address: a.String(), States: found[a]})
	}
	return hosts
}

// resolveAll returns an address as itself, and a name as all its addresses.
func resolveAll(ctx context.Context, target string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(target); err == nil {
		return []netip.Addr{a}, nil
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(lctx, "ip", target)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%s has no address", target)
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	return addrs, nil
}
