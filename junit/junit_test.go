package junit_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gojunit "github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/portspec/portspec/internal/junitschema"
	"github.com/portspec/portspec/internal/needs"
	"github.com/portspec/portspec/internal/reporttest"
	"github.com/portspec/portspec/junit"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func write(t *testing.T, vantage string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := junit.New(&b)
	if err != nil {
		t.Fatal(err)
	}
	meta := reporttest.Meta()
	meta.Vantage = vantage
	if err := w.Begin(meta); err != nil {
		t.Fatal(err)
	}
	for _, o := range reporttest.Records() {
		o.Vantage = vantage
		if err := w.Result(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(reporttest.Summary()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	reporttest.Golden(t, "testdata/junit.golden", write(t, ""), *update)
	reporttest.Golden(t, "testdata/junit_vantage.golden", write(t, "app"), *update)
}

// TestStructure reads the report back and checks what CI systems rely on:
// a suite per host address, a case per check, and counts that add up.
func TestStructure(t *testing.T) {
	out := write(t, "")
	if !bytes.HasPrefix(out, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Error("no XML header")
	}
	var doc gojunit.Testsuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("the report does not parse: %v", err)
	}
	names := []string{"mx (198.18.0.2)", "www (www.example.com)", "db (2001:db8::5)"}
	if len(doc.Suites) != len(names) {
		t.Fatalf("%d suites, want %d", len(doc.Suites), len(names))
	}
	sum := reporttest.Summary()
	tests, failures, errs, skipped := 0, 0, 0, 0
	for i, s := range doc.Suites {
		if s.Name != names[i] {
			t.Errorf("suite %d is %q, want %q", i, s.Name, names[i])
		}
		f, e, sk := 0, 0, 0
		for _, tc := range s.Testcases {
			if tc.Time == "" || tc.Classname == "" || tc.Name == "" {
				t.Errorf("%s: testcase %+v lacks a name, classname or time", s.Name, tc)
			}
			switch {
			case tc.Failure != nil:
				f++
				if tc.Failure.Message == "" || tc.Failure.Data == "" {
					t.Errorf("%s %s: a failure needs its one-line diff and its evidence", s.Name, tc.Name)
				}
			case tc.Error != nil:
				e++
			case tc.Skipped != nil:
				sk++
			}
		}
		if s.Tests != len(s.Testcases) || s.Failures != f || s.Errors != e || s.Skipped != sk {
			t.Errorf("%s: counts %d/%d/%d/%d, cases say %d/%d/%d/%d", s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Testcases), f, e, sk)
		}
		props := map[string]bool{}
		if s.Properties != nil {
			for _, p := range *s.Properties {
				props[p.Name] = true
			}
		}
		for _, p := range []string{"portspec.version", "portspec.vantage", "portspec.spec_files"} {
			if !props[p] {
				t.Errorf("%s: no property %s", s.Name, p)
			}
		}
		tests, failures, errs, skipped = tests+s.Tests, failures+f, errs+e, skipped+sk
	}
	// go-junit-report's own types read the root's totals: skipped
	// checks must not read as passed there.
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != errs || doc.Skipped != skipped {
		t.Errorf("root totals %d/%d/%d/%d, suites add up to %d/%d/%d/%d", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, tests, failures, errs, skipped)
	}
	if tests != sum.Total() || failures != sum.Failed || errs != sum.Errors || skipped != sum.Skipped+sum.Waived {
		t.Errorf("report %d/%d/%d/%d, run %+v", tests, failures, errs, skipped, sum)
	}
	if tc := doc.Suites[0].Testcases[1]; tc.Name != "tcp/587 listening" || tc.Classname != "mx (198.18.0.2)" ||
		!strings.HasPrefix(tc.Failure.Data, "at mx (198.18.0.2)\n") ||
		tc.Failure.Message != "expected listening, got FILTERED (no reply to 3 tries, 212ms timeout)" {
		t.Errorf("second testcase %+v", tc)
	}
}

// TestSchema validates the report with xmllint against
// junit-consumers.xsd as written, and against the Jenkins xUnit junit-10
// schema without the root's skipped count, which that schema has no place
// for and consumers need (see docs/ci.md, "Jenkins and other JUnit
// readers"). CI must have xmllint; elsewhere it may skip.
func TestSchema(t *testing.T) {
	xmllint := needs.Tool(t, "xmllint", "Debian's libxml2-utils")
	for _, vantage := range []string{"", "app"} {
		doc := write(t, vantage)
		if !bytes.Contains(doc, []byte(`errors="1" skipped="2">`)) {
			t.Fatal("the root has no skipped count: the test proves nothing")
		}
		if err := junitschema.Validate(xmllint, doc, t.TempDir()); err != nil {
			t.Errorf("the report %v", err)
		}
	}
}

// TestJunitparser reads the report with Debian's python3-junitparser, a
// consumer that counts testcases, and requires the run's counts: every
// skipped and waived check skipped, none read as passed. CI must have it.
func TestJunitparser(t *testing.T) {
	python := "/usr/bin/python3"
	needs.That(t, exec.Command(python, "-c", "import junitparser").Run() == nil, "python3-junitparser is not installed (.ci/run installs it)")
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(path, write(t, "app"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "passed": 0}
classes = set()
for suite in xml:
    for case in suite:
        counts["tests"] += 1
        classes.add(case.classname)
        kinds = [type(r) for r in case.result]
        if Failure in kinds: counts["failures"] += 1
        elif Error in kinds: counts["errors"] += 1
        elif Skipped in kinds: counts["skipped"] += 1
        else: counts["passed"] += 1
print(counts["tests"], counts["passed"], counts["failures"], counts["errors"], counts["skipped"], len(classes))
`
	out, err := exec.Command(python, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("junitparser: %v\n%s", err, out)
	}
	sum := reporttest.Summary()
	want := fmt.Sprintf("%d %d %d %d %d 3", sum.Total(), sum.Passed, sum.Failed, sum.Errors, sum.Skipped+sum.Waived)
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("junitparser counts %q (tests passed failures errors skipped classes), want %q", got, want)
	}
}

// TestHostileText: a description with an ANSI escape, and a target's reply
// with U+FFFE or bytes that are not UTF-8, used to make the report invalid
// XML, which CI systems refuse whole. They are now written as escapes.
func TestHostileText(t *testing.T) {
	outcomes := reporttest.Records()
	o := outcomes[1] // tcp/587: a failure, whose body holds the description
	o.Description = "\x1b[31mred\x1b[0m"
	o.Message += " SNMP sysDescr: bad\ufffe\xff"
	var b bytes.Buffer
	w, err := junit.New(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Begin(reporttest.Meta())
	w.Result(o)
	if err := w.End(reporttest.Summary()); err != nil {
		t.Fatal(err)
	}
	var doc gojunit.Testsuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("the report is not valid XML: %v\n%s", err, b.Bytes())
	}
	f := doc.Suites[0].Testcases[0].Failure
	for _, want := range []string{`description: \x1b[31mred\x1b[0m`, `bad\ufffe\xff`} {
		if !strings.Contains(f.Data, want) {
			t.Errorf("the failure body lacks %q:\n%s", want, f.Data)
		}
	}
	if !strings.Contains(f.Message, `bad\ufffe\xff`) {
		t.Errorf("the failure message is %q", f.Message)
	}
}

// TestUnjudgedIsAnError: JUnit never counts an outcome with no verdict as
// a pass.
func TestUnjudgedIsAnError(t *testing.T) {
	o := reporttest.Records()[0]
	o.Verdict = verdict.Unknown
	var b bytes.Buffer
	w, _ := junit.New(&b)
	w.Begin(reporttest.Meta())
	w.Result(o)
	w.End(reporttest.Summary())
	var doc gojunit.Testsuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if tc := doc.Suites[0].Testcases[0]; tc.Error == nil || doc.Suites[0].Errors != 1 {
		t.Errorf("the unjudged testcase %+v is not an error", tc)
	}
}

// BenchmarkJUnitResult is the writer's cost a record in a big run's
// shape: passes of one group, as 4,096 ports of one address are. It runs
// on the one goroutine that reports in spec order.
func BenchmarkJUnitResult(b *testing.B) {
	var pass report.Record
	for _, r := range reporttest.Records() {
		if r.Verdict == verdict.Pass {
			pass = r
			break
		}
	}
	if pass.Verdict != verdict.Pass {
		b.Fatal("no passing record among reporttest's")
	}
	w, err := junit.New(io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	w.Begin(reporttest.Meta())
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		pass.Port = uint16(i)
		w.Result(pass)
	}
}
