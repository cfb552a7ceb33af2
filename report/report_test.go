package report_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/portspec/portspec/internal/reporttest"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func feed(t *testing.T, r report.Reporter, meta report.Meta) {
	t.Helper()
	if err := r.Begin(meta); err != nil {
		t.Fatal(err)
	}
	records := reporttest.Records()
	for i := range records {
		records[i].Vantage = meta.Vantage
	}
	for _, rec := range records {
		if rec.Evidence == nil {
			continue
		}
		for _, try := range rec.Evidence.Tries {
			r.Try(report.Attempt{Host: rec.Host, Address: rec.Address, Protocol: rec.Protocol, Port: rec.Port, Try: try})
		}
	}
	r.Resolved("", "www.example.com", nil, errorString("lookup www.example.com: no such host"), 21*time.Millisecond)
	for _, o := range records {
		if err := r.Result(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.End(reporttest.Summary()); err != nil {
		t.Fatal(err)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestTextGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts report.TextOptions
	}{
		{"text", report.TextOptions{}},
		{"text_quiet", report.TextOptions{Quiet: true}},
		{"text_verbose", report.TextOptions{Verbose: true}},
		{"text_color", report.TextOptions{Color: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			feed(t, report.NewText(&b, tc.opts), reporttest.Meta())
			reporttest.Golden(t, "testdata/"+tc.name+".golden", b.Bytes(), *update)
		})
	}
}

func TestLogGolden(t *testing.T) {
	var b bytes.Buffer
	l, err := report.NewLog(&b)
	if err != nil {
		t.Fatal(err)
	}
	meta := reporttest.Meta()
	meta.Vantage = "app"
	feed(t, l, meta)
	reporttest.Golden(t, "testdata/log.golden", b.Bytes(), *update)
}

func TestJSONGolden(t *testing.T) {
	var b bytes.Buffer
	feed(t, report.NewJSON(&b), reporttest.Meta())
	reporttest.Golden(t, "testdata/json.golden", b.Bytes(), *update)

	var doc struct {
		Meta    struct{ Schema int }
		Results []struct {
			Host, Address, Protocol, Expected, Actual, Verdict, Source string
			Port                                                       int
		}
		Summary struct{ Total, Passed, Failed, Errors, Skipped, Waived int }
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("the JSON report does not parse: %v", err)
	}
	s := doc.Summary
	if doc.Meta.Schema != report.JSONSchema || len(doc.Results) != s.Total || s.Passed+s.Failed+s.Errors+s.Skipped+s.Waived != s.Total {
		t.Errorf("schema %d, %d results, summary %+v: the counts do not add up", doc.Meta.Schema, len(doc.Results), s)
	}
	if r := doc.Results[1]; r.Host != "mx" || r.Address != "198.18.0.2" || r.Port != 587 || r.Verdict != "fail" || r.Source != "mail.hcl:24:3" {
		t.Errorf("second result %+v", r)
	}
}

func TestSummaryLine(t *testing.T) {
	for _, tc := range []struct {
		s    report.Summary
		want string
	}{
		{report.Summary{Passed: 3}, "3 passed, 0 failed"},
		{report.Summary{Passed: 1, Failed: 2, Errors: 1}, "1 passed, 2 failed, 1 error"},
		{report.Summary{Failed: 1, Errors: 2, Skipped: 4}, "0 passed, 1 failed, 2 errors, 4 skipped"},
	} {
		if got := tc.s.Line(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}

func TestSummaryTook(t *testing.T) {
	for _, tc := range []struct {
		s    report.Summary
		want string
	}{
		{report.Summary{Elapsed: 1234 * time.Millisecond}, "1.23s"},
		{report.Summary{Elapsed: 41234 * time.Millisecond, ICMPWait: 38512 * time.Millisecond, ICMPWaitTargets: 1}, "41.23s (38.51s waiting for 1 target's ICMP rate limit)"},
		{report.Summary{Elapsed: 9 * time.Second, ICMPWait: 7 * time.Second, ICMPWaitTargets: 3}, "9s (7s waiting for 3 targets' ICMP rate limit)"},
	} {
		if got := tc.s.Took(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}

func TestPortQryLine(t *testing.T) {
	r := report.Record{Protocol: "udp", Port: 161, Actual: "LISTENING or FILTERED"}
	if got := report.PortQryLine(r); got != "UDP port 161 (snmp service): LISTENING or FILTERED" {
		t.Errorf("%q", got)
	}
	r = report.Record{Protocol: "tcp", Port: 49999, Actual: "NOT LISTENING"}
	if got := report.PortQryLine(r); got != "TCP port 49999 (unknown service): NOT LISTENING" {
		t.Errorf("%q", got)
	}
}

func BenchmarkJSONResult(b *testing.B) {
	outcomes := reporttest.Records()
	j := report.NewJSON(io.Discard)
	j.Begin(reporttest.Meta())
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		j.Result(outcomes[i%len(outcomes)])
	}
}

// TestJSONMatchesReference holds the hand-built JSON to encoding/json's
// encoding of the same Record: the type is the layout.
func TestJSONMatchesReference(t *testing.T) {
	records := append(reporttest.Records(), everyField())
	// Text that needs escaping, and durations that need the exponent.
	odd := records[1]
	odd.Message = "quote \" back\\slash <tag> & \x01\x7f\t\n\r caf\u00e9 \u2028 \xff end"
	odd.DurationMS = 1e-6
	records = append(records, odd, report.Record{Evidence: &report.Evidence{}})
	for i, r := range records {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := report.EncodeRecord(r); string(got) != string(want) {
			t.Errorf("record %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// everyField is a record with every field set, down to the tries.
func everyField() report.Record {
	tokens := 0.42
	icmp := &report.ICMP{Family: "icmpv6", Type: 1, Code: 4, From: "2001:db8::2", Text: "ICMPv6 1/4 (port unreachable) from 2001:db8::2"}
	start := reporttest.Start.Add(1500 * time.Microsecond)
	return report.Record{
		Host: "mx", Vantage: "app", Name: "mx.example.com", Address: "2001:db8::2", Protocol: "udp", Port: 137,
		Expected: "filtered", Actual: "NOT LISTENING", Verdict: verdict.Fail,
		Message: "expected filtered, got NOT LISTENING", Note: "a note", Error: "an error", Description: "the block",
		Profile: "mail_server", ProfileDescription: "the profile", HostDescription: "the host",
		Tags: []string{"mail", "smoke"}, Controls: []string{"PCI-DSS 1.2.1", "CIS 9.2"}, Owner: "netops", Link: "https://wiki.example.com/pci",
		Waiver: &report.Waiver{Reason: "SEC-142", Until: "2027-01-31", Expired: true}, Source: "mail.hcl:27:3",
		Order: [3]int{1, 2, 3}, Started: start, DurationMS: 1234.567,
		Evidence: &report.Evidence{Signal: "ICMP", ICMP: icmp, Probe: "NetBIOS node status request", ReplyHex: "5053",
			App: "an app", TimeoutMS: 212.5, Silence: "proven",
			Tries: []report.Try{
				{Started: start, DurationMS: 212.5, TimeoutMS: 212.5, Signal: "silence", ICMP: icmp, Error: "a try's error", Confirm: true, Tokens: &tokens, Proven: true, Source: "198.18.9.7"},
				{Started: start.Add(time.Second), DurationMS: 0.3, TimeoutMS: 212.5, Signal: "ICMP", ICMP: icmp},
			}},
		Trace: &report.Trace{Summary: "dropped after hop 1 (r1.example.net (2001:db8::fe)): hop 2 never answered",
			Hops: []report.TraceHop{
				{TTL: 1, Signal: "ICMP", ICMP: icmp, Address: "2001:db8::fe", Name: "r1.example.net", Error: "an error", RTTMS: 0.4, Proven: true, Tries: 2},
				{TTL: 2, Signal: "silence", RTTMS: 1000, Proven: true},
			},
			Ref: &report.TraceRef{Port: 22, Hop: report.TraceHop{TTL: 2, Signal: "SYN-ACK", Address: "2001:db8::2", RTTMS: 0.5}}, Incomplete: true},
		Rounds: []report.Round{
			{Round: 1, Started: start, Actual: "FILTERED", Verdict: verdict.Fail, Message: "expected filtered, got FILTERED", Evidence: "no reply"},
			{Round: 2, Started: start.Add(time.Second), Actual: "NOT LISTENING", Verdict: verdict.Fail},
		},
	}
}

// TestEveryFieldIsSet keeps everyField honest: a field added to the
// layout must be added there, or the round trip would not cover it.
func TestEveryFieldIsSet(t *testing.T) {
	r := everyField()
	for _, v := range []any{r, *r.Evidence, *r.Evidence.ICMP, r.Evidence.Tries[0], *r.Waiver, *r.Trace, r.Trace.Hops[0], *r.Trace.Ref, r.Rounds[0]} {
		rv := reflect.ValueOf(v)
		for i := range rv.NumField() {
			if rv.Field(i).IsZero() {
				t.Errorf("everyField leaves %s.%s unset", rv.Type().Name(), rv.Type().Field(i).Name)
			}
		}
	}
}

// TestRecordRoundTrip writes a record with every field set and reads it
// back: the JSON reader must give back what the writer was given.
func TestRecordRoundTrip(t *testing.T) {
	want := everyField()
	doc := string(reporttest.JSON(t, want))
	jr, err := report.OpenJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := jr.Next()
	if err != nil || !ok {
		t.Fatalf("%v, %v", ok, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, want)
	}
	if _, err := jr.End(); err != nil {
		t.Error(err)
	}
}

// TestJSONRefusesUnknownWords: a word of the layout that this portspec
// does not know is an error naming the result, never read as another.
func TestJSONRefusesUnknownWords(t *testing.T) {
	good := reporttest.Records()
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"protocol", `"protocol":"tcp"`, `"protocol":"sctp"`, `result 1 (mx sctp/25): unknown protocol "sctp"`},
		{"expected state", `"expected":"listening"`, `"expected":"open"`, `unknown expected state "open"`},
		{"actual state", `"actual":"LISTENING"`, `"actual":"OPEN"`, `unknown actual state "OPEN"`},
		{"no actual state", `"actual":"LISTENING"`, `"actual":""`, `no actual state for a pass verdict`},
		{"verdict", `"verdict":"pass"`, `"verdict":"passed"`, `result 1: unknown verdict "passed"`},
		{"evidence signal", `"evidence":{"signal":"SYN-ACK"`, `"evidence":{"signal":"SYN"`, `evidence: unknown signal "SYN"`},
		{"try signal", `"timeout_ms":212,"signal":"SYN-ACK"`, `"timeout_ms":212,"signal":"ACK"`, `evidence: try 1: unknown signal "ACK"`},
		{"silence", `"silence":"unproven"`, `"silence":"maybe"`, `result 2 (mx tcp/587): evidence: unknown silence "maybe"`},
		{"ICMP family", `"family":"icmp"`, `"family":"icmp4"`, `unknown ICMP family "icmp4"`},
		{"ICMP sender", `"from":"198.18.0.254"`, `"from":"router"`, `ICMP error from "router"`},
		{"address", `"address":"198.18.0.2"`, `"address":"mx"`, `address "mx" is not an IP address`},
		{"reply", `"reply_hex":"50538180"`, `"reply_hex":"5x"`, `reply_hex: encoding/hex`},
		{"a field of another layout", `"host":"mx"`, `"host":"mx","colour":"red"`, `result 1 (mx tcp/25): unknown key "colour"`},
		{"a number for a word", `"port":25`, `"port":"25"`, `result 1: json: cannot unmarshal string`},
		{"waiver date", `"until":"2027-01-31"`, `"until":"soon"`, `a waiver needs a reason and a date`},
		{"waived without a waiver", `"waiver":{"reason":"legacy console, replacement tracked in SEC-142","until":"2027-01-31"},`, ``, `a waived verdict without its waiver`},
	} {
		doc := string(reporttest.JSON(t, good...))
		bad := strings.Replace(doc, tc.from, tc.to, 1)
		if bad == doc {
			t.Fatalf("%s: %s is not in the report", tc.name, tc.from)
		}
		if _, err := readAll(bad); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestJSONRoundTrip writes the fixed run as JSON, reads it back, and
// writes it again: merge must lose nothing on the way.
func TestJSONRoundTrip(t *testing.T) {
	var first bytes.Buffer
	meta := reporttest.Meta()
	meta.Vantage, meta.Shard = "app", "2/3"
	feed(t, report.NewJSON(&first), meta)
	jr, err := report.OpenJSON(bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if jr.Meta.Vantage != "app" || jr.Meta.Shard != "2/3" || jr.Meta.Digest != meta.Digest || !jr.Meta.Start.Equal(meta.Start) {
		t.Errorf("meta read back as %+v", jr.Meta)
	}
	var second bytes.Buffer
	w := report.NewJSON(&second)
	back := jr.Meta
	back.Clock = meta.Clock
	w.Begin(back)
	var sum report.Summary
	for {
		r, ok, err := jr.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		sum.Add(r)
		w.Result(r)
	}
	// The summary's times are the run's, not the results': merge reckons
	// its own.
	fixed := reporttest.Summary()
	sum.Elapsed, sum.ICMPWait, sum.ICMPWaitTargets = fixed.Elapsed, fixed.ICMPWait, fixed.ICMPWaitTargets
	w.End(sum)
	if first.String() != second.String() {
		t.Errorf("the JSON changed on a round trip:\n%s\n---\n%s", first.String(), second.String())
	}
}

// readAll reads a JSON report to its end, as merge checks an input.
func readAll(doc string) (report.Tail, error) {
	_, tail, err := reporttest.ReadAll([]byte(doc))
	return tail, err
}

// TestJSONEndRefusesIncomplete: a report is whole or refused.
func TestJSONEndRefusesIncomplete(t *testing.T) {
	var buf bytes.Buffer
	feed(t, report.NewJSON(&buf), reporttest.Meta())
	whole := buf.String()
	tail, err := readAll(whole)
	if err != nil || tail.Total != 10 || tail.Interrupted {
		t.Fatalf("the whole report: %+v, %v", tail, err)
	}
	lines := strings.Split(whole, "\n")
	var noSummary []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, `"summary"`):
		case l == "],":
			noSummary = append(noSummary, "]")
		default:
			noSummary = append(noSummary, l)
		}
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"cut in a result", whole[:len(whole)/2], "the report ends early"},
		{"cut after the results", whole[:strings.Index(whole, `"summary"`)], "the report ends early"},
		{"a result taken out", strings.Join(append(lines[:3:3], lines[4:]...), "\n"), "the summary counts 10 results, but the report holds 9"},
		{"no summary", strings.Join(noSummary, "\n"), "the report has no summary"},
		{"more after the end", whole + "{}", "more follows the end of the report"},
	} {
		if _, err := readAll(tc.doc); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	interrupted := strings.Replace(whole, `"interrupted":false`, `"interrupted":true`, 1)
	if tail, err := readAll(interrupted); err != nil || !tail.Interrupted {
		t.Errorf("an interrupted run: %+v, %v", tail, err)
	}
}

// screen plays terminal output (\r, \n, erase-line, erase-below, cursor
// up) into the lines a person would see at the end.
func screen(out string) []string {
	var rows [][]rune
	row, col := 0, 0
	up := regexp.MustCompile(`^\033\[(\d+)A`)
	for i := 0; i < len(out); {
		for len(rows) <= row {
			rows = append(rows, []rune{})
		}
		cut := func() { rows[row] = rows[row][:min(col, len(rows[row]))] }
		if m := up.FindStringSubmatch(out[i:]); m != nil {
			n, _ := strconv.Atoi(m[1])
			row = max(0, row-n)
			i += len(m[0])
			continue
		}
		switch {
		case strings.HasPrefix(out[i:], "\033[K"):
			cut()
			i += 3
			continue
		case strings.HasPrefix(out[i:], "\033[J"):
			cut()
			rows = rows[:row+1]
			i += 3
			continue
		case out[i] == '\r':
			col = 0
		case out[i] == '\n':
			row, col = row+1, 0
		default:
			r, size := utf8.DecodeRuneInString(out[i:])
			for len(rows[row]) < col {
				rows[row] = append(rows[row], ' ')
			}
			if col < len(rows[row]) {
				rows[row][col] = r
			} else {
				rows[row] = append(rows[row], r)
			}
			col++
			i += size
			continue
		}
		i++
	}
	var lines []string
	for _, r := range rows {
		lines = append(lines, string(r))
	}
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	return lines
}

// TestProgressNeverStaysInTheText: the counter and the text report share
// a terminal; whatever the timing, no line of the final screen holds the
// counter, and every line of the text is whole (issue #14, item 14).
func TestProgressNeverStaysInTheText(t *testing.T) {
	tty, screenText := fakeTerminal()
	p := report.NewProgress(tty, 3)
	text := p.Guard(tty)
	p.Begin(reporttest.Meta())
	for i := range 3 {
		// The counter draws after its first second, then every 200ms.
		time.Sleep(700 * time.Millisecond)
		fmt.Fprintf(text, "  ✓ tcp/%d listening  LISTENING\n", 25+i)
	}
	p.End(reporttest.Summary())
	got := screen(screenText())
	if !strings.Contains(screenText(), "checks, 0 failed") {
		t.Fatal("the counter never drew: the test proves nothing")
	}
	want := []string{"  ✓ tcp/25 listening  LISTENING", "  ✓ tcp/26 listening  LISTENING", "  ✓ tcp/27 listening  LISTENING"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the screen shows\n%q\nwant\n%q", got, want)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// TestUnjudgedNeverPasses: an outcome with no verdict counts as an error
// in the summary, is marked failed in the text, and is an error in JUnit.
func TestUnjudgedNeverPasses(t *testing.T) {
	o := reporttest.Records()[0]
	o.Verdict = verdict.Unknown
	var s report.Summary
	s.Add(o)
	if s.Passed != 0 || s.Errors != 1 {
		t.Errorf("summary %+v: want the unjudged outcome counted as an error", s)
	}
	var text bytes.Buffer
	tr := report.NewText(&text, report.TextOptions{})
	tr.Result(o)
	tr.End(s)
	if !strings.Contains(text.String(), "✗ tcp/25") || !strings.Contains(text.String(), "0 passed, 0 failed, 1 error") {
		t.Errorf("text:\n%s", text.String())
	}
}

// TestCIAnnotations: a workflow command a failing check, escaped as the
// actions toolkit escapes, and a Code Quality document GitLab parses,
// both at the block in the spec, never at a built-in profile's file.
func TestCIAnnotations(t *testing.T) {
	records := reporttest.Records()
	odd := records[1]
	odd.Message = "100% down,\nreally: yes"
	builtin := records[1]
	builtin.Source = "builtin/web_server.hcl:9:3"
	records = append(records, odd, builtin)
	var commands bytes.Buffer
	summary := t.TempDir() + "/summary.md"
	gh, err := report.NewGitHub(&commands, summary)
	if err != nil {
		t.Fatal(err)
	}
	reporttest.Feed(t, gh, records)
	lines := strings.Split(strings.TrimSpace(commands.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d commands for 6 failing checks:\n%s", len(lines), commands.String())
	}
	for _, want := range []string{
		"::error file=mail.hcl,line=24,col=3,title=mx (198.18.0.2) tcp/587 listening::expected listening, got FILTERED (no reply to 3 tries, 212ms timeout)",
		"::error file=mail.hcl,line=24,col=3,title=mx (198.18.0.2) tcp/587 listening::100%25 down,%0Areally: yes",
		"::error title=mx (198.18.0.2) tcp/587 listening::expected listening",
	} {
		if !strings.Contains(commands.String(), want) {
			t.Errorf("no %q in\n%s", want, commands.String())
		}
	}
	var cq bytes.Buffer
	reporttest.Feed(t, report.NewCodeQuality(&cq), records)
	var issues []struct {
		Description, Fingerprint, Severity string
		Location                           struct {
			Path  string
			Lines struct{ Begin int }
		}
	}
	if err := json.Unmarshal(cq.Bytes(), &issues); err != nil || len(issues) != 6 {
		t.Fatalf("%d issues, %v:\n%s", len(issues), err, cq.String())
	}
	if i := issues[0]; i.Location.Path != "mail.hcl" || i.Location.Lines.Begin != 24 || len(i.Fingerprint) != 32 {
		t.Errorf("first issue %+v", i)
	}
	if issues[0].Fingerprint != issues[4].Fingerprint || issues[0].Fingerprint == issues[1].Fingerprint {
		t.Error("a fingerprint is not the check's identity")
	}
}

func TestHTMLGolden(t *testing.T) {
	var b bytes.Buffer
	h, err := report.NewHTML(&b)
	if err != nil {
		t.Fatal(err)
	}
	feed(t, h, reporttest.Meta())
	reporttest.Golden(t, "testdata/html.golden", b.Bytes(), *update)
}

// TestHTMLCaps: a run whose outcomes never collapse into ranges still
// gives a page a browser opens: at most htmlMaxFailures failures in detail
// and htmlMaxCells cells, each cap said on the page.
func TestHTMLCaps(t *testing.T) {
	page := htmlPage(t, func(add func(report.Record)) {
		for i := range 100_000 {
			r := report.Record{Host: "h", Address: fmt.Sprintf("198.18.%d.%d", i/25600, i/100%256), Protocol: "tcp", Port: uint16(1 + i%100),
				Expected: "blocked", Actual: "FILTERED", Verdict: verdict.Pass, Source: "big.hcl:3:3"}
			if i%2 == 1 {
				r.Actual, r.Verdict, r.Message = "LISTENING", verdict.Fail, fmt.Sprintf("expected blocked, got LISTENING (%d)", i)
			}
			add(r)
		}
	})
	if n := strings.Count(page, `<article class="failure`); n != 500 {
		t.Errorf("%d failures in detail, want 500", n)
	}
	if n := strings.Count(page, `<li class="cell`); n > 20_000 || n < 19_000 {
		t.Errorf("%d cells, want at most 20,000 and close to it", n)
	}
	for _, want := range []string{"49500 more failures are left out", "the report shows at most 20000 cells", "100 checks: 50 pass, 50 fail"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	if len(page) > 20<<20 {
		t.Errorf("the page is %d MB", len(page)>>20)
	}
	t.Logf("100,000 checks that never collapse: a %.1f MB page", float64(len(page))/(1<<20))
}

// TestHTMLFilterOptionsCapped: the filters list the first 1,000 hosts,
// tags and controls, in the order first seen and none longer than 256
// bytes, and say how many more they leave out, up to 100,000 counted;
// every check is still in the matrix. Before, every value was held and
// listed: unique tags of 200 MB of results made a page of 400 MB and held
// as much.
func TestHTMLFilterOptionsCapped(t *testing.T) {
	long := "h" + strings.Repeat("x", 256)
	page := htmlPage(t, func(add func(report.Record)) {
		for i := range 3000 {
			host := fmt.Sprintf("h%d", i)
			if i == 10 {
				host = long // not listed, and takes no place in the list
			}
			r := report.Record{Host: host, Address: "198.18.0.1", Protocol: "tcp", Port: 25, Expected: "listening", Actual: "LISTENING",
				Verdict: verdict.Pass, Source: "big.hcl:3:3", Tags: []string{fmt.Sprintf("t%d", i), "shared"}, Controls: []string{fmt.Sprintf("c%d", i%1500)}}
			add(r)
			add(r) // seen again: counted once
		}
		many := make([]string, 101_000)
		for i := range many {
			many[i] = fmt.Sprintf("many%d", i)
		}
		add(report.Record{Host: "h0", Address: "198.18.0.2", Protocol: "tcp", Port: 25, Expected: "listening", Actual: "LISTENING",
			Verdict: verdict.Pass, Source: "big.hcl:3:3", Controls: many})
	})
	options := func(id string) []string {
		_, rest, ok := strings.Cut(page, `<select id="`+id+`"><option value="">all</option>`)
		if !ok {
			t.Fatalf("no %s filter", id)
		}
		list, _, _ := strings.Cut(rest, "</select>")
		list = strings.TrimPrefix(strings.TrimSuffix(list, "</option>"), "<option>")
		return strings.Split(list, "</option><option>")
	}
	hosts, tags, controls := options("f-host"), options("f-tag"), options("f-control")
	if len(hosts) != 1000 || hosts[0] != "h0" || hosts[10] != "h11" || hosts[999] != "h1000" {
		t.Errorf("%d hosts listed, %q … %q, want h0 to h1000 without the long one", len(hosts), hosts[0], hosts[len(hosts)-1])
	}
	if len(tags) != 1000 || tags[0] != "t0" || tags[1] != "shared" || tags[999] != "t998" {
		t.Errorf("%d tags listed, %q, %q … %q", len(tags), tags[0], tags[1], tags[len(tags)-1])
	}
	if len(controls) != 1000 || controls[999] != "c999" {
		t.Errorf("%d controls listed … %q", len(controls), controls[len(controls)-1])
	}
	for _, want := range []string{
		`</select> <span class="note">and 2000 more, not listed: search for them</span></label>`, // hosts h1001 to h2999, and the long one
		`</select> <span class="note">and 2001 more, not listed: search for them</span></label>`, // tags t999 to t2999
		`</select> <span class="note">and over 100000 more, not listed: search for them</span></label>`,
		`data-host="` + long + `"`,
		`data-host="h2999"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	if n := strings.Count(page, "<tr data-host="); n != 3001 {
		t.Errorf("%d rows, want one for each of 3000 hosts, and h0's second address", n)
	}
}

// TestHTMLMillion is bench scenario P5's shape, 254 addresses × 4096
// ports, a million checks: 4 listening, 4 filtered and the rest closed an
// address, with two addresses whose listener went away. The page must stay
// a page.
func TestHTMLMillion(t *testing.T) {
	page := htmlPage(t, func(add func(report.Record)) {
		for a := 1; a <= 254; a++ {
			for p := 1; p <= 4096; p++ {
				r := report.Record{Host: "scan", Address: fmt.Sprintf("198.18.2.%d", a), Protocol: "tcp", Port: uint16(p),
					Expected: "not_listening", Actual: "NOT LISTENING", Verdict: verdict.Pass, Source: "scan.hcl:4:3"}
				switch {
				case p >= 3000 && p <= 3003:
					r.Expected, r.Actual = "listening", "LISTENING"
					if a%127 == 0 {
						r.Actual, r.Verdict, r.Message = "NOT LISTENING", verdict.Fail, "expected listening, got NOT LISTENING (RST after 120µs)"
					}
				case p >= 3004 && p <= 3007:
					r.Expected, r.Actual = "filtered", "FILTERED"
				}
				add(r)
			}
		}
	})
	if len(page) > 5<<20 {
		t.Errorf("a million checks make a %d MB page", len(page)>>20)
	}
	if !strings.Contains(page, "4096 checks: 4092 pass, 4 fail") {
		t.Error("no row says its counts")
	}
	t.Logf("a million checks (P5's shape): a %.2f MB page", float64(len(page))/(1<<20))
}

// htmlPage is the HTML report of the records each gives.
func htmlPage(t *testing.T, each func(add func(report.Record))) string {
	t.Helper()
	var b bytes.Buffer
	h, err := report.NewHTML(&b)
	if err != nil {
		t.Fatal(err)
	}
	h.Begin(reporttest.Meta())
	var sum report.Summary
	each(func(r report.Record) {
		sum.Add(r)
		if err := h.Result(r); err != nil {
			t.Fatal(err)
		}
	})
	if err := h.End(sum); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestProgressByVantage: under check --via the counter is a line for
// each vantage, counted as its results come; the reports' own results
// count for nothing there, and no line of it stays on the screen.
func TestProgressByVantage(t *testing.T) {
	tty, screenText := fakeTerminal()
	p := report.NewProgress(tty, 5)
	p.Vantages([]string{"app", "dmz"}, []int{3, 2})
	text := p.Guard(tty)
	p.Begin(reporttest.Meta())
	p.VantageResult(0, false)
	p.VantageResult(0, false)
	p.VantageResult(1, true)
	p.Result(report.Record{Verdict: verdict.Fail})
	time.Sleep(1300 * time.Millisecond)
	if got := screen(screenText()); strings.Join(got, "\n") != "app: 2/3 checks, 0 failed\ndmz: 1/2 checks, 1 failed" {
		t.Errorf("the screen shows %q", got)
	}
	fmt.Fprintf(text, "app: db (198.18.1.2)\n")
	p.End(reporttest.Summary())
	if got := screen(screenText()); strings.Join(got, "\n") != "app: db (198.18.1.2)" {
		t.Errorf("at the end the screen shows %q", got)
	}
}

// TestProgressRounds: under check --wait the counter says the round and
// how many of its checks still fail.
func TestProgressRounds(t *testing.T) {
	tty, screenText := fakeTerminal()
	p := report.NewProgress(tty, 10)
	p.Begin(reporttest.Meta())
	p.Round(3, 2)
	p.Result(report.Record{Verdict: verdict.Fail})
	time.Sleep(1300 * time.Millisecond)
	p.End(reporttest.Summary())
	if !strings.Contains(screenText(), "round 3: 1/2 checks, 1 still failing") {
		t.Errorf("the counter drew %q", screenText())
	}
}

// fakeTerminal is a terminal for the counter to draw on, from its own
// goroutine, and what it holds so far.
func fakeTerminal() (io.Writer, func() string) {
	var term bytes.Buffer
	var mu sync.Mutex
	tty := writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return term.Write(b)
	})
	return tty, func() string {
		mu.Lock()
		defer mu.Unlock()
		return term.String()
	}
}

// TestStepSummaryWriteFails: a step summary that cannot be written is the
// GitHub reporter's error, even when no check failed and only its heading
// is written (the heading's write error was dropped before).
func TestStepSummaryWriteFails(t *testing.T) {
	gh, err := report.NewGitHub(io.Discard, "/dev/full")
	if err != nil {
		t.Fatal(err)
	}
	if err := gh.Begin(reporttest.Meta()); err != nil {
		t.Fatal(err)
	}
	if err := gh.End(report.Summary{Passed: 1}); err == nil {
		t.Error("the step summary went to /dev/full without an error")
	}
}

// TestInWorkspace: annotations name a spec file relative to the CI
// workspace when it lies inside it, and leave it as it is otherwise.
func TestInWorkspace(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, workspace, want string }{
		{"/repo/policy/mail.hcl", "/repo", "policy/mail.hcl"},
		{"/repo/policy/mail.hcl", "/repo/", "policy/mail.hcl"},
		{"/elsewhere/mail.hcl", "/repo", "/elsewhere/mail.hcl"},
		{"/repository/mail.hcl", "/repo", "/repository/mail.hcl"},
		{"../mail.hcl", "", "../mail.hcl"},
		{"policy/mail.hcl", filepath.Dir(cwd), filepath.Base(cwd) + "/policy/mail.hcl"},
		{"../mail.hcl", cwd, "../mail.hcl"},
	} {
		if got := report.InWorkspace(tc.file, tc.workspace); got != tc.want {
			t.Errorf("InWorkspace(%q, %q) = %q, want %q", tc.file, tc.workspace, got, tc.want)
		}
	}
	// A working directory reached through a link into the workspace.
	ws := t.TempDir()
	if err := os.MkdirAll(filepath.Join(ws, "policy"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, "policy", "mail.hcl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "checkout")
	if err := os.Symlink(ws, link); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(link, "policy"))
	if got := report.InWorkspace("mail.hcl", ws); got != "policy/mail.hcl" {
		t.Errorf("through a link into the workspace: %q, want policy/mail.hcl", got)
	}
}
