package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/outputs"
	"github.com/portspec/portspec/internal/suggest"
	"github.com/portspec/portspec/internal/watchdog"
	"github.com/portspec/portspec/spec"
)

// loaded is a spec loaded, with the hosts and checks its selection runs,
// and the loader's diagnostics with the files they quote.
type loaded struct {
	spec          *spec.Spec
	hosts, checks int
	// vantageChecks are each --via vantage's checks, in name order.
	vantageChecks []int
	files         map[string]*hcl.File
	diags         hcl.Diagnostics
}

// loadSpec loads the specs at paths ("-" reads stdin), and counts the
// hosts and checks f's selection runs, under the watchdog of f's limits,
// whose stop is the error. The diagnostics are the caller's to write.
func loadSpec(stdin io.Reader, paths []string, f *arguments.Spec) (loaded, error) {
	loader := spec.NewLoader()
	loader.Stdin = stdin
	if slices.Contains(paths, spec.StdinPath) {
		// Read whole before the watchdog's clock starts: a slow pipe, or
		// a person typing, is not a spec that takes long to load. One
		// byte over the limit is enough for the loader to refuse it.
		b, err := io.ReadAll(io.LimitReader(stdin, int64(f.MaxFileSize)+1))
		if err != nil {
			return loaded{}, exit.Errorf(exit.Usage, "portspec: reading the spec on stdin: %v", err)
		}
		loader.Stdin = bytes.NewReader(b)
	}
	var l loaded
	err := watchdog.Load(f.Load, loader, paths, "Loading the spec and counting its checks", "Check fewer at once (--tag, --control, --shard)", func() {
		l.spec, l.diags = loader.Load(paths, f.Options(os.Environ()))
		if l.spec != nil {
			l.hosts, l.checks = l.spec.Count(f.Selection)
		}
	})
	l.files = loader.Files()
	return l, err
}

// diagnosticsOut says where a spec's diagnostics go besides stderr: the
// CI's annotations.
type diagnosticsOut struct {
	// mode is github, gitlab or none (outputs.Flags.AnnotationMode).
	mode string
	// codeQuality is the Code Quality report's path under gitlab, ""
	// for GitLab's default; always writes it even when the spec loads
	// (validate's: the report then says there is nothing wrong), rather
	// than leaving it to the run's reports.
	codeQuality string
	always      bool
}

// loadAndSay is loadSpec with its diagnostics written to stderr, and as
// CI annotations as out says: any error among them is the error.
func loadAndSay(std streams, paths []string, f *arguments.Spec, out diagnosticsOut) (loaded, error) {
	l, err := loadSpec(std.stdin, paths, f)
	if err != nil {
		return l, err
	}
	spec.WriteDiagnostics(std.stderr, l.files, l.diags, outputs.UseColor(string(f.Color), std.stderr))
	switch {
	case out.mode == "github":
		outputs.WriteGitHubDiagnostics(std.stdout, l.diags)
	case out.mode == "gitlab" && (out.always || l.diags.HasErrors()):
		read := append(slices.Collect(maps.Keys(l.files)), f.VarFiles...)
		if err := outputs.WriteCodeQualityDiagnostics(out.codeQuality, std.stdout, read, l.diags); err != nil {
			if exit.Code(err) == exit.Usage {
				return l, err
			}
			return l, outputs.WriteError(err, "portspec: the Code Quality report of the spec's diagnostics: %v", err)
		}
	}
	if l.diags.HasErrors() {
		return l, exit.Status(exit.Usage)
	}
	return l, nil
}

// selected says what check and validate make of what a selection holds,
// as text for stderr: a --from that the spec's blocks do not name (only
// the blocks with no from would run: a misspelt vantage), or a selection
// with no checks, is an error; an empty shard is only said, since more
// shards than units of work is normal, and merge still needs the shard's
// (empty) report to know it ran.
func selected(stderr io.Writer, command string, l loaded, f *arguments.Spec) error {
	_, note, err := selectionProblem(l, f)
	if note != "" {
		fmt.Fprintf(stderr, "portspec %s: %s\n", command, note)
	}
	if err != nil {
		return exit.Errorf(exit.Usage, "portspec %s: %v", command, err)
	}
	return nil
}

// selectionProblem is selected's finding: a note to say, or an error,
// with its summary for validate --json.
func selectionProblem(l loaded, f *arguments.Spec) (summary, note string, err error) {
	if f.From != "" {
		if err := unknownVantage(l.spec, "--from", f.From); err != nil {
			return "Unknown vantage point", "", err
		}
	}
	switch {
	case l.checks > 0:
		return "", "", nil
	case f.Selection.Shard.N > 1:
		return "Empty shard", fmt.Sprintf("shard %s holds no checks", f.Selection.Shard), nil
	case len(l.spec.Hosts) == 0:
		return "No hosts", "", errors.New("the spec has no host blocks, so nothing would be tested")
	}
	return "No checks selected", "", errors.New("no checks selected: every block is excluded by --from, --tag or --control, so nothing would be tested")
}

// unknownVantage refuses a vantage point (--from, --via) that no block of
// a spec naming vantage points names: only the blocks with no from would
// run from it, which a misspelt name would hide.
func unknownVantage(s *spec.Spec, flag, name string) error {
	vantages := s.Vantages()
	if len(vantages) == 0 || slices.Contains(vantages, name) {
		return nil
	}
	hint := ""
	if near := suggest.Nearest(name, vantages); near != "" {
		hint = fmt.Sprintf("; did you mean %s?", near)
	}
	return fmt.Errorf("%s %s: no block names this vantage point (the spec names %s), so only the blocks with no from would run%s",
		flag, escape.QuoteCut(name, 64), escape.Text(strings.Join(vantages, ", ")), hint)
}
