package junit

import (
	"encoding/xml"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	gojunit "github.com/jstemmer/go-junit-report/v2/junit"
	"github.com/portspec/portspec/internal/spool"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

// Writer is a report.Reporter that writes JUnit XML to w.
type Writer struct {
	w     io.Writer
	spool *spool.Spool
	enc   *xml.Encoder
	meta  report.Meta

	suite      *gojunit.Testsuite
	suiteStart time.Time
	suiteEnd   time.Time
	suites     int
	totals     gojunit.Testsuites
	err        error
}

// New returns a JUnit writer for w.
func New(w io.Writer) (*Writer, error) {
	s, err := spool.New()
	if err != nil {
		return nil, err
	}
	enc := xml.NewEncoder(s)
	enc.Indent("\t", "\t")
	return &Writer{w: w, spool: s, enc: enc}, nil
}

func (jw *Writer) Begin(m report.Meta) error {
	jw.meta = m
	return nil
}

func (jw *Writer) Resolved(string, []netip.Addr, error, time.Duration) {}
func (jw *Writer) Try(report.Attempt)                                  {}

// seconds is a JUnit time: seconds with millisecond precision.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

func (jw *Writer) Result(r report.Record) error {
	name := report.GroupName(r)
	if jw.suite == nil || jw.suite.Name != xmlSafe(name) {
		jw.flush()
		jw.suite = &gojunit.Testsuite{Name: xmlSafe(name), ID: jw.suites, Hostname: xmlSafe(jw.meta.Hostname), Package: xmlSafe(r.Host)}
		jw.suites++
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
		Classname: xmlSafe(report.GroupName(r)),
		Time:      seconds(r.Duration()),
	}
	// The spec's descriptions and the target's replies are anyone's text.
	message := xmlSafe(r.Message)
	lines := append([]string{"at " + report.GroupName(r)}, report.Explain(r)...)
	body := xmlSafe(strings.Join(append(lines, report.TryLines(r)...), "\n"))
	switch r.Verdict {
	case verdict.Fail:
		tc.Failure = &gojunit.Result{Message: message, Type: "mismatch", Data: body}
		jw.suite.Failures++
	case verdict.Errored:
		tc.Error = &gojunit.Result{Message: message, Type: "probe error", Data: body}
		jw.suite.Errors++
	case verdict.Skipped:
		tc.Skipped = &gojunit.Result{Message: message}
		jw.suite.Skipped++
	case verdict.Waived:
		// A tracked exception: not a failure, and not a pass to forget.
		tc.Skipped = &gojunit.Result{Message: xmlSafe(r.Note), Type: "waived", Data: body}
		jw.suite.Skipped++
	case verdict.Unknown:
		// Never a pass: an outcome nobody judged is an error.
		tc.Error = &gojunit.Result{Message: "no verdict: the result was never judged", Type: "no verdict", Data: body}
		jw.suite.Errors++
	}
	jw.suite.Tests++
	jw.suite.Testcases = append(jw.suite.Testcases, tc)
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

// flush writes the finished suite to the spool and counts it.
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
		jw.err = jw.enc.EncodeElement(s, xml.StartElement{Name: xml.Name{Local: "testsuite"}})
	}
}

func (jw *Writer) End(s report.Summary) error {
	defer jw.spool.Close()
	jw.flush()
	if jw.err == nil {
		jw.err = jw.enc.Flush()
	}
	if jw.err != nil {
		return jw.err
	}
	// The root's skipped count is not in the junit-10 schema, but parsers
	// that read the root's totals (go-junit-report's types,
	// test-results-parser) count skipped checks as passed without it. It
	// is the one attribute outside the schema; see the README.
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
	if err := jw.spool.CopyTo(jw.w); err != nil {
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
