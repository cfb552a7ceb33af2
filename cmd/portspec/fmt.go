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

// fmtResult is a spec file, formatted.
type fmtResult struct {
	name                string
	formatted, original []byte
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
	paths, err := parse(fs, args)
	if err != nil {
		return usageError(stderr, fs, err)
	}
	color, err := useColor(*colorChoice, stderr)
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
	// Every file is parsed before any is written, so one broken file
	// leaves the whole set untouched.
	var results []fmtResult
	failed := false
	if paths[0] == "-" {
		src, err := io.ReadAll(io.LimitReader(stdin, loader.MaxFileSize+1))
		if err != nil {
			fmt.Fprintf(stderr, "portspec fmt: reading stdin: %v\n", err)
			return exitIncomplete
		}
		formatted, diags := loader.FormatSource("<stdin>", src)
		diagnostics.Write(loader.Files(), diags)
		if diags.HasErrors() {
			return exitUsage
		}
		results = append(results, fmtResult{"-", formatted, src})
	} else {
		var files []string
		for _, p := range paths {
			find := spec.SpecFiles
			if *recursive {
				find = spec.SpecFilesRecursive
			}
			found, diags := find(p)
			if diags.HasErrors() {
				diagnostics.Write(loader.Files(), diags)
				return exitUsage
			}
			files = append(files, found...)
		}
		for _, name := range files {
			formatted, original, diags := loader.Format(name)
			diagnostics.Write(loader.Files(), diags)
			if diags.HasErrors() {
				failed = true
				continue
			}
			results = append(results, fmtResult{name, formatted, original})
		}
	}
	if failed {
		return exitUsage
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

	code := exitOK
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
				// The spec's lines, and its name, are text from outside
				// on their way to a CI log.
				name := escape.Text(r.name)
				io.WriteString(stdout, escape.Lines(string(diff.Diff(name, r.original, name+" (formatted)", r.formatted))))
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
