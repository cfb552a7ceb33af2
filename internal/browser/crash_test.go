//go:build unix

package browser

import (
	"errors"
	"os/exec"
	"testing"
)

// TestCrashed: a process that dies of its own fault is run again; one
// killed (by the timeout) or one that exits with an error is not.
func TestCrashed(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   bool
	}{
		{"kill -SEGV $$", true},
		{"kill -ABRT $$", true},
		{"kill -KILL $$", false},
		{"exit 1", false},
	} {
		err := exec.Command("sh", "-c", tc.script).Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("%s: %v, want an exit error", tc.script, err)
		}
		if got := crashed(exit.ProcessState.Sys()); got != tc.want {
			t.Errorf("%s: crashed %v, want %v", tc.script, got, tc.want)
		}
	}
}
