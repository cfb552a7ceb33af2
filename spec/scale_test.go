package spec

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// manyLocals is a spec with n locals, each built on the one before, as a
// spec generated from an inventory might be.
func manyLocals(n int) string {
	var b strings.Builder
	b.WriteString("locals {\n  l0 = 1\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  l%d = local.l%d + 1\n", i, i-1)
	}
	b.WriteString("}\nhost \"h\" {\n  address = \"198.18.0.2\"\n  tcp \"listening\" { ports = [local.l0] }\n}\n")
	return b.String()
}

// overlappingPorts is a spec whose one block lists n ranges that all
// overlap, beside a second block.
func overlappingPorts(n int) string {
	ranges := make([]string, n)
	for i := range ranges {
		ranges[i] = fmt.Sprintf(`"%d-%d"`, 1+i%1000, 60000+i%1000)
	}
	return fmt.Sprintf("host \"h\" {\n  address = \"198.18.0.2\"\n  tcp \"blocked\" { ports = [%s] }\n  tcp \"not_listening\" { ports = [\"65000-65535\"] }\n}\n", strings.Join(ranges, ", "))
}

// loadSource loads src as a spec file, failing the test on any error.
func loadSource(tb testing.TB, src string, opts Options) *Spec {
	tb.Helper()
	l := NewLoader()
	l.FS = fstest.MapFS{"spec.hcl": {Data: []byte(src)}}
	s, diags := l.Load([]string{"spec.hcl"}, opts)
	if diags.HasErrors() {
		tb.Fatal(render(l, diags))
	}
	return s
}

// fastest is the least time of three loads: the least disturbed by
// whatever else the machine is doing.
func fastest(t *testing.T, src string) time.Duration {
	best := time.Duration(1 << 62)
	for range 3 {
		start := time.Now()
		loadSource(t, src, Options{})
		best = min(best, time.Since(start))
	}
	return best
}

// TestLoadScalesLinearly holds loading to near-linear time in the number
// of locals and of overlapping port ranges (issue #14, item 8): 40,000
// locals took 183 s and 128,000 overlapping ranges 78 s, both quadratic.
// It compares the load of 4n with that of n on this machine, so it needs
// no absolute bound: linear is about 4 times, quadratic 16.
func TestLoadScalesLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("loads specs of tens of thousands of lines")
	}
	for _, tc := range []struct {
		name string
		gen  func(int) string
		n    int
	}{
		{"locals", manyLocals, 5000},
		{"overlapping ranges", overlappingPorts, 8000},
	} {
		small, large := fastest(t, tc.gen(tc.n)), fastest(t, tc.gen(4*tc.n))
		ratio := float64(large) / float64(small)
		t.Logf("%s: %d in %s, %d in %s: ×%.1f", tc.name, tc.n, small, 4*tc.n, large, ratio)
		if ratio > 8 {
			t.Errorf("%s: 4 times the input took %.1f times as long; linear is about 4, quadratic 16", tc.name, ratio)
		}
	}
}

func BenchmarkLoadLocals(b *testing.B) {
	src := manyLocals(40000)
	for b.Loop() {
		loadSource(b, src, Options{})
	}
}

func BenchmarkLoadOverlappingPorts(b *testing.B) {
	src := overlappingPorts(128000)
	for b.Loop() {
		loadSource(b, src, Options{})
	}
}
