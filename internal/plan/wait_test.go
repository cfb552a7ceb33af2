package plan

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

// TestWaiter steps check --wait's rounds with records made up for each:
// the backoff (1 s, 2 s, 4 s, 8 s, then 15 s, cut at the deadline), only
// failed checks probed again, a check that converges passing with a note,
// one that passes then fails flapping (and no longer probed), and one
// still failing at the deadline.
func TestWaiter(t *testing.T) {
	start := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	w := NewWaiter(start, 40*time.Second)
	rec := func(port uint16, v verdict.Verdict, at time.Time) report.Record {
		actual := "LISTENING"
		if v != verdict.Pass {
			actual = "FILTERED"
		}
		return report.Record{Port: port, Verdict: v, Actual: actual, Started: at, Message: map[bool]string{true: "", false: "expected listening, got FILTERED"}[v == verdict.Pass]}
	}
	check := func(port uint16) spec.Check { return spec.Check{Port: port} }
	// Round 1: 22 passes; 25 will converge, 80 will flap, 443 never passes.
	for i, port := range []uint16{22, 25, 80, 443} {
		v := verdict.Fail
		if port == 22 {
			v = verdict.Pass
		}
		w.First(i, check(port), rec(port, v, start))
	}
	if w.Failing() != 3 {
		t.Fatalf("failing %d after round 1, want 3", w.Failing())
	}
	// Each later round: which ports it probes, and which pass.
	rounds := []struct {
		delay  time.Duration
		probed []uint16
		pass   map[uint16]bool
	}{
		{time.Second, []uint16{25, 80, 443}, map[uint16]bool{80: true}},
		{2 * time.Second, []uint16{25, 80, 443}, map[uint16]bool{25: true}}, // 80 fails again: flapping
		{4 * time.Second, []uint16{25, 443}, map[uint16]bool{25: true}},
		{8 * time.Second, []uint16{25, 443}, map[uint16]bool{25: true}},
		{15 * time.Second, []uint16{25, 443}, map[uint16]bool{25: true}},
		{10 * time.Second, []uint16{25, 443}, map[uint16]bool{25: true}}, // cut at the deadline
	}
	now := start
	for i, rd := range rounds {
		delay, ok := w.Next(now)
		if !ok || delay != rd.delay {
			t.Fatalf("round %d: next %v %v, want %v", i+2, delay, ok, rd.delay)
		}
		now = now.Add(delay)
		seq, take := w.Checks()
		var probed []uint16
		for c := range seq {
			probed = append(probed, c.Port)
			v := verdict.Fail
			if rd.pass[c.Port] {
				v = verdict.Pass
			}
			take(rec(c.Port, v, now))
		}
		if fmt.Sprint(probed) != fmt.Sprint(rd.probed) {
			t.Errorf("round %d probed %v, want %v", i+2, probed, rd.probed)
		}
	}
	if _, ok := w.Next(now); ok {
		t.Fatal("a round after the deadline")
	}
	want := []struct {
		verdict verdict.Verdict
		text    string
		rounds  int
	}{
		{verdict.Pass, "", 0},
		{verdict.Pass, "note passed after 3s (3 rounds)", 7},
		{verdict.Fail, "message flapping: passed in round 2, failed again in round 3: expected listening, got FILTERED", 3},
		{verdict.Fail, "note still failing after 40s (7 rounds)", 7},
	}
	for i, port := range []uint16{22, 25, 80, 443} {
		got := w.Final(i, rec(port, map[bool]verdict.Verdict{true: verdict.Pass, false: verdict.Fail}[port == 22], start))
		text := ""
		switch {
		case strings.HasPrefix(got.Message, "flapping"):
			text = "message " + got.Message
		case got.Note != "":
			text = "note " + got.Note
		}
		if got.Verdict != want[i].verdict || text != want[i].text || len(got.Rounds) != want[i].rounds {
			t.Errorf("port %d: %s %q, %d rounds; want %s %q, %d rounds", port, got.Verdict, text, len(got.Rounds), want[i].verdict, want[i].text, want[i].rounds)
		}
	}
}
