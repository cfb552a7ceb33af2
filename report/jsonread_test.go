package report_test

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/reporttest"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// readWith reads a JSON report to its end within opts, as merge checks
// an input, and says how many of its bytes it read.
func readWith(doc string, opts report.ReadOptions) (read int, err error) {
	src := &countingReader{r: strings.NewReader(doc)}
	jr, err := report.OpenJSONWith(src, opts)
	if err != nil {
		return src.n, err
	}
	for {
		_, ok, err := jr.Next()
		if err != nil {
			return src.n, err
		}
		if !ok {
			_, err := jr.End()
			return src.n, err
		}
	}
}

// TestJSONReadIsBounded: a field larger than --max-record-size is refused,
// naming the result (or the meta, or the summary) and the flag, after
// reading little more than the limit of it: a 300 MB field costs a read of
// 1 MiB, not 300 MB of memory (issue #19, item 9).
func TestJSONReadIsBounded(t *testing.T) {
	const limit = 1 << 20
	big := strings.Repeat("x", 5<<20)
	records := reporttest.Records()
	whole := string(reporttest.JSON(t, records...))
	withMessage := func(i int, message string) string {
		rs := reporttest.Records()
		rs[i].Message = message
		return string(reporttest.JSON(t, rs...))
	}
	bigResult := withMessage(1, big)
	second := strings.Index(bigResult, `{"host":"mx","address":"198.18.0.2","protocol":"tcp","port":587,`)
	for _, tc := range []struct{ name, doc, want string }{
		{"a result", bigResult, fmt.Sprintf("result 2 (at byte %d) ", second)},
		{"the meta", strings.Replace(whole, `"hostname":"ci-runner-1"`, `"hostname":"`+big+`"`, 1), "the meta (at byte "},
		{"the summary", strings.Replace(whole, `"interrupted":false`, `"interrupted":false,"x":"`+big+`"`, 1), "the summary (at byte "},
	} {
		read, err := readWith(tc.doc, report.ReadOptions{MaxRecordSize: limit})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "is larger than 1048576 bytes") ||
			!strings.Contains(err.Error(), "--max-record-size raises the limit") {
			t.Errorf("%s: %v, want %q, the limit and the flag", tc.name, err, tc.want)
		}
		if read > 2*limit {
			t.Errorf("%s: read %d bytes of a %d-byte report to refuse a field larger than %d", tc.name, read, len(tc.doc), limit)
		}
	}

	// Below the limit, the default's included, a result is read; the
	// limit can be raised.
	if _, err := readWith(withMessage(1, big[:900<<10]), report.ReadOptions{}); err != nil {
		t.Errorf("a 900 KB result under the default limit: %v", err)
	}
	if _, err := readWith(withMessage(1, big), report.ReadOptions{MaxRecordSize: 6 << 20}); err != nil {
		t.Errorf("a 5 MB result under a 6 MiB limit: %v", err)
	}
}

// TestJSONHoldsEscapedWithinLimit: a result, or a meta, within
// --max-record-size as read but not once escaped (a DEL byte becomes the
// four of "\x7f"), or held (a list of one-byte tags takes a string's
// words for each), is refused, naming it, the limit and the flag: the
// limit bounds what merge and diff hold, not only what they read.
func TestJSONHoldsEscapedWithinLimit(t *testing.T) {
	const limit = 1 << 20
	dels := strings.Repeat("\x7f", 300<<10)
	withMessage := func(message string) string {
		rs := reporttest.Records()
		rs[1].Message = message
		return string(reporttest.JSON(t, rs...))
	}
	withTags := func(n int) string {
		rs := reporttest.Records()
		rs[1].Tags = make([]string, n)
		for i := range rs[1].Tags {
			rs[1].Tags[i] = "t"
		}
		return string(reporttest.JSON(t, rs...))
	}
	whole := string(reporttest.JSON(t, reporttest.Records()...))
	for _, tc := range []struct{ name, doc, want string }{
		{"a result's DEL bytes", withMessage(dels), "result 2 (mx tcp/587) takes 12"},
		{"a result's one-byte tags", withTags(200_000), "result 2 (mx tcp/587) takes 3"},
		{"the meta's DEL bytes", strings.Replace(whole, `"hostname":"ci-runner-1"`, `"hostname":"`+dels+`"`, 1), "the meta takes 12"},
	} {
		if len(tc.doc) > limit+64<<10 {
			t.Fatalf("%s: a report of %d bytes does not test what is held", tc.name, len(tc.doc))
		}
		_, err := readWith(tc.doc, report.ReadOptions{MaxRecordSize: limit})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bytes of memory once read and escaped") ||
			!strings.Contains(err.Error(), "more than 1048576") || !strings.Contains(err.Error(), "--max-record-size raises the limit") {
			t.Errorf("%s: %v, want %q, the limit and the flag", tc.name, err, tc.want)
		}
		if _, err := readWith(tc.doc, report.ReadOptions{MaxRecordSize: 8 << 20}); err != nil {
			t.Errorf("%s, under a limit of 8 MiB: %v", tc.name, err)
		}
	}
	// A report portspec wrote holds its text escaped already: read back,
	// it takes no more than it did.
	rs := reporttest.Records()
	rs[1].Message = strings.Repeat("x", 900<<10)
	if _, err := readWith(string(reporttest.JSON(t, rs...)), report.ReadOptions{MaxRecordSize: limit}); err != nil {
		t.Errorf("a 900 KB message under the default limit: %v", err)
	}
}

