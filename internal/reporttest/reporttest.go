// Package reporttest builds a fixed run, with every kind of outcome and a
// fixed clock and hostname, for the reporters' golden-file tests.
package reporttest

import (
	"bytes"
	"errors"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/internal/golden"
	"github.com/portspec/portspec/internal/plan"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

// Start is the fixed start of the run.
var Start = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// Meta is the run's fixed metadata.
func Meta() report.Meta {
	return report.Meta{
		Version: "v0.0.0-test", Hostname: "ci-runner-1",
		Command: []string{"portspec", "check", "--junit", "out/junit.xml", "mail.hcl"},
		Files:   []string{"mail.hcl"}, Digest: "sha256:0123456789abcdef", Start: Start,
		Clock: func() time.Time { return Start.Add(5 * time.Millisecond) },
	}
}

// Summary is the summary of Records.
func Summary() report.Summary {
	var s report.Summary
	for _, r := range Records() {
		s.Add(r)
	}
	s.Elapsed = 1234 * time.Millisecond
	// udp/137's confirmation waited for the target's budget.
	s.ICMPWait, s.ICMPWaitTargets = 603*time.Millisecond, 1
	return s
}

func block(proto spec.Protocol, state spec.State, line int) *spec.Expectation {
	return &spec.Expectation{Protocol: proto, State: state, DeclRange: hcl.Range{Filename: "mail.hcl", Start: hcl.Pos{Line: line, Column: 3}}}
}

// Records has one of each verdict and of each signal worth showing: spec
// checks and runner results, judged and flattened by plan as a run does.
func Records() []report.Record {
	mail := &spec.Profile{Name: "mail_server", Description: "what every mail server offers"}
	mx := &spec.Host{Name: "mx", Description: "the inbound relay", Profiles: []*spec.Profile{mail}, Tags: []string{"mail"}}
	www := &spec.Host{Name: "www"}
	db := &spec.Host{Name: "db"}
	mxAddr := netip.MustParseAddr("198.18.0.2")
	at := func(ms int) time.Time { return Start.Add(time.Duration(ms) * time.Millisecond) }
	try := func(ms int, took time.Duration, sig runner.Signal) runner.Try {
		return runner.Try{Start: at(ms), Duration: took, Timeout: 212 * time.Millisecond, Signal: sig}
	}
	// A confirmation try, sent once the model believed in a whole token
	// of the target's ICMP budget, whose silence that proves.
	confirmation := func(ms int, took time.Duration) runner.Try {
		t := try(ms, took, runner.Silence)
		t.Confirm, t.Tokens, t.Proven = true, 1, true
		return t
	}
	banner := block(spec.TCP, spec.Listening, 20)
	banner.Banner = regexp.MustCompile("^220 ")
	// A compliance control, and a waiver the run is within.
	waived := block(spec.TCP, spec.Blocked, 14)
	waived.Metadata = spec.Metadata{Controls: []string{"PCI-DSS 1.2.1"}, Owner: "netops", Link: "https://wiki.example.com/pci/1.2.1"}
	waived.Waiver = &spec.Waiver{Reason: "legacy console, replacement tracked in SEC-142", Until: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}
	fromProfile := block(spec.TCP, spec.NotListening, 30)
	fromProfile.Profile = mail.Name
	described := block(spec.TCP, spec.Listening, 24)
	described.Description = "submission for the mail clients"
	type result struct {
		Check spec.Check
		runner.Result
	}
	results := []result{
		{Check: spec.Check{Host: mx, Addr: mxAddr, Protocol: spec.TCP, Port: 25, Expect: banner}, Result: runner.Result{
			Status: verdict.Listening, Start: at(1), Duration: 800 * time.Microsecond,
			Evidence: runner.Evidence{Signal: runner.SynAck, Reply: []byte("220 mx ESMTP\r\n"), Timeout: time.Second,
				Tries: []runner.Try{try(1, 300*time.Microsecond, runner.SynAck)}}}},
		{Check: spec.Check{Host: mx, Addr: mxAddr, Protocol: spec.TCP, Port: 587, Expect: described}, Result: runner.Result{
			Status: verdict.Filtered, Start: at(1), Duration: 640 * time.Millisecond,
			Evidence: runner.Evidence{Signal: runner.Silence, Timeout: 212 * time.Millisecond, Silence: runner.SilenceUnproven,
				Tries: []runner.Try{try(1, 212*time.Millisecond, runner.Silence), try(213, 212*time.Millisecond, runner.Silence), try(425, 212*time.Millisecond, runner.Silence)}}}},
		{Check: spec.Check{Host: mx, Addr: mxAddr, Protocol: spec.TCP, Port: 22, Expect: fromProfile}, Result: runner.Result{
			Status: verdict.Listening, Start: at(2), Duration: 400 * time.Microsecond,
			Evidence: runner.Evidence{Signal: runner.SynAck, Timeout: time.Second, Tries: []runner.Try{try(2, 350*time.Microsecond, runner.SynAck)}}}},
		{Check: spec.Check{Host: mx, Addr: mxAddr, Protocol: spec.TCP, Port: 3389, Expect: block(spec.TCP, spec.Blocked, 12)}, Result: runner.Result{
			Status: verdict.Filtered, Start: at(2), Duration: 500 * time.Microsecond,
			Evidence: runner.Evidence{Signal: runner.ICMP, Timeout: time.Second,
				ICMP:  &runner.ICMPError{Type: 3, Code: 13, From: netip.MustParseAddr("198.18.0.254")},
				Tries: []runner.Try{{Start: at(2), Duration: 450 * time.Microsecond, Timeout: time.Second, Signal: runner.ICMP, ICMP: &runner.ICMPError{Type: 3, Code: 13, From: netip.MustParseAddr("198.18.0.254")}}}}}},
		{Check: spec.Check{Host: mx, Addr: mxAddr, Protocol: spec.UDP, Port: 53, Expect: block(spec.UDP, spec.Listening, 26)}, Result: runner.Result{
			Status: verdict.Listening, Start: at(3), Duration: 1200 * time.Microsecond,
			Evidence: runner.Evidence{Signal: runner.Reply, Probe: "DNS query", App: "DNS reply, rcode NOERROR, 13 answers", Reply: []byte{0x50, 0x53, 0x81, 0x80}, Timeout: time.Second,
				Tries: []runner.Try{try(3, 1100*time.Microsecond, runner.Reply)}}}},
		{Check: spec.Check{Host: mx, Addr: mxAddr, Protocol: spec.UDP, Port: 137, Expect: block(spec.UDP, spec.Filtered, 27)}, Result: runner.Result{
			Status: verdict.ListeningOrFiltered, Start: at(3), Duration: 1240 * time.Millisecond,
			Evidence: runner.Evidence{Signal: runner.Silence, Probe: "NetBIOS node status request", Timeout: 212 * time.Millisecond, Silence: runner.SilenceProven,
				Tries: []runner.Try{try(3, 212*time.Millisecond, runner.Silence), try(215, 212*time.Millisecond, runner.Silence), confirmation(1030, 212*time.Millisecond)}}}},
		{Check: spec.Check{Host: mx, Addr: mxAddr, Protocol: spec.UDP, Port: 161, Expect: block(spec.UDP, spec.Listening, 28)}, Result: runner.Result{
			Status: verdict.ListeningOrFiltered, Start: at(4), Duration: 425 * time.Millisecond,
			Evidence: runner.Evidence{Signal: runner.Silence, Probe: "SNMP v2c get sysDescr", Timeout: 212 * time.Millisecond,
				Tries: []runner.Try{try(4, 212*time.Millisecond, runner.Silence), try(216, 212*time.Millisecond, runner.Silence)}}}},
		{Check: spec.Check{Host: mx, Addr: mxAddr, Protocol: spec.TCP, Port: 23, Expect: waived}, Result: runner.Result{
			Status: verdict.Listening, Start: at(4), Duration: 600 * time.Microsecond,
			Evidence: runner.Evidence{Signal: runner.SynAck, Timeout: time.Second, Tries: []runner.Try{try(4, 550*time.Microsecond, runner.SynAck)}}}},
		{Check: spec.Check{Host: www, Name: "www.example.com", ResolveErr: errors.New("lookup www.example.com: no such host"), Protocol: spec.TCP, Port: 443, Expect: block(spec.TCP, spec.Listening, 40)}, Result: runner.Result{
			Status: verdict.Error, Err: errors.New("lookup www.example.com: no such host"), Start: at(0)}},
		{Check: spec.Check{Host: db, Addr: netip.MustParseAddr("2001:db8::5"), Protocol: spec.TCP, Port: 5432, Expect: block(spec.TCP, spec.Listening, 50)}, Result: runner.Result{
			Skipped: true, Err: errors.New("context canceled")}},
	}
	// Each host address is a unit; the checks count up within it.
	var out []report.Record
	unit, seq := 0, 0
	for i, r := range results {
		if i > 0 && r.Check.Host != results[i-1].Check.Host {
			unit, seq = unit+1, 0
		}
		r.Check.Order = spec.Order{Unit: unit, Seq: seq}
		seq++
		out = append(out, plan.CheckRecord(r.Check, r.Result, "", Start))
	}
	return out
}

// Golden compares got with the file at path, or rewrites the file when
// update is set: internal/golden's Check.
func Golden(t *testing.T, path string, got []byte, update bool) {
	t.Helper()
	golden.Check(t, path, got, update)
}

// Feed gives a reporter a run of records, in the order given, with the
// fixed metadata and the records' own summary.
func Feed(t testing.TB, r report.Reporter, records []report.Record) {
	t.Helper()
	r.Begin(Meta())
	var sum report.Summary
	for _, rec := range records {
		sum.Add(rec)
		if err := r.Result(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.End(sum); err != nil {
		t.Fatal(err)
	}
}

// JSON is a whole JSON report of records, in the order given.
func JSON(t testing.TB, records ...report.Record) []byte {
	t.Helper()
	var b bytes.Buffer
	Feed(t, report.NewJSON(&b), records)
	return b.Bytes()
}

// ReadAll reads a JSON report to its end, as merge checks an input, and
// returns its records.
func ReadAll(doc []byte) ([]report.Record, report.Tail, error) {
	jr, err := report.OpenJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, report.Tail{}, err
	}
	var records []report.Record
	for {
		r, ok, err := jr.Next()
		if err != nil {
			return records, report.Tail{}, err
		}
		if !ok {
			tail, err := jr.End()
			return records, tail, err
		}
		records = append(records, r)
	}
}
