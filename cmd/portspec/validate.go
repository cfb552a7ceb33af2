package main

import (
	"fmt"
	"io"

	"github.com/portspec/portspec/internal/human"
	"github.com/portspec/portspec/spec"
)

func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", stdout, stderr)
	var sf specFlags
	sf.register(fs.FlagSet)
	paths, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	color, err := useColor(sf.color, stderr)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	if len(paths) == 0 {
		return usageError(stderr, fs, fmt.Errorf("name at least one spec file or directory"))
	}
	sel, err := sf.selection()
	if err != nil {
		return usageError(stderr, fs, err)
	}
	loader := spec.NewLoader()
	_, hosts, checks, diags, ok := loadSpec(stderr, loader, paths, &sf, sel)
	if !ok {
		return exitUsage
	}
	spec.WriteDiagnostics(stderr, loader.Files(), diags, color)
	if diags.HasErrors() {
		return exitUsage
	}
	fmt.Fprintf(stdout, "ok: %d %s, %d %s\n", hosts, human.Plural(hosts, "host", "hosts"), checks, human.Plural(checks, "check", "checks"))
	return exitOK
}
