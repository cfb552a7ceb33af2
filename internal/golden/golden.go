// Package golden compares test output with golden files, which go test
// -update rewrites after an intended change. It is the one golden helper
// of the project's tests; its diff is go-internal's, line by line in
// order, so a change of order alone shows.
package golden

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/diff"
)

// Check compares got with the file at path, or rewrites the file when
// update is set.
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs (go test -update rewrites it after an intended change):\n%s", path, diff.Diff(path, want, "got", got))
	}
}
