package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/outputs"
	"github.com/portspec/portspec/internal/watchdog"
	"github.com/portspec/portspec/spec"
)

// loaded is a spec loaded, with the hosts and checks its selection runs.
type loaded struct {
	spec          *spec.Spec
	hosts, checks int
}

// loadSpec loads the specs at paths, and counts the hosts and checks f's
// selection runs, under the watchdog of f's limits; its diagnostics go
// to stderr, and any error among them, or the watchdog's, is the error.
func loadSpec(stderr io.Writer, paths []string, f *arguments.Spec) (loaded, error) {
	color := outputs.UseColor(string(f.Color), stderr)
	loader := spec.NewLoader()
	var l loaded
	var diags hcl.Diagnostics
	err := watchdog.Load(f.Load, loader, paths, "Loading the spec and counting its checks", "Check fewer at once (--tag, --control, --shard)", func() {
		l.spec, diags = loader.Load(paths, f.Options(os.Environ()))
		if l.spec != nil {
			l.hosts, l.checks = l.spec.Count(f.Selection)
		}
	})
	if err != nil {
		return l, err
	}
	spec.WriteDiagnostics(stderr, loader.Files(), diags, color)
	if diags.HasErrors() {
		return l, exit.Status(exit.Usage)
	}
	return l, nil
}

// selected says what check and validate make of what a selection holds:
// a --from that no block names is warned of (only the blocks with no
// from run), and a selection with no checks is an error, but for an empty
// shard: more shards than units of work is normal, and merge still needs
// the shard's (empty) report to know it ran.
func selected(stderr io.Writer, command string, l loaded, f *arguments.Spec) error {
	if vantages := l.spec.Vantages(); f.From != "" && len(vantages) > 0 && !slices.Contains(vantages, f.From) {
		fmt.Fprintf(stderr, "portspec %s: warning: --from %s: no block names this vantage point (the spec names %s), so only the blocks with no from run\n",
			command, escape.QuoteCut(f.From, 64), escape.Text(strings.Join(vantages, ", ")))
	}
	switch {
	case l.checks > 0:
		return nil
	case f.Selection.Shard.N > 1:
		fmt.Fprintf(stderr, "portspec %s: shard %s holds no checks\n", command, f.Selection.Shard)
		return nil
	case len(l.spec.Hosts) == 0:
		return exit.Errorf(exit.Usage, "portspec %s: the spec has no host blocks, so nothing would be tested", command)
	}
	return exit.Errorf(exit.Usage, "portspec %s: no checks selected: every block is excluded by --from, --tag or --control, so nothing would be tested", command)
}
