package spec

import (
	"os"
	"path/filepath"
	"testing"
	"time"
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
	// A bomb the loader's own limits must stop.
	f.Add([]byte("locals {\n  x = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c if false]]]\n}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.hcl")
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		l := NewLoader()
		// Nested for expressions can build or iterate without bound: the
		// loader's own limits stop them, in this process.
		s, diags := l.Load([]string{path}, Options{MaxAddresses: 1024, MaxTotalAddresses: 4096,
			MaxLoadSteps: 100_000, MaxLoadMemory: 256 << 20, MaxLoadTime: time.Second})
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
