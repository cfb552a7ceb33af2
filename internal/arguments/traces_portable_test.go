//go:build portspec_portable || !linux

package arguments

import (
	"strings"
	"testing"
)

// Where traces cannot be made (every OS but Linux, and Linux built with
// the other OSes' engine), none is made by default, and asking for some
// is a usage error that says why.
func TestTracesElsewhere(t *testing.T) {
	c, err := ParseCheck([]string{"p"})
	if err != nil || c.Trace.RunnerLimit() != 0 {
		t.Errorf("by default: %v, trace limit %d", err, c.Trace.RunnerLimit())
	}
	_, err = ParseCheck([]string{"p", "--trace-limit", "5"})
	if err == nil || !strings.Contains(err.Error(), "cannot trace") {
		t.Errorf("--trace-limit 5: %v", err)
	}
}
