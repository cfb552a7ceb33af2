package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/spec"
)

func runFmt(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fmt", "[-check] [-w] PATH...", stderr)
	check := fs.Bool("check", false, "list files whose format would change, and exit 1 if any would")
	write := fs.Bool("w", false, "rewrite files in place (default: print the formatted files)")
	colorChoice := fs.String("color", "auto", "colour diagnostics: auto, always or never")
	paths, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	color, err := useColor(*colorChoice, stderr)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	switch {
	case len(paths) == 0:
		return usageError(stderr, fs, fmt.Errorf("name at least one spec file or directory"))
	case *check && *write:
		return usageError(stderr, fs, fmt.Errorf("-check and -w exclude each other: -check never writes"))
	}

	loader := spec.NewLoader()
	var files []string
	for _, p := range paths {
		found, diags := spec.SpecFiles(p)
		if diags.HasErrors() {
			spec.WriteDiagnostics(stderr, loader.Files(), diags, color)
			return exitUsage
		}
		files = append(files, found...)
	}

	// Every file is parsed before any is written, so one broken file
	// leaves the whole set untouched.
	type result struct {
		name                string
		formatted, original []byte
	}
	var results []result
	failed := false
	for _, name := range files {
		formatted, original, diags := loader.Format(name)
		spec.WriteDiagnostics(stderr, loader.Files(), diags, color)
		if diags.HasErrors() {
			failed = true
			continue
		}
		results = append(results, result{name, formatted, original})
	}
	if failed {
		return exitUsage
	}

	code := exitOK
	for _, r := range results {
		changed := !bytes.Equal(r.formatted, r.original)
		switch {
		case *check:
			if changed {
				fmt.Fprintln(stdout, r.name)
				code = exitFailed
			}
		case *write:
			if !changed {
				continue
			}
			if err := atomicfile.Write(r.name, r.formatted); err != nil {
				fmt.Fprintf(stderr, "portspec fmt: %v\n", err)
				return exitIncomplete
			}
			fmt.Fprintln(stdout, r.name)
		default:
			stdout.Write(r.formatted)
		}
	}
	return code
}
