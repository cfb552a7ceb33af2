package junit

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	gojunit "github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/portspec/portspec/internal/spool"
	"github.com/portspec/portspec/internal/sticky"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

// Writer is a report.Reporter that writes JUnit XML to w. A suite's
// attributes count its testcases, so they wait in a spool until the suite
// ends, as the suites wait for the totals the root's attributes give:
// the writer holds one testcase, not a host's million, however long.
type Writer struct {
	w      io.Writer
	suites *spool.Spool // the suites written
	cases  *spool.Spool // the suite's testcases
	enc    *xml.Encoder // encodes testcases into cases
	meta   report.Meta

	suite      *gojunit.Testsuite
	suiteStart time.Time
	suiteEnd   time.Time
	count      int // suites begun
	totals     gojunit.Testsuites
	err        error
}

// Indentation: a suite is a level below the root, a testcase two.
const (
	suitePrefix = "\t"
	casePrefix  = "\t\t"
	indent      = "\t"
)

// New returns a JUnit writer for w.
func New(w io.Writer) (*Writer, error) {
	suites, err := spool.New()
	if err != nil {
		return nil, err
	}
	cases, err := spool.New()
	if err != nil {
		suites.Close()
		return nil, err
	}
	enc := xml.NewEncoder(cases)
	enc.Indent(casePrefix, indent)
	return &Writer{w: w, suites: suites, cases: cases, enc: enc}, nil
}

func (jw *Writer) Begin(m report.Meta) error {
	jw.meta = m
	return nil
}

func (jw *Writer) Resolved(string, string, []netip.Addr, error, time.Duration) {}
func (jw *Writer) Try(report.Attempt)                                          {}

// seconds is a JUnit time: seconds with millisecond precision.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

func (jw *Writer) Result(r report.Record) error {
	group := report.GroupName(r)
	suiteName := xmlSafe(group)
	if jw.suite == nil || jw.suite.Name != suiteName {
		jw.flush()
		jw.suite = &gojunit.Testsuite{Name: suiteName, ID: jw.count, Hostname: xmlSafe(jw.meta.Hostname), Package: xmlSafe(r.Host)}
		jw.count++
		jw.suite.AddProperty("portspec.version", xmlSafe(jw.meta.Version))
		jw.suite.AddProperty("portspec.vantage", xmlSafe(r.Vantage))
		jw.suite.AddProperty("portspec.spec_files", xmlSafe(strings.Join(jw.meta.Files, " ")))
		jw.suite.AddProperty("portspec.spec_digest", jw.meta.Digest)
		if jw.meta.Shard != "" {
			jw.suite.AddProperty("portspec.shard", jw.meta.Shard)
		}
		jw.suiteStart, jw.suiteEnd = time.Time{}, time.Time{}
	}
	tc := gojunit.Testcase{
		Name: xmlSafe(report.ControlledName(r)),
		// The group, not the host alone: viewers group by classname, and a
		// host's two addresses must not merge into one.
		Classname: suiteName,
		Time:      seconds(r.Duration()),
	}
	// The spec's descriptions and the target's replies are anyone's text.
	message := xmlSafe(r.Message)
	// What a result that is not a pass says of itself: made only for
	// those, since a passing test case has no body (a million passes
	// spent a third of this writer's time on bodies thrown away).
	body := func() string {
		lines := append([]string{"at " + group}, report.Explain(r)...)
		return xmlSafe(strings.Join(append(lines, report.TryLines(r)...), "\n"))
	}
	switch r.Verdict {
	case verdict.Fail:
		tc.Failure = &gojunit.Result{Message: message, Type: "mismatch", Data: body()}
		jw.suite.Failures++
	case verdict.Errored:
		tc.Error = &gojunit.Result{Message: message, Type: "probe error", Data: body()}
		jw.suite.Errors++
	case verdict.Skipped:
		tc.Skipped = &gojunit.Result{Message: message}
		jw.suite.Skipped++
	case verdict.Waived:
		// A tracked exception: not a failure, and not a pass to forget.
		tc.Skipped = &gojunit.Result{Message: xmlSafe(r.Note), Type: "waived", Data: body()}
		jw.suite.Skipped++
	case verdict.Unknown:
		// Never a pass: an outcome nobody judged is an error.
		tc.Error = &gojunit.Result{Message: "no verdict: the result was never judged", Type: "no verdict", Data: body()}
		jw.suite.Errors++
	}
	if r.Note != "" && r.Verdict != verdict.Waived {
		// What a pass leaves open (udp/137 silent: "or a silent
		// listener"), where a reader of the test case finds it.
		tc.SystemOut = &gojunit.Output{Data: xmlSafe(r.Note)}
	}
	jw.suite.Tests++
	if jw.err == nil {
		jw.err = jw.enc.EncodeElement(tc, xml.StartElement{Name: xml.Name{Local: "testcase"}})
	}
	if !r.Started.IsZero() {
		if jw.suiteStart.IsZero() || r.Started.Before(jw.suiteStart) {
			jw.suiteStart = r.Started
		}
		if end := r.Started.Add(r.Duration()); end.After(jw.suiteEnd) {
			jw.suiteEnd = end
		}
	}
	return jw.err
}

