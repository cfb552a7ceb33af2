package main

import (
	"fmt"
	"io"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/outputs"
	"github.com/portspec/portspec/internal/watchdog"
	"github.com/portspec/portspec/spec"
)

func runFmt(std streams, args []string) error {
	f, err := arguments.ParseFmt(args)
	if err != nil {
		return err
	}
	color := outputs.UseColor(string(f.Color), std.stderr)
	loader := spec.NewLoader()
	// One bound on the diagnostics of all the files.
	diagnostics := spec.NewDiagnosticWriter(std.stderr, color)
	defer diagnostics.Close()
	// Parsing is what costs: a file of megabytes of tokens takes
	// gigabytes, as it does to load.
	var results []spec.Formatted
	names := f.Paths
	if f.Stdin() {
		names = []string{"<stdin>"}
	}
	if err := watchdog.Load(f.Load, loader, names, "Formatting the spec", "Format fewer files at once", func() {
		results, err = formatAll(std.stdin, f, loader, diagnostics)
	}); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	if f.Write {
		// No file is written when one cannot be: a link the
		// sticky-directory rule refuses stops -w before it writes any.
		for _, r := range results {
			if r.Changed() {
				if err := atomicfile.Check(r.Name); err != nil {
					return outputs.WriteError(err, "portspec fmt: %v", err)
				}
			}
		}
	}
	return writeFormatted(std.stdout, f, results)
}

// writeFormatted writes what fmt's mode asks of the formatted files.
func writeFormatted(stdout io.Writer, f *arguments.Fmt, results []spec.Formatted) error {
	var status error
	for _, r := range results {
		changed := r.Changed()
		switch {
		case f.Check:
			if changed {
				fmt.Fprintln(stdout, escape.Text(r.Name))
				status = exit.Status(exit.Failed)
			}
		case f.Diff:
			if changed {
				stdout.Write(r.Diff)
				status = exit.Status(exit.Failed)
			}
		case f.Write:
			if !changed {
				continue
			}
			if err := atomicfile.Write(r.Name, r.Formatted); err != nil {
				return exit.Errorf(exit.Incomplete, "portspec fmt: %v", err)
			}
			fmt.Fprintln(stdout, escape.Text(r.Name))
		default:
			stdout.Write(r.Formatted)
		}
	}
	return status
}

// formatAll parses and formats the spec files of f's paths, or stdin for
// "-". Every file is parsed before any is written, so one broken file
// leaves the whole set untouched: a file with an error is exit 2, its
// diagnostics written.
func formatAll(stdin io.Reader, f *arguments.Fmt, loader *spec.Loader, diagnostics *spec.DiagnosticWriter) ([]spec.Formatted, error) {
	if f.Stdin() {
		src, err := io.ReadAll(io.LimitReader(stdin, loader.MaxFileSize+1))
		if err != nil {
			return nil, exit.Errorf(exit.Incomplete, "portspec fmt: reading stdin: %v", err)
		}
		formatted, diags := loader.FormatSource("<stdin>", src)
		diagnostics.Write(loader.Files(), diags)
		if diags.HasErrors() {
			return nil, exit.Status(exit.Usage)
		}
		return []spec.Formatted{{Name: "-", Formatted: formatted, Original: src}}, nil
	}
	var files []string
	for _, p := range f.Paths {
		find := spec.Files
		if f.Recursive {
			find = spec.FilesRecursive
		}
		found, diags := find(p)
		if diags.HasErrors() {
			diagnostics.Write(loader.Files(), diags)
			return nil, exit.Status(exit.Usage)
		}
		files = append(files, found...)
	}
	var results []spec.Formatted
	failed := false
	for _, name := range files {
		formatted, original, diags := loader.Format(name)
		diagnostics.Write(loader.Files(), diags)
		if diags.HasErrors() {
			failed = true
			continue
		}
		results = append(results, spec.Formatted{Name: name, Formatted: formatted, Original: original})
	}
	if failed {
		return nil, exit.Status(exit.Usage)
	}
	if f.Diff {
		for i := range results {
			results[i].Diffed()
		}
	}
	return results, nil
}
