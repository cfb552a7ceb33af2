package main

import (
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/internal/arguments"
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
	color, _ := outputs.UseColor(string(f.Color), stderr)
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