// TestJSONRefusesUnknownTopKeys: a key the report's object does not have
// is an error naming it, wherever it stands, never skipped; a long one is
// quoted cut, after reading a little of it (issue #19, item 9).
func TestJSONRefusesUnknownTopKeys(t *testing.T) {
	whole := string(reporttest.JSON(t, reporttest.Records()...))
	long := strings.Repeat("k", 5<<20)
	for _, tc := range []struct{ name, doc, want string }{
		{"before the meta", strings.Replace(whole, `"meta":`, `"colour":"red","meta":`, 1), `unknown key "colour" at the top of the report`},
		{"after the meta", strings.Replace(whole, `"results":`, `"colour":[1,2],"results":`, 1), `unknown key "colour" at the top of the report`},
		{"after the results", strings.Replace(whole, `"summary":`, `"colour":{},"summary":`, 1), `unknown key "colour" at the top of the report`},
		{"after the summary", strings.Replace(whole, "}\n}\n", "},\"colour\":null}\n", 1), `where the end of the report must be`},
		{"a long one", strings.Replace(whole, `"meta":`, `"`+long+`":1,"meta":`, 1), `unknown key "` + long[:64] + `"… at the top of the report`},
		{"the meta twice", strings.Replace(whole, `"results":`, `"meta":{},"results":`, 1), `"meta" where its results must be`},
	} {
		read, err := readWith(tc.doc, report.ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("%s: an error of %d bytes", tc.name, len(err.Error()))
		}
		if read > 1<<20 {
			t.Errorf("%s: read %d bytes to refuse a key", tc.name, read)
		}
	}
}

// TestJSONReadsAcrossItsBuffer: the reader takes a report
// report.SourceBuffer bytes at a time; a key or a result split between two
// reads is read whole.
func TestJSONReadsAcrossItsBuffer(t *testing.T) {
	base := reporttest.Records()
	records := make([]report.Record, 12)
	for i := range records {
		records[i] = base[i%(len(base)-1)]
		records[i].Order = [3]int{i, 0, 0}
	}
	doc := string(reporttest.JSON(t, records...))
	at := strings.Index(doc, `"summary"`)
	if at > report.SourceBuffer-8 {
		t.Fatalf("the summary starts at byte %d, past the first read", at)
	}
	for shift := range 12 {
		padded := doc[:at] + strings.Repeat(" ", report.SourceBuffer-8+shift-at) + doc[at:]
		if _, err := readAll(padded); err != nil {
			t.Errorf("the summary's key %d bytes into the second read: %v", shift-8, err)
		}
	}
}

