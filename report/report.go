package report

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/human"
	"github.com/portspec/portspec/verdict"
)

// Meta describes a run, for report headers.
type Meta struct {
	Version  string
	Hostname string
	Command  []string
	Vantage  string // --from, or ""
	Tags     []string
	Controls []string // --control
	Shard    string   // --shard k/n, or ""
	Files    []string
	Digest   string // spec.Spec.Digest
	Start    time.Time
	// Clock tells the time for events the reporters stamp themselves; nil
	// means time.Now. Tests inject a fixed one for golden files.
	Clock func() time.Time
}

// Now is the run's clock.
func (m Meta) Now() time.Time {
	if m.Clock != nil {
		return m.Clock()
	}
	return time.Now()
}

// Summary counts the outcomes of a run.
type Summary struct {
	Passed, Failed, Errors, Skipped, Waived int
	Elapsed                                 time.Duration
	Interrupted                             bool
	// ICMPWait is how long the run had nothing to do but wait for
	// ICMPWaitTargets targets' ICMP budgets (runner.Stats).
	ICMPWait        time.Duration
	ICMPWaitTargets int
}

// Took is the closing "took" line's text: "41.2s", with "(38.5s waiting
// for 1 target's ICMP rate limit)" when the run waited for any.
func (s Summary) Took() string {
	took := Duration(s.Elapsed)
	if s.ICMPWaitTargets > 0 {
		took += fmt.Sprintf(" (%s waiting for %d %s ICMP rate limit)", Duration(s.ICMPWait), s.ICMPWaitTargets, human.Plural(s.ICMPWaitTargets, "target's", "targets'"))
	}
	return took
}

// Add counts one record. One nobody judged counts as an error: it must
// never pass a run.
func (s *Summary) Add(r Record) {
	switch r.Verdict {
	case verdict.Pass:
		s.Passed++
	case verdict.Fail:
		s.Failed++
	case verdict.Skipped:
		s.Skipped++
	case verdict.Waived:
		s.Waived++
	default:
		s.Errors++
	}
}

// Total is the number of checks counted.
func (s Summary) Total() int { return s.Passed + s.Failed + s.Errors + s.Skipped + s.Waived }

// Line is the closing line: "12 passed, 1 failed", with ", 2 errors",
// ", 3 skipped" and ", 1 waived" when there are any.
func (s Summary) Line() string {
	line := fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed)
	if s.Errors > 0 {
		line += fmt.Sprintf(", %d %s", s.Errors, human.Plural(s.Errors, "error", "errors"))
	}
	if s.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	if s.Waived > 0 {
		line += fmt.Sprintf(", %d waived", s.Waived)
	}
	return line
}

// Attempt is one try as it happens, for the log.
type Attempt struct {
	Host, Address, Protocol string
	Port                    uint16
	Try                     Try
}

// Reporter receives a run as it happens. Result and End are called from
// one goroutine, in check order; Resolved and Try may come from any
// goroutine at any time between Begin and End.
type Reporter interface {
	Begin(Meta) error
	// Resolved hears of a lookup of name, made by vantage's far end under
	// check --via, or here ("").
	Resolved(vantage, name string, addrs []netip.Addr, err error, took time.Duration)
	Try(Attempt)
	Result(Record) error
	End(Summary) error
}

// Multi sends a run to several reporters; the first error wins, but every
// reporter still gets every call, so one broken output loses nothing from
// the others. It is where a run's description and its name lookups enter
// the reports, and escapes them there (records and tries come escaped).
type Multi []Reporter

func (m Multi) Begin(meta Meta) error {
	meta.Escape()
	return m.each(func(r Reporter) error { return r.Begin(meta) })
}

func (m Multi) Resolved(vantage, name string, addrs []netip.Addr, err error, took time.Duration) {
	vantage, name = escape.Text(vantage), escape.Text(name)
	if err != nil {
		err = errors.New(escape.Text(err.Error()))
	}
	for _, r := range m {
		r.Resolved(vantage, name, addrs, err, took)
	}
}

