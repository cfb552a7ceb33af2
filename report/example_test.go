package report_test

import (
	"os"
	"time"

	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

// A reporter hears a run as it happens: Begin, a Result a check in check
// order, End. Records are flat values, so anything can make them; this is
// the text report portspec check prints.
func ExampleNewText() {
	start := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	records := []report.Record{
		{Host: "mx", Address: "192.0.2.25", Protocol: "tcp", Port: 25, Expected: "listening", Actual: "LISTENING",
			Verdict: verdict.Pass, Source: "mail.hcl:3:3"},
		{Host: "mx", Address: "192.0.2.25", Protocol: "tcp", Port: 23, Expected: "blocked", Actual: "LISTENING",
			Verdict: verdict.Fail, Message: "expected blocked, got LISTENING (SYN-ACK in 0.3ms)", Source: "mail.hcl:4:3"},
	}
	var r report.Reporter = report.NewText(os.Stdout, report.TextOptions{})
	r.Begin(report.Meta{Start: start, Files: []string{"mail.hcl"}})
	var sum report.Summary
	for _, rec := range records {
		r.Result(rec)
		sum.Add(rec)
	}
	sum.Elapsed = 1500 * time.Millisecond
	r.End(sum)
	// Output:
	// mx (192.0.2.25)
	//   ✓ tcp/25 listening         LISTENING  0s
	//   ✗ tcp/23 blocked           LISTENING  0s
	//       expected blocked, got LISTENING (SYN-ACK in 0.3ms)
	//       block at mail.hcl:4:3
	//
	// 1 passed, 1 failed
	// took 1.5s
}
