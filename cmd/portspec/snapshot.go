package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/outputs"
	"github.com/portspec/portspec/internal/plan"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

func runSnapshot(std streams, args []string) error {
	f, err := arguments.ParseSnapshot(args)
	if err != nil {
		return err
	}
	if err := runner.Ready(f.Probe.RunnerOptions()); err != nil {
		return exit.Errorf(exit.Usage, "portspec snapshot: %v", err)
	}
	ctx, stop := stoppable()
	defer stop()
	addrs, err := resolveAll(f.Target)
	if err != nil {
		return exit.Errorf(exit.Incomplete, "portspec snapshot: %v", err)
	}
	var out *atomicfile.File
	if f.Write != "" {
		if out, err = atomicfile.Create(f.Write); err != nil {
			return outputs.WriteError(err, "portspec snapshot: %v", err)
		}
		defer out.Abort()
	}
	found, err := probeSnapshot(ctx, f, addrs)
	if err != nil {
		return err
	}
	header := []string{
		fmt.Sprintf("portspec snapshot of %s, taken %s by portspec %s.", f.Target, time.Now().UTC().Format(time.RFC3339), portspecVersion()),
		"portspec snapshot " + strings.Join(args, " "),
		"UDP ports that did not answer are written as filtered: a silent listener looks the same.",
	}
	text := spec.Snapshot(header, found.Hosts(f.Name, f.Target, addrs, f.Fold, f.Others))
	if out == nil {
		std.stdout.Write(text)
		return nil
	}
	if _, err := out.Write(text); err != nil {
		return exit.Errorf(exit.Incomplete, "portspec snapshot: %v", err)
	}
	if err := out.Commit(); err != nil {
		return exit.Errorf(exit.Incomplete, "portspec snapshot: %v", err)
	}
	return nil
}

// probeSnapshot probes every port of the snapshot, and says so when one
// could not be probed: nothing is written then.
func probeSnapshot(ctx context.Context, f *arguments.Snapshot, addrs []netip.Addr) (spec.SnapshotFindings, error) {
	found := spec.SnapshotFindings{}
	var failures []string
	probes := plan.AdHocProbes(f.Name, addrs, f.Protocols, f.Ports, false, f.Probe.ProbeOptions())
	err := runner.New(f.Probe.RunnerOptions()).Run(ctx, probes, func(r runner.Result) {
		p := r.Probe
		state, ok := r.Status.Expected()
		if !ok {
			failures = append(failures, fmt.Sprintf("%s %s/%d: %v", p.Addr, p.Proto, p.Port, r.Err))
			return
		}
		found.Add(p.Addr, p.Proto, p.Port, state)
	})
	switch {
	case errors.Is(err, context.Canceled):
		return nil, exit.Errorf(exit.Interrupted, "portspec snapshot: interrupted; nothing written")
	case len(failures) > 0:
		return nil, exit.Errorf(exit.Incomplete, "portspec snapshot: %d ports could not be probed, so no snapshot was written:\n  %s",
			len(failures), strings.Join(failures, "\n  "))
	}
	return found, nil
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
