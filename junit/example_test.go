package junit_test

import (
	"os"
	"time"

	"github.com/portspec/portspec/junit"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

// A JUnit report: a testsuite an address, a testcase a check, the counts
// at every level, the root's skipped included.
func ExampleNew() {
	start := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	w, err := junit.New(os.Stdout)
	if err != nil {
		panic(err)
	}
	w.Begin(report.Meta{Version: "v1.0.0", Start: start, Files: []string{"mail.hcl"}, Digest: "sha256:0123"})
	rec := report.Record{Host: "mx", Address: "192.0.2.25", Protocol: "tcp", Port: 23, Expected: "blocked", Actual: "LISTENING",
		Verdict: verdict.Fail, Message: "expected blocked, got LISTENING (SYN-ACK in 0.3ms)", Source: "mail.hcl:4:3",
		Started: start, DurationMS: 0.3}
	w.Result(rec)
	var sum report.Summary
	sum.Add(rec)
	w.End(sum)
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <testsuites name="portspec" time="0.000" tests="1" failures="1" errors="0" skipped="0">
	// 	<testsuite name="mx (192.0.2.25)" tests="1" failures="1" errors="0" id="0" package="mx" time="0.000" timestamp="2026-12-03T12:00:00Z">
	// 		<properties>
	// 			<property name="portspec.version" value="v1.0.0"></property>
	// 			<property name="portspec.vantage" value=""></property>
	// 			<property name="portspec.spec_files" value="mail.hcl"></property>
	// 			<property name="portspec.spec_digest" value="sha256:0123"></property>
	// 		</properties>
	// 		<testcase name="tcp/23 blocked" classname="mx (192.0.2.25)" time="0.000">
	// 			<failure message="expected blocked, got LISTENING (SYN-ACK in 0.3ms)" type="mismatch"><![CDATA[at mx (192.0.2.25)
	// expected blocked, got LISTENING (SYN-ACK in 0.3ms)
	// block at mail.hcl:4:3]]></failure>
	// 		</testcase>
	// 	</testsuite>
	// </testsuites>
}