// flush writes the finished suite to the spool, its testcases after its
// head, and counts it.
func (jw *Writer) flush() {
	s := jw.suite
	if s == nil {
		return
	}
	jw.suite = nil
	elapsed := time.Duration(0)
	if !jw.suiteStart.IsZero() {
		s.SetTimestamp(jw.suiteStart)
		elapsed = jw.suiteEnd.Sub(jw.suiteStart)
	}
	s.Time = seconds(elapsed)
	jw.totals.Tests += s.Tests
	jw.totals.Failures += s.Failures
	jw.totals.Errors += s.Errors
	jw.totals.Skipped += s.Skipped
	if jw.err == nil {
		jw.err = jw.writeSuite(s)
	}
}

// writeSuite writes the suite's head, as encoding/xml writes the suite
// without its testcases, then the testcases, then its end.
func (jw *Writer) writeSuite(s *gojunit.Testsuite) error {
	var head bytes.Buffer
	enc := xml.NewEncoder(&head)
	enc.Indent(suitePrefix, indent)
	if err := enc.EncodeElement(s, xml.StartElement{Name: xml.Name{Local: "testsuite"}}); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	end := "\n" + suitePrefix + "</testsuite>"
	open, ok := bytes.CutSuffix(head.Bytes(), []byte(end))
	if !ok {
		return fmt.Errorf("a testsuite that does not end in %q", end)
	}
	if err := jw.enc.Flush(); err != nil {
		return err
	}
	w := sticky.New(jw.suites)
	if jw.count > 1 {
		w.Printf("\n")
	}
	w.Write(open)
	// The testcases' encoder puts a line break before each testcase but
	// its first.
	if jw.count == 1 {
		w.Printf("\n")
	}
	w.Keep(jw.cases.CopyTo(w))
	w.Printf("%s", end)
	if err := w.Err(); err != nil {
		return err
	}
	return jw.cases.Reset()
}

func (jw *Writer) End(s report.Summary) error {
	defer jw.suites.Close()
	defer jw.cases.Close()
	jw.flush()
	if jw.err != nil {
		return jw.err
	}
	// The root's skipped count is not in the junit-10 schema, but parsers
	// that read the root's totals (go-junit-report's types,
	// test-results-parser) count skipped checks as passed without it. It
	// is the one attribute outside the schema; see docs/ci.md, "Jenkins and
	// other JUnit readers".
	root := xml.StartElement{Name: xml.Name{Local: "testsuites"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "name"}, Value: "portspec"},
		{Name: xml.Name{Local: "time"}, Value: seconds(s.Elapsed)},
		{Name: xml.Name{Local: "tests"}, Value: strconv.Itoa(jw.totals.Tests)},
		{Name: xml.Name{Local: "failures"}, Value: strconv.Itoa(jw.totals.Failures)},
		{Name: xml.Name{Local: "errors"}, Value: strconv.Itoa(jw.totals.Errors)},
		{Name: xml.Name{Local: "skipped"}, Value: strconv.Itoa(jw.totals.Skipped)},
	}}
	if _, err := io.WriteString(jw.w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(jw.w)
	if err := enc.EncodeToken(root); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	if _, err := io.WriteString(jw.w, "\n"); err != nil {
		return err
	}
	if err := jw.suites.CopyTo(jw.w); err != nil {
		return err
	}
	if _, err := io.WriteString(jw.w, "\n"); err != nil {
		return err
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(jw.w, "\n")
	return err
}

var _ report.Reporter = (*Writer)(nil)