// TestJSONErrorsQuoteLittle: an error quotes a file's text escaped, and
// at most a line of it, whichever field it is in.
func TestJSONErrorsQuoteLittle(t *testing.T) {
	whole := string(reporttest.JSON(t, reporttest.Records()...))
	long := strings.Repeat(`\u001b[2J\n::x`, 20000) // 200 KB of JSON escapes
	for _, tc := range []struct{ name, from, to, want string }{
		{"a verdict", `"verdict":"pass"`, `"verdict":"` + long + `"`, `result 1: unknown verdict "\x1b[2J\n::x`},
		{"a time", `"started":"2026-11-26T12:00:00.001Z"`, `"started":"` + long + `"`, `result 1: parsing time "`},
		{"the meta's time", `"started":"2026-11-26T12:00:00Z"`, `"started":"` + long + `"`, `reading meta: parsing time "`},
		{"a protocol", `"protocol":"tcp"`, `"protocol":"` + long + `"`, `unknown protocol "\x1b[2J\n::x`},
		{"a host", `"host":"mx"`, `"host":"` + long + `","protocol":"sctp"`, `result 1 (\x1b[2J\n::x`},
	} {
		bad := strings.Replace(whole, tc.from, tc.to, 1)
		if bad == whole {
			t.Fatalf("%s: %s is not in the report", tc.name, tc.from)
		}
		_, err := readAll(bad)
		switch {
		case err == nil || !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: %.300v, want %q", tc.name, err, tc.want)
		case len(err.Error()) > 400 || strings.ContainsAny(err.Error(), "\x1b\n"):
			t.Errorf("%s: an error of %d bytes, or with a raw control: %.300q", tc.name, len(err.Error()), err)
		}
	}
}

