package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/spec"
)

// fmtResult is a spec file, formatted, with the diff of the two for
// -diff.
type fmtResult struct {
	name                      string
	formatted, original, diff []byte
}

func (r fmtResult) changed() bool { return !bytes.Equal(r.formatted, r.original) }

func runFmt(args []string, stdout, stderr io.Writer) int {
	return runFmtFrom(os.Stdin, args, stdout, stderr)
}

// runFmtFrom is fmt, reading "-" from stdin.
func runFmtFrom(stdin io.Reader, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fmt", stdout, stderr)
	check := fs.Bool("check", false, "list files whose format would change, and exit 1 if any would")
	write := fs.Bool("w", false, "rewrite files in place (default: print the formatted files)")
	showDiff := fs.Bool("diff", false, "print what would change as a unified diff, and exit 1 if anything would")
	recursive := fs.Bool("recursive", false, "format the *.hcl files of every directory below a directory too")
	colorChoice := fs.String("color", "auto", "colour diagnostics: auto, always or never")
	var limits loadLimits
	limits.register(fs.FlagSet)
	paths, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	color, err := useColor(*colorChoice, stderr)
	if err == nil {
		err = limits.check()
	}
	if err != nil {
		return usageError(stderr, fs, err)
	}
	modes := 0
	for _, on := range []bool{*check, *write, *showDiff} {
		if on {
			modes++
		}
	}
	switch {
	case len(paths) == 0:
		return usageError(stderr, fs, fmt.Errorf("name at least one spec file or directory, or - for stdin"))
	case modes > 1:
		return usageError(stderr, fs, fmt.Errorf("-check, -w and -diff exclude each other: -check and -diff never write"))
	case slices.Contains(paths, "-") && len(paths) > 1:
		return usageError(stderr, fs, fmt.Errorf("- (stdin) is the only path when given"))
	case slices.Contains(paths, "-") && *write:
		return usageError(stderr, fs, fmt.Errorf("-w rewrites files: stdin has none to rewrite"))
	}

	loader := spec.NewLoader()
	// One bound on the diagnostics of all the files.
	diagnostics := spec.NewDiagnosticWriter(stderr, color)
	defer diagnostics.Close()
	// Parsing is what costs: a file of megabytes of tokens takes
	// gigabytes, as it does to load.
	var results []fmtResult
	code := exitOK
	names := paths
	if paths[0] == "-" {
		names = []string{"<stdin>"}
	}
	if !limits.watch(stderr, loader, names, "Formatting the spec", "Format fewer files at once", func() {
		results, code = formatAll(stdin, paths, *recursive, *showDiff, loader, diagnostics, stderr)
	}) {
		return exitUsage
	}
	if code != exitOK {
		return code
	}
	if *write {
		// No file is written when one cannot be: a link the
		// sticky-directory rule refuses stops -w before it writes any.
		for _, r := range results {
			if r.changed() {
				if err := atomicfile.Check(r.name); err != nil {
					fmt.Fprintf(stderr, "portspec fmt: %v\n", err)
					return writeErrorCode(err)
				}
			}
		}
	}

	for _, r := range results {
		changed := r.changed()
		switch {
		case *check:
			if changed {
				fmt.Fprintln(stdout, escape.Text(r.name))
				code = exitFailed
			}
		case *showDiff:
			if changed {
				stdout.Write(r.diff)
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
			fmt.Fprintln(stdout, escape.Text(r.name))
		default:
			stdout.Write(r.formatted)
		}
	}
	return code
}

// formatAll parses and formats the spec files of paths, or stdin for "-",
// with their diffs when showDiff is set. Every file is parsed before any
// is written, so one broken file leaves the whole set untouched: a file
// with an error makes the code exitUsage.
func formatAll(stdin io.Reader, paths []string, recursive, showDiff bool, loader *spec.Loader, diagnostics *spec.DiagnosticWriter, stderr io.Writer) ([]fmtResult, int) {
	var results []fmtResult
	if paths[0] == "-" {
		src, err := io.ReadAll(io.LimitReader(stdin, loader.MaxFileSize+1))
		if err != nil {
			fmt.Fprintf(stderr, "portspec fmt: reading stdin: %v\n", err)
			return nil, exitIncomplete
		}
		formatted, diags := loader.FormatSource("<stdin>", src)
		diagnostics.Write(loader.Files(), diags)
		if diags.HasErrors() {
			return nil, exitUsage
		}
		results = append(results, fmtResult{name: "-", formatted: formatted, original: src})
	} else {
		var files []string
		for _, p := range paths {
			find := spec.Files
			if recursive {
				find = spec.FilesRecursive
			}
			found, diags := find(p)
			if diags.HasErrors() {
				diagnostics.Write(loader.Files(), diags)
				return nil, exitUsage
			}
			files = append(files, found...)
		}
		failed := false
		for _, name := range files {
			formatted, original, diags := loader.Format(name)
			diagnostics.Write(loader.Files(), diags)
			if diags.HasErrors() {
				failed = true
				continue
			}
			results = append(results, fmtResult{name: name, formatted: formatted, original: original})
		}
		if failed {
			return nil, exitUsage
		}
	}
	if showDiff {
		for i, r := range results {
			if r.changed() {
				// The spec's lines, and its name, are text from outside
				// on their way to a CI log.
				name := escape.Text(r.name)
				results[i].diff = []byte(escape.Lines(string(diff.Diff(name, r.original, name+" (formatted)", r.formatted))))
			}
		}
	}
	return results, exitOK
}