func (m Multi) Try(a Attempt) {
	for _, r := range m {
		r.Try(a)
	}
}

func (m Multi) Result(rec Record) error {
	return m.each(func(r Reporter) error { return r.Result(rec) })
}

func (m Multi) End(s Summary) error {
	return m.each(func(r Reporter) error { return r.End(s) })
}

func (m Multi) each(f func(Reporter) error) error {
	var first error
	for _, r := range m {
		if err := f(r); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// ignoreEvents gives reporters that only care about results no-op
// Resolved and Try methods.
type ignoreEvents struct{}

// LookupsFrom is runner.Resolver's OnResolve for the lookups of vantage
// ("" for this machine's own).
func (m Multi) LookupsFrom(vantage string) func(name string, addrs []netip.Addr, err error, took time.Duration) {
	return func(name string, addrs []netip.Addr, err error, took time.Duration) {
		m.Resolved(vantage, name, addrs, err, took)
	}
}

func (ignoreEvents) Resolved(string, string, []netip.Addr, error, time.Duration) {}
func (ignoreEvents) Try(Attempt)                                                 {}

// GroupName names the host and address a record belongs to, as text
// headers and JUnit suites do: "mx (198.18.0.2)", or "app: mx (198.18.0.2)"
// when run from vantage point app.
func GroupName(r Record) string { return HostName(r.Vantage, r.Host, r.Address) }

// HostName is GroupName of its parts. Each part is escaped already, but
// the whole starts a line of the text report and the log, so it is
// escaped once more as a whole: a vantage "::add-mask x" from a result
// file, before an IPv6 address, would make a workflow command that no
// part is alone.
func HostName(vantage, host, address string) string {
	name := host + " (" + address + ")"
	if vantage != "" {
		name = vantage + ": " + name
	}
	return escape.Text(name)
}

// CheckName names a check: "tcp/25 listening".
func CheckName(r Record) string {
	return fmt.Sprintf("%s/%d %s", r.Protocol, r.Port, r.Expected)
}

// ControlledName is CheckName with the controls the check answers to,
// for reports a compliance dashboard groups by control: "tcp/23 blocked
// [PCI-DSS 1.2.1]".
func ControlledName(r Record) string {
	if len(r.Controls) == 0 {
		return CheckName(r)
	}
	return CheckName(r) + " [" + strings.Join(r.Controls, ", ") + "]"
}

// Explain is everything known about a record, one fact a line: the
// verdict's message and note, the evidence, the block, the tries.
func Explain(r Record) []string {
	var lines []string
	if r.Message != "" {
		lines = append(lines, r.Message)
	}
	if r.Note != "" {
		lines = append(lines, "note: "+r.Note)
	}
	if r.Verdict != verdict.Skipped && r.Verdict != verdict.Errored {
		lines = append(lines, details(r, r.Message == "")...)
	}
	lines = append(lines, r.Trace.Lines()...)
	for _, rd := range r.Rounds {
		lines = append(lines, rd.Line())
	}
	if d := r.Description; d != "" {
		lines = append(lines, "description: "+d)
	}
	if d := r.ProfileDescription; d != "" {
		lines = append(lines, fmt.Sprintf("profile %s: %s", r.Profile, d))
	}
	if d := r.HostDescription; d != "" {
		lines = append(lines, fmt.Sprintf("host %s: %s", r.Host, d))
	}
	if len(r.Controls) > 0 {
		lines = append(lines, "control: "+strings.Join(r.Controls, ", "))
	}
	if r.Owner != "" {
		lines = append(lines, "owner: "+r.Owner)
	}
	if r.Link != "" {
		lines = append(lines, "link: "+r.Link)
	}
	if r.Source != "" {
		lines = append(lines, "block at "+r.Source)
	}
	return lines
}

// Duration formats a duration for people: 212.3ms, 1.5s, 340µs.
func Duration(d time.Duration) string { return human.Duration(d).String() }
