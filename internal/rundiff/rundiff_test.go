package rundiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/reporttest"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

func rec(host string, port uint16, expected, actual string, v verdict.Verdict) report.Record {
	return report.Record{Host: host, Address: "198.18.0.2", Protocol: "tcp", Port: port, Expected: expected, Actual: actual, Verdict: v,
		Source: "p.hcl:1:1"}
}

// doc opens a whole JSON report of records, in the order given.
func doc(t *testing.T, records ...report.Record) *report.JSONReader {
	t.Helper()
	jr, err := report.OpenJSON(bytes.NewReader(reporttest.JSON(t, records...)))
	if err != nil {
		t.Fatal(err)
	}
	return jr
}

// TestDiff covers every kind of change, with chunks of about three
// results, merged two runs at a time, so that the reports are sorted on
// disk and merged back, out of report order, and with two checks of one
// port told apart by their order.
func TestDiff(t *testing.T) {
	defer func(n, runs int) { chunkBytes, maxRuns = n, runs }(chunkBytes, maxRuns)
	chunkBytes, maxRuns = 3*fromRecord(rec("mx", 25, "listening", "LISTENING", verdict.Pass)).size(), 2
	old := doc(t,
		rec("web", 443, "listening", "LISTENING", verdict.Pass),
		rec("mx", 25, "listening", "LISTENING", verdict.Pass),    // newly failing
		rec("mx", 587, "listening", "FILTERED", verdict.Fail),    // fixed
		rec("mx", 23, "blocked", "FILTERED", verdict.Pass),       // state changed
		rec("mx", 23, "not_listening", "FILTERED", verdict.Fail), // the second check of 23, fixed
		rec("mx", 8080, "listening", "LISTENING", verdict.Pass),  // expectation changed
		rec("mx", 3389, "blocked", "FILTERED", verdict.Pass),     // removed
		rec("mx", 22, "listening", "LISTENING", verdict.Pass),    // unchanged
		rec("db", 5432, "listening", "", verdict.Skipped),        // skipped, then failing
	)
	new := doc(t,
		rec("mx", 22, "listening", "LISTENING", verdict.Pass),
		rec("mx", 23, "blocked", "NOT LISTENING", verdict.Pass),
		rec("mx", 23, "not_listening", "NOT LISTENING", verdict.Pass),
		rec("mx", 25, "listening", "FILTERED", verdict.Fail),
		rec("mx", 587, "listening", "LISTENING", verdict.Pass),
		rec("mx", 8080, "blocked", "NOT LISTENING", verdict.Pass),
		rec("mx", 465, "listening", "LISTENING", verdict.Pass), // added
		rec("mx", 993, "listening", "FILTERED", verdict.Fail),  // added, failing: newly failing
		rec("web", 443, "listening", "LISTENING", verdict.Pass),
		rec("db", 5432, "listening", "ERROR", verdict.Errored),
	)
	var out bytes.Buffer
	sum, err := Run(Input{"old.json", old}, Input{"new.json", new}, &out, Text)
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{NewlyFailing: 3, Fixed: 2, ExpectationChanged: 1, StateChanged: 1, Added: 1, Removed: 1}
	if sum != want {
		t.Errorf("summary %v, want %v\n%s", sum, want, out.String())
	}
	for _, line := range []string{
		"newly failing (3):",
		"  db (198.18.0.2) tcp/5432 listening: not run skipped → ERROR error",
		"  mx (198.18.0.2) tcp/25 listening: LISTENING pass → FILTERED fail",
		"  mx (198.18.0.2) tcp/993 listening: FILTERED fail",
		"fixed (2):",
		"  mx (198.18.0.2) tcp/23 not_listening: FILTERED fail → NOT LISTENING pass",
		"expectation changed (1):",
		"  mx (198.18.0.2) tcp/8080: listening, LISTENING pass → blocked, NOT LISTENING pass",
		"state changed, still passing (1):",
		"  mx (198.18.0.2) tcp/23 blocked: FILTERED pass → NOT LISTENING pass",
		"added (1):",
		"removed (1):",
		"  mx (198.18.0.2) tcp/3389 blocked: was FILTERED pass",
		"3 newly failing, 2 fixed, 1 expectation changed, 1 state changed, still passing, 1 added, 1 removed",
	} {
		if !strings.Contains(out.String(), line+"\n") {
			t.Errorf("no line %q in\n%s", line, out.String())
		}
	}
}

