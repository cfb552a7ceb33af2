package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/internal/plan"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

type snapshotFlags struct {
	target, proto, list, portRange string
	name, write                    string
	others                         string
	probe                          probeFlags
}

func (f *snapshotFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.target, "n", "", "the `name` or address to snapshot (required)")
	fs.StringVar(&f.proto, "p", "tcp", "the `protocol`: tcp, udp or both")
	fs.StringVar(&f.list, "o", "", "a comma-separated `list` of ports and ranges")
	fs.StringVar(&f.portRange, "r", "", "a `range` of ports, such as 1:1024 (the default)")
	fs.StringVar(&f.name, "name", "", "the host block's `name` (default: the -n value)")
	fs.StringVar(&f.write, "w", "", "write the spec to `file` instead of stdout")
	fs.StringVar(&f.others, "others", "", "fold the ports in one `state` (listening, not_listening, filtered, blocked, or auto: the most common) into one \"others\" block; probes every port")
	f.probe.register(fs)
}

func runSnapshot(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("snapshot", stdout, stderr)
	var f snapshotFlags
	f.register(fs.FlagSet)
	rest, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	if len(rest) > 0 {
		return usageError(stderr, fs, fmt.Errorf("unexpected argument %q", rest[0]))
	}
	if f.list == "" && f.portRange == "" {
		f.portRange = "1:1024"
		if f.others != "" {
			f.portRange = "1:65535"
		}
	}
	protos, ports, err := queryTargets("snapshot", f.target, f.proto, "", f.list, f.portRange)
	if err == nil {
		err = f.probe.check()
	}
	var others verdict.State
	if err == nil && f.others != "" {
		others, err = othersState(f.others, ports)
	}
	if err == nil {
		err = checkSnapshotName(f.name)
	}
	if err != nil {
		return usageError(stderr, fs, err)
	}
	if f.name == "" {
		f.name = f.target
	}
	if err := f.probe.sourcesReady(); err != nil {
		fmt.Fprintf(stderr, "portspec snapshot: %v\n", err)
		return exitUsage
	}

	ctx, stop := stoppable()
	defer stop()
	addrs, err := resolveAll(f.target)
	if err != nil {
		fmt.Fprintf(stderr, "portspec snapshot: %v\n", err)
		return exitIncomplete
	}
	var out *atomicfile.File
	if f.write != "" {
		if out, err = atomicfile.Create(f.write); err != nil {
			fmt.Fprintf(stderr, "portspec snapshot: %v\n", err)
			return writeErrorCode(err)
		}
		defer out.Abort()
	}

	found := map[netip.Addr]map[verdict.Protocol]map[uint16]verdict.State{}
	var failures []string
	opts := runner.ProbeOptions{Tries: f.probe.tries, Timeout: f.probe.timeout, ProveSilence: true}
	probes := plan.AdHocProbes(f.name, addrs, protos, ports, false, opts)
	err = runner.New(runner.Options{ICMPInterval: f.probe.icmpInterval, SourcePrefixes: f.probe.prefixes}).Run(ctx, probes, func(r runner.Result) {
		p := r.Probe
		state, ok := r.Status.Expected()
		if !ok {
			failures = append(failures, fmt.Sprintf("%s %s/%d: %v", p.Addr, p.Proto, p.Port, r.Err))
			return
		}
		if found[p.Addr] == nil {
			found[p.Addr] = map[verdict.Protocol]map[uint16]verdict.State{}
		}
		if found[p.Addr][p.Proto] == nil {
			found[p.Addr][p.Proto] = map[uint16]verdict.State{}
		}
		found[p.Addr][p.Proto][p.Port] = state
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

	hosts := snapshotHosts(f.name, f.target, addrs, found)
	if f.others != "" {
		for i, h := range hosts {
			hosts[i].Others = map[verdict.Protocol]verdict.State{}
			for proto, states := range h.States {
				hosts[i].Others[proto] = others
				if others == 0 {
					hosts[i].Others[proto] = spec.MostCommon(states)
				}
			}
		}
	}
	header := []string{
		fmt.Sprintf("portspec snapshot of %s, taken %s by portspec %s.", f.target, time.Now().UTC().Format(time.RFC3339), portspecVersion()),
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

// othersState reads --others: a state, or 0 for auto. An others block
// stands for every port, so the snapshot must probe every port.
func othersState(name string, ports []uint16) (verdict.State, error) {
	var every [65536]bool
	n := 0
	for _, p := range ports {
		if !every[p] {
			every[p] = true
			n++
		}
	}
	if n != 65535 {
		return 0, fmt.Errorf("--others writes a block for every port not listed, so the snapshot must probe all 65535: drop -o and -r, or give -r 1:65535")
	}
	if name == "auto" {
		return 0, nil
	}
	state, ok := verdict.ParseState(name)
	if !ok {
		return 0, fmt.Errorf("--others is listening, not_listening, filtered, blocked or auto; got %q", name)
	}
	return state, nil
}

// checkSnapshotName refuses a --name no spec can hold: a host name is
// text in a UTF-8 file, and not blank. Any other is written escaped, so
// it loads back as itself.
func checkSnapshotName(name string) error {
	switch {
	case !utf8.ValidString(name):
		return errors.New("--name must be UTF-8 text: a spec file is UTF-8")
	case name != "" && strings.TrimSpace(name) == "":
		return errors.New("--name must not be blank")
	}
	return nil
}

// snapshotHosts writes one host block for the name when all its addresses
// agree, and one block an address when they do not.
func snapshotHosts(name, target string, addrs []netip.Addr, found map[netip.Addr]map[verdict.Protocol]map[uint16]verdict.State) []spec.SnapshotHost {
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

// resolveAll returns an address as itself, and a name as all its
// addresses, in the order every command gives them (runner.Resolver).
func resolveAll(target string) ([]netip.Addr, error) {
	addrs, err := (&runner.Resolver{}).Resolve(target)
	if err == nil && len(addrs) == 0 {
		err = fmt.Errorf("%s has no address", target)
	}
	return addrs, err
}
