package plan_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/plan"
	"github.com/portspec/portspec/internal/reporttest"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

// TestEverySignalDecodes: every signal the runner gives is a word the JSON
// reader knows, so a report portspec wrote is never refused.
func TestEverySignalDecodes(t *testing.T) {
	icmp := &runner.ICMPError{Type: 3, Code: 13, From: netip.MustParseAddr("198.18.0.254")}
	var records []report.Record
	for sig := runner.Silence; sig <= runner.Local; sig++ {
		try := runner.Try{Signal: sig, Start: reporttest.Start}
		if sig == runner.ICMP {
			try.ICMP = icmp
		}
		res := runner.Result{Probe: runner.Probe{Addr: netip.MustParseAddr("198.18.0.2"), Proto: verdict.UDP, Port: 53},
			Status: verdict.Filtered, Evidence: runner.Evidence{Signal: sig, ICMP: try.ICMP, Tries: []runner.Try{try}, Silence: runner.SilenceProven}}
		c := spec.Check{Host: &spec.Host{Name: "mx"}, Addr: res.Probe.Addr, Protocol: spec.UDP, Port: 53, Expect: &spec.Expectation{State: spec.Blocked}}
		records = append(records, plan.CheckRecord(c, res, "", time.Now()))
	}
	read, _, err := reporttest.ReadAll(reporttest.JSON(t, records...))
	if err != nil {
		t.Fatal(err)
	}
	n := len(read)
	if n != int(runner.Local) {
		t.Errorf("%d records read back, want %d", n, runner.Local)
	}
}