// TestDiffFormats: the JSON parses and counts what the text says, and the
// Markdown has a table a kind.
func TestDiffFormats(t *testing.T) {
	records := []report.Record{rec("mx", 25, "listening", "LISTENING", verdict.Pass), rec("mx", 26, "blocked", "FILTERED", verdict.Pass)}
	changed := []report.Record{rec("mx", 25, "listening", "FILTERED", verdict.Fail), rec("mx", 27, "blocked", "FILTERED", verdict.Pass)}
	var js, md bytes.Buffer
	if _, err := Run(Input{"a.json", doc(t, records...)}, Input{"b.json", doc(t, changed...)}, &js, JSON); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Summary map[string]int
		Changes map[string][]struct {
			Host     string
			Port     int
			Old, New *struct{ Expected, Actual, Verdict string }
		}
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, js.String())
	}
	if got.Summary["newly_failing"] != 1 || got.Summary["added"] != 1 || got.Summary["removed"] != 1 ||
		len(got.Changes["newly_failing"]) != 1 || got.Changes["newly_failing"][0].New.Actual != "FILTERED" || got.Changes["added"][0].Old != nil {
		t.Errorf("JSON %+v\n%s", got, js.String())
	}
	if _, err := Run(Input{"a.json", doc(t, records...)}, Input{"b.json", doc(t, changed...)}, &md, Markdown); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Newly failing (1)", "| mx (198.18.0.2) tcp/25 | listening LISTENING pass | listening FILTERED fail |", "### Removed (1)"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("no %q in\n%s", want, md.String())
		}
	}
}

// TestDiffLarge diffs two runs of 120,000 results in chunks of about
// 10,000, merged four at a time and then the three runs that makes,
// reversed in one, to hold the external sort to the same answer.
func TestDiffLarge(t *testing.T) {
	defer func(n, runs int) { chunkBytes, maxRuns = n, runs }(chunkBytes, maxRuns)
	chunkBytes, maxRuns = 10_000*fromRecord(rec("h0", 1, "blocked", "FILTERED", verdict.Pass)).size(), 4
	const n = 120_000
	var a, b []report.Record
	for i := range n {
		host := fmt.Sprintf("h%d", i/60000)
		a = append(a, rec(host, uint16(1+i%60000), "blocked", "FILTERED", verdict.Pass))
	}
	for i := n - 1; i >= 0; i-- {
		r := a[i]
		if i%1000 == 0 {
			r.Actual, r.Verdict = "LISTENING", verdict.Fail
		}
		b = append(b, r)
	}
	var out bytes.Buffer
	sum, err := Run(Input{"a.json", doc(t, a...)}, Input{"b.json", doc(t, b...)}, &out, Text)
	if err != nil {
		t.Fatal(err)
	}
	if sum != (Summary{NewlyFailing: n / 1000}) {
		t.Errorf("summary %v", sum)
	}
}

// TestDiffRefusesHostileReports: diff reads reports as merge does, so a
// verdict more lenient than its states, or checks skipped for no cause,
// are refused naming the report and the result, and nothing is written
// (issue #19, items 11 and 5).
func TestDiffRefusesHostileReports(t *testing.T) {
	good := []report.Record{rec("mx", 25, "listening", "LISTENING", verdict.Pass)}
	for _, tc := range []struct {
		name string
		old  []report.Record
		new  []report.Record
		want string
	}{
		{"a lenient verdict", good, []report.Record{rec("mx", 25, "listening", "NOT LISTENING", verdict.Pass)},
			"new.json: result 1 (mx tcp/25): verdict pass, but expected listening and actual NOT LISTENING make it fail"},
		{"skipped for no cause", []report.Record{rec("db", 5432, "listening", "", verdict.Skipped)}, good,
			"old.json: result 1 (db tcp/5432) is skipped, yet the run was not interrupted, and no check failed to stop it"},
	} {
		var out bytes.Buffer
		_, err := Run(Input{"old.json", doc(t, tc.old...)}, Input{"new.json", doc(t, tc.new...)}, &out, Text)
		if err == nil || !strings.Contains(err.Error(), tc.want) || out.Len() > 0 {
			t.Errorf("%s: %v, %d bytes written; want %q and nothing", tc.name, err, out.Len(), tc.want)
		}
	}
}