// TestJSONKeysAreExact: encoding/json reads a key in any case, and the
// last of two for one field: {"verdict":"fail","Verdict":"pass"} read as
// a pass where jq and Python read a failure. Every key must now be its
// field's exact name, once an object, in a result, its meta and its
// summary, at any depth (issue #19, item 11).
func TestJSONKeysAreExact(t *testing.T) {
	whole := string(reporttest.JSON(t, reporttest.Records()...))
	for _, tc := range []struct{ name, from, to, want string }{
		{"a case twin", `"verdict":"fail"`, `"verdict":"fail","Verdict":"pass"`, `result 2 (mx tcp/587): the key "Verdict" is not "verdict": keys are the fields' exact names`},
		{"another case alone", `"verdict":"fail"`, `"Verdict":"pass"`, `result 2 (mx tcp/587): the key "Verdict" is not "verdict"`},
		{"a twin", `"verdict":"fail"`, `"verdict":"fail","verdict":"pass"`, `result 2 (mx tcp/587): the key "verdict" twice`},
		{"a twin spelt with an escape", `"verdict":"fail"`, `"verdict":"fail","\u0076erdict":"pass"`, `result 2 (mx tcp/587): the key "verdict" twice`},
		{"a long s, which encoding/json folds to s", `"source":"mail.hcl:24:3"`, `"ſource":"mail.hcl:24:3"`, `result 2 (mx tcp/587): the key "ſource" is not "source"`},
		{"a Kelvin sign, which folds to k", `"tokens":0`, "\"to\u212aens\":0", "result 2 (mx tcp/587): evidence.tries[0]: the key \"to\u212aens\" is not \"tokens\""},
		{"deep in a try", `"duration_ms":212,"timeout_ms":212,"signal":"silence","tokens":0},{"started"`, `"duration_ms":212,"timeout_ms":212,"signal":"silence","tokens":0,"SIGNAL":"reply"},{"started"`, `result 2 (mx tcp/587): evidence.tries[0]: the key "SIGNAL" is not "signal"`},
		{"unknown deep in a try", `"tokens":0}`, `"tokens":0,"colour":{"a":[1]}}`, `result 2 (mx tcp/587): evidence.tries[0]: unknown key "colour"`},
		{"a longer order", `"order":[0,0,1]`, `"order":[0,0,1,7]`, `result 2 (mx tcp/587): order: 4 elements, not 3`},
		{"a shorter order", `"order":[0,0,1]`, `"order":[0,0]`, `result 2 (mx tcp/587): order: 2 elements, not 3`},
		{"in the meta", `"hostname":"ci-runner-1"`, `"hostname":"ci-runner-1","Hostname":"x"`, `reading meta: the key "Hostname" is not "hostname"`},
		{"in the meta's spec", `"digest":"sha256:0123456789abcdef"`, `"digest":"sha256:0123456789abcdef","digest":"sha256:0"`, `reading meta: spec: the key "digest" twice`},
		{"unknown in the meta", `"hostname":"ci-runner-1"`, `"hostname":"ci-runner-1","colour":1`, `reading meta: unknown key "colour"`},
		{"in the summary", `"interrupted":false`, `"interrupted":true,"Interrupted":false`, `the summary: the key "Interrupted" is not "interrupted"`},
		{"unknown in the summary", `"interrupted":false`, `"interrupted":false,"colour":1`, `the summary: unknown key "colour"`},
	} {
		bad := strings.Replace(whole, tc.from, tc.to, 1)
		if bad == whole {
			t.Fatalf("%s: %s is not in the report", tc.name, tc.from)
		}
		if _, err := readAll(bad); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// A key spelt with an escape is the key it spells, as for any reader.
	escaped := strings.Replace(whole, `"verdict":"fail"`, `"\u0076erdict":"fail"`, 1)
	if records, _, err := reporttest.ReadAll([]byte(escaped)); err != nil || records[1].Verdict.String() != "fail" {
		t.Errorf("a key spelt with an escape: %v", err)
	}
}

// TestJSONVerdictsAreJudgedAgain: each result's verdict is judged again
// from its expected and actual states and its waiver, on the day the run
// started (or --today). A stored verdict may be stricter than that, since
// a record lacks facts that only ever make a verdict stricter (a banner,
// an owner, check --wait's flaps, a later day); never more lenient
// (issue #19, item 11).
func TestJSONVerdictsAreJudgedAgain(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	holding := &report.Waiver{Reason: "SEC-142", Until: "2027-01-31"}
	expired := &report.Waiver{Reason: "SEC-142", Until: "2026-11-25"} // the run started on 2026-11-26
	for _, tc := range []struct {
		name    string
		index   int // of reporttest.Records
		change  func(r *report.Record)
		today   time.Time
		refused string // "" when the record is read
	}{
		// More lenient than the states: refused.
		{name: "a failure read as a pass", index: 1, change: func(r *report.Record) { r.Verdict = verdict.Pass },
			refused: "result 2 (mx tcp/587): verdict pass, but expected listening and actual FILTERED make it fail: a verdict may be stricter than its states, never more lenient"},
		{name: "NOT LISTENING read as listening's pass", index: 1, change: func(r *report.Record) { r.Actual, r.Verdict = "NOT LISTENING", verdict.Pass },
			refused: "verdict pass, but expected listening and actual NOT LISTENING make it fail"},
		{name: "an error read as a pass", index: 8, change: func(r *report.Record) { r.Verdict = verdict.Pass },
			refused: "result 9 (www tcp/443): verdict pass, but expected listening and actual ERROR make it error"},
		{name: "an error waived", index: 8, change: func(r *report.Record) { r.Verdict, r.Waiver = verdict.Waived, holding },
			refused: "verdict waived, but expected listening and actual ERROR make it error"},
		{name: "an expired waiver read as waived", index: 7, change: func(r *report.Record) { r.Waiver = expired },
			refused: "result 8 (mx tcp/23): verdict waived, under a waiver that held through 2026-11-25, and waivers are judged on 2026-11-26"},
		{name: "a waiver marked expired read as waived", index: 7, change: func(r *report.Record) { r.Waiver.Expired = true },
			refused: "verdict waived, under a waiver it marks expired"},
		{name: "a pass read as waived under an expired waiver", index: 0, change: func(r *report.Record) { r.Verdict, r.Waiver = verdict.Waived, expired },
			refused: "result 1 (mx tcp/25): verdict waived, under a waiver that held through 2026-11-25"},
		{name: "a check that ran read as skipped", index: 2, change: func(r *report.Record) { r.Verdict = verdict.Skipped },
			refused: "result 3 (mx tcp/22): verdict skipped, yet it found LISTENING"},

		// As the states make it: read.
		{name: "a failure under a waiver that holds", index: 1, change: func(r *report.Record) { r.Verdict, r.Waiver = verdict.Waived, holding }},
		{name: "an expired waiver judged on --today", index: 7, change: func(r *report.Record) { r.Waiver = expired }, today: day("2026-11-25")},
		// Stricter than the states, as facts the record lacks make it: read.
		{name: "a banner or an owner that fails a LISTENING port", index: 0, change: func(r *report.Record) { r.Verdict = verdict.Fail }},
		{name: "a listener's owner that could not be seen", index: 0, change: func(r *report.Record) { r.Verdict = verdict.Errored }},
		{name: "a banner's failure waived", index: 0, change: func(r *report.Record) { r.Verdict, r.Waiver = verdict.Waived, holding }},
		{name: "a flap under --wait", index: 3, change: func(r *report.Record) { r.Verdict = verdict.Fail }},
		{name: "an error that flapped", index: 8, change: func(r *report.Record) { r.Verdict = verdict.Fail }},
		{name: "a waiver judged again on a later day under --wait", index: 7, change: func(r *report.Record) { r.Verdict = verdict.Fail }},
	} {
		records := reporttest.Records()
		tc.change(&records[tc.index])
		_, err := readWith(string(reporttest.JSON(t, records...)), report.ReadOptions{Today: tc.today})
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("%s: %v, want it read", tc.name, err)
		case tc.refused != "" && (err == nil || !strings.Contains(err.Error(), tc.refused)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.refused)
		}
	}
}

