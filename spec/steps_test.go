package spec

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// TestLoaderStopsRunawayExpressions: nested for expressions that iterate a
// billion times, or build more than the memory allowed, end the load with
// an error at the expression, in this process and within its limits,
// where only the CLI's watchdog could stop them before (issue #20, item
// 7); a spec within the limits loads as before.
func TestLoaderStopsRunawayExpressions(t *testing.T) {
	host := "\nhost \"mx\" {\n  address = \"192.0.2.25\"\n  tcp \"blocked\" { ports = [23] }\n}\n"
	for _, tc := range []struct {
		name, locals string
		opts         Options
		want         string
	}{
		{"steps", "[for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c if false]]]",
			Options{MaxLoadSteps: 100_000}, "took more than 100000 steps"},
		{"time", "[for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c if false]]]",
			Options{MaxLoadTime: 200 * time.Millisecond}, "took longer than its limit of 200ms (--max-load-time)"},
		{"memory", `[for a in range(1000) : [for b in range(1000) : format("%0512d", b)]]`,
			Options{MaxLoadMemory: 64 << 20}, "more than its limit of 64 MiB (--max-load-memory)"},
		{"a variable file's value", "var.v", Options{MaxLoadSteps: 100_000, VarFiles: []string{"vars.hcl"}}, "took more than 100000 steps"},
	} {
		src := "locals {\n  x = " + tc.locals + "\n}\n" + host
		if strings.HasPrefix(tc.locals, "var.") {
			src = "variable \"v\" {\n  type = any\n}\n" + src
		}
		l := NewLoader()
		l.FS = fstest.MapFS{"bomb.hcl": {Data: []byte(src)},
			"vars.hcl": {Data: []byte("v = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c if false]]]\n")}}
		start := time.Now()
		s, diags := l.Load([]string{"bomb.hcl"}, tc.opts)
		took := time.Since(start)
		t.Logf("%s: %s: %s", tc.name, took.Round(time.Millisecond), diags)
		if s != nil || len(diags) != 1 || diags[0].Summary != "Expression too large" || !strings.Contains(diags[0].Detail, tc.want) {
			t.Errorf("%s: want one Expression too large saying %q; got %s", tc.name, tc.want, diags)
			continue
		}
		if took > 10*time.Second*raceSlowdown {
			t.Errorf("%s: the load took %s", tc.name, took)
		}
	}
	l := NewLoader()
	l.FS = fstest.MapFS{"ok.hcl": {Data: []byte("locals {\n  x = [for a in range(100) : [for b in range(100) : a * b]]\n}\n" + host)}}
	if _, diags := l.Load([]string{"ok.hcl"}, Options{MaxLoadSteps: 100_000}); diags.HasErrors() {
		t.Errorf("a spec of 10,100 steps: %s", diags)
	}
}

// TestStepLimitLeavesNoTrace: the limit's step function is never offered
// for a misspelt function, a host after a stopped load gets no error of its
// own, and a Loader used again rewrites no for expression twice (found in
// review: the steps grew with each load).
func TestStepLimitLeavesNoTrace(t *testing.T) {
	l := NewLoader()
	l.FS = fstest.MapFS{"typo.hcl": {Data: []byte("locals {\n  x = portspecstep(1)\n}\n")}}
	_, diags := l.Load([]string{"typo.hcl"}, Options{})
	if !diags.HasErrors() || strings.Contains(diags.Error(), "portspec step") {
		t.Errorf("a misspelt function: %s", diags)
	}

	l = NewLoader()
	l.FS = fstest.MapFS{"bomb.hcl": {Data: []byte("locals {\n  x = [for a in range(1000) : [for b in range(1000) : b if false]]\n}\n" +
		"host \"mx\" {\n  addresses = [\"192.0.2.25\"]\n  tcp \"blocked\" { ports = [23] }\n}\n")}}
	_, diags = l.Load([]string{"bomb.hcl"}, Options{MaxLoadSteps: 10_000})
	if len(diags) != 1 || diags[0].Summary != "Expression too large" {
		t.Errorf("a stopped load: want only Expression too large, got %s", diags)
	}

	l = NewLoader()
	l.FS = fstest.MapFS{"ok.hcl": {Data: []byte("locals {\n  x = [for a in range(100) : [for b in range(50) : a * b]]\n}\n" +
		"host \"mx\" {\n  address = \"192.0.2.25\"\n  tcp \"blocked\" { ports = [23] }\n}\n")}}
	for i := range 5 {
		if _, diags := l.Load([]string{"ok.hcl"}, Options{MaxLoadSteps: 15_000}); diags.HasErrors() {
			t.Fatalf("load %d of a spec of about 5,200 steps within 15,000: %s", i+1, diags)
		}
	}
}
