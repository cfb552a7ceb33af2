package report_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/reporttest"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func feed(t *testing.T, r report.Reporter, meta report.Meta) {
	t.Helper()
	if err := r.Begin(meta); err != nil {
		t.Fatal(err)
	}
	outcomes := reporttest.Outcomes()
	for _, o := range outcomes {
		for _, try := range o.Evidence.Tries {
			r.Try(o.Check, try)
		}
	}
	r.Resolved("www.example.com", nil, errorString("lookup www.example.com: no such host"), 21*time.Millisecond)
	for _, o := range outcomes {
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
		Summary struct{ Total, Passed, Failed, Errors, Skipped int }
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("the JSON report does not parse: %v", err)
	}
	s := doc.Summary
	if doc.Meta.Schema != report.JSONSchema || len(doc.Results) != s.Total || s.Passed+s.Failed+s.Errors+s.Skipped != s.Total {
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

func TestPortQryLine(t *testing.T) {
	r := runner.Result{Check: spec.Check{Protocol: spec.UDP, Port: 161}, Status: runner.ListeningOrFiltered}
	if got := report.PortQryLine(r); got != "UDP port 161 (snmp service): LISTENING or FILTERED" {
		t.Errorf("%q", got)
	}
	r = runner.Result{Check: spec.Check{Protocol: spec.TCP, Port: 49999}, Status: runner.NotListening}
	if got := report.PortQryLine(r); got != "TCP port 49999 (unknown service): NOT LISTENING" {
		t.Errorf("%q", got)
	}
}