// TestJSONSkippedNeedsACause: a check is skipped when its run was
// interrupted or stopped at a failure (--fail-fast), and a skipped check
// is no failure: a report whose checks are skipped for neither is
// refused, as a way to pass a run by running nothing (issue #19, item 11).
func TestJSONSkippedNeedsACause(t *testing.T) {
	records := reporttest.Records()
	var passing []report.Record
	for _, r := range records {
		if !r.Verdict.Failing() {
			passing = append(passing, r)
		}
	}
	doc := string(reporttest.JSON(t, passing...))
	if _, err := readAll(doc); err == nil || !strings.Contains(err.Error(), "result 6 (db tcp/5432) is skipped, yet the run was not interrupted, and no check failed to stop it (--fail-fast)") {
		t.Errorf("skipped without a cause: %v", err)
	}
	if _, err := readAll(strings.Replace(doc, `"interrupted":false`, `"interrupted":true`, 1)); err != nil {
		t.Errorf("skipped in an interrupted run: %v", err)
	}
	if _, err := readAll(string(reporttest.JSON(t, records...))); err != nil {
		t.Errorf("skipped after a failure, as --fail-fast does: %v", err)
	}
}

// TestJSONTimesArePlausible: a duration is from 0 to a day, and a
// result's times lie within its run, from the meta's start to the end the
// summary's elapsed_ms gives, give or take a minute of clock. A duration
// of 1.7e308 ms became a JUnit time of -9223372036.855 (issue #19, item
// 14).
func TestJSONTimesArePlausible(t *testing.T) {
	year9999 := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		change func(r *report.Record)
		want   string
	}{
		{"a negative duration", func(r *report.Record) { r.DurationMS = -5 },
			"result 2 (mx tcp/587): duration_ms -5 is not a duration: it is from 0 to 86400000 (a day)"},
		{"a duration that overflows", func(r *report.Record) { r.DurationMS = 1.7e308 }, "duration_ms 1.7e+308 is not a duration"},
		{"more than a day", func(r *report.Record) { r.DurationMS = 86400001 }, "duration_ms 8.6400001e+07 is not a duration"},
		{"a try's duration", func(r *report.Record) { r.Evidence.Tries[1].DurationMS = -0.5 }, "evidence: try 2: duration_ms -0.5 is not a duration"},
		{"a try's timeout", func(r *report.Record) { r.Evidence.Tries[0].TimeoutMS = 1e300 }, "evidence: try 1: timeout_ms 1e+300 is not a duration"},
		{"the evidence's timeout", func(r *report.Record) { r.Evidence.TimeoutMS = -1 }, "evidence: timeout_ms -1 is not a duration"},
		{"a hop's round trip", func(r *report.Record) {
			r.Trace = &report.Trace{Summary: "dropped after hop 1", Hops: []report.TraceHop{{TTL: 1, Signal: "silence", RTTMS: 1e308}}}
		}, "trace: hop 1: rtt_ms 1e+308 is not a duration"},
		{"a start in the year 9999", func(r *report.Record) { r.Started = year9999 },
			"result 2 (mx tcp/587): started 9999-01-01T00:00:00Z is not within its run, which started at 2026-11-26T12:00:00Z"},
		{"a start before the run", func(r *report.Record) { r.Started = reporttest.Start.Add(-2 * time.Minute) }, "started 2026-11-26T11:58:00Z is not within its run"},
		{"a try in the year 9999", func(r *report.Record) { r.Evidence.Tries[2].Started = year9999 }, "evidence: try 3: started 9999-01-01T00:00:00Z is not within its run"},
		{"a round in the year 9999", func(r *report.Record) {
			r.Rounds = []report.Round{{Round: 1, Started: year9999, Actual: "FILTERED", Verdict: verdict.Fail}}
		}, "round 1: started 9999-01-01T00:00:00Z is not within its run"},
		{"an end after the run's", func(r *report.Record) { r.Started = reporttest.Start.Add(time.Hour) },
			"result 2 (mx tcp/587) ends at 2026-11-26T13:00:00.64Z, after its run ended at 2026-11-26T12:00:01.234Z (its start and the summary's elapsed_ms)"},
	} {
		records := reporttest.Records()
		tc.change(&records[1])
		if _, err := readAll(timedRun(t, records)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	whole := timedRun(t, reporttest.Records())
	for _, tc := range []struct{ name, from, to, want string }{
		{"a negative elapsed time", `"elapsed_ms":1234`, `"elapsed_ms":-1`, "the summary: elapsed_ms -1 is not a run's time"},
		{"an elapsed time that overflows", `"elapsed_ms":1234`, `"elapsed_ms":1.7e308`, "the summary: elapsed_ms 1.7e+308 is not a run's time"},
		{"an ICMP wait longer than the run", `"icmp_wait_ms":603`, `"icmp_wait_ms":5000`, "the summary: icmp_wait_ms 5000 is not within elapsed_ms 1234"},
	} {
		bad := strings.Replace(whole, tc.from, tc.to, 1)
		if bad == whole {
			t.Fatalf("%s: %s is not in the report", tc.name, tc.from)
		}
		if _, err := readAll(bad); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// A minute of clock either way is a run's.
	records := reporttest.Records()
	records[1].Started = reporttest.Start.Add(-59 * time.Second)
	records[2].Started = reporttest.Start.Add(1234*time.Millisecond + time.Minute - time.Millisecond)
	if tail, err := readAll(timedRun(t, records)); err != nil || tail.Elapsed != 1234*time.Millisecond {
		t.Errorf("times within a minute of the run: %+v, %v", tail, err)
	}
}

// timedRun is the JSON report of records in the fixed run, which took
// 1.234 s from reporttest.Start.
func timedRun(t *testing.T, records []report.Record) string {
	var b bytes.Buffer
	j := report.NewJSON(&b)
	j.Begin(reporttest.Meta())
	for _, r := range records {
		j.Result(r)
	}
	if err := j.End(reporttest.Summary()); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// FuzzJSONReader: whatever a file holds, the reader returns or refuses
// it, within its limit, and never panics; what it returns is escaped.
func FuzzJSONReader(f *testing.F) {
	f.Add(reporttest.JSON(f, reporttest.Records()...))
	f.Add([]byte(`{"meta":{"schema":4,"spec":{"digest":"d"}},"results":[{"order":[0,[{"a":[}]]}],"summary":{}}`))
	f.Add([]byte(`{"meta":{"schema":4,"spec":{"digest":"d","Digest":"e"}},"results":[],"summary":{"total":0}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		jr, err := report.OpenJSONWith(bytes.NewReader(doc), report.ReadOptions{MaxRecordSize: 4096})
		if err != nil {
			return
		}
		for {
			r, ok, err := jr.Next()
			if err != nil || !ok {
				break
			}
			for _, raw := range rawStrings(reflect.ValueOf(r), "Record") {
				t.Errorf("a result read back unescaped: %s", raw)
			}
		}
		jr.End()
	})
}

// BenchmarkJSONRead reads a report of 100,000 results back, as merge and
// diff do: the reader must stay fast for runs of a million checks.
func BenchmarkJSONRead(b *testing.B) {
	base := reporttest.Records()
	records := make([]report.Record, 100_000)
	for i := range records {
		records[i] = base[i%(len(base)-1)]
		records[i].Order = [3]int{i / 1000, 0, i % 1000}
	}
	doc := reporttest.JSON(b, records...)
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	for range b.N {
		jr, err := report.OpenJSON(bytes.NewReader(doc))
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, ok, err := jr.Next()
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				break
			}
		}
		if _, err := jr.End(); err != nil {
			b.Fatal(err)
		}
	}
}
