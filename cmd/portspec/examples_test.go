package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/exit"
)

// TestExamples keeps every example valid and fmt-clean, one file at a time,
// as the README's quick start and docs/getting-started.md tell users to
// try them.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examplesDir(), "*.hcl"))
	if err != nil || len(files) < 4 {
		t.Fatalf("want at least 4 examples, found %d (%v)", len(files), err)
	}
	demos, _ := filepath.Glob(filepath.Join(examplesDir(), "..", "internal", "lab", "demo", "*.hcl"))
	if len(demos) != 2 {
		t.Fatalf("want the 2 demo specs, found %v", demos)
	}
	// The directory is one valid spec as a whole: `portspec validate
	// examples/` is the first command people type.
	t.Run("examples/", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"validate", examplesDir()}, &stdout, &stderr); code != exit.OK || stderr.Len() > 0 {
			t.Errorf("validate examples/ exit %d:\n%s", code, stderr.String())
		}
	})
	files = append(files, demos...)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run([]string{"validate", f}, &stdout, &stderr); code != exit.OK || stderr.Len() > 0 {
				t.Errorf("validate exit %d:\n%s", code, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), "ok: 1 host") {
				t.Errorf("validate said %q", stdout.String())
			}
			stdout.Reset()
			if code := run([]string{"fmt", "-check", f}, &stdout, &stderr); code != exit.OK {
				t.Errorf("not fmt-clean (exit %d): %s%s", code, stdout.String(), stderr.String())
			}
		})
	}
}

func examplesDir() string {
	wd, _ := os.Getwd()
	return wd + "/../../examples"
}
