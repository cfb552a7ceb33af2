package report

import (
	"fmt"
	"github.com/portspec/portspec/internal/human"
	"net/netip"
	"time"

	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

// Meta describes a run, for report headers.
type Meta struct {
	Version  string
	Hostname string
	Command  []string
	Vantage  string // --from, or ""
	Tags     []string
	Shard    string // --shard k/n, or ""
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
	Passed, Failed, Errors, Skipped int
	Elapsed                         time.Duration
	Interrupted                     bool
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

// Add counts one outcome. One nobody judged counts as an error: it must
// never pass a run.
func (s *Summary) Add(o runner.Outcome) {
	switch o.Verdict {
	case runner.Pass:
		s.Passed++
	case runner.Fail:
		s.Failed++
	case runner.Skipped:
		s.Skipped++
	default:
		s.Errors++
	}
}

// Total is the number of checks counted.
func (s Summary) Total() int { return s.Passed + s.Failed + s.Errors + s.Skipped }

// Line is the closing line: "12 passed, 1 failed", with ", 2 errors" and
// ", 3 skipped" when there are any.
func (s Summary) Line() string {
	line := fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed)
	if s.Errors > 0 {
		line += fmt.Sprintf(", %d %s", s.Errors, human.Plural(s.Errors, "error", "errors"))
	}
	if s.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	return line
}

// Reporter receives a run as it happens. Result and End are called from
// one goroutine, in check order; Resolved and Try may come from any
// goroutine at any time between Begin and End.
type Reporter interface {
	Begin(Meta) error
	Resolved(name string, addrs []netip.Addr, err error, took time.Duration)
	Try(c spec.Check, t runner.Try)
	Result(o runner.Outcome) error
	End(Summary) error
}

// Multi sends a run to several reporters; the first error wins, but every
// reporter still gets every call, so one broken output loses nothing from
// the others.
type Multi []Reporter

func (m Multi) Begin(meta Meta) error {
	return m.each(func(r Reporter) error { return r.Begin(meta) })
}

func (m Multi) Resolved(name string, addrs []netip.Addr, err error, took time.Duration) {
	for _, r := range m {
		r.Resolved(name, addrs, err, took)
	}
}

func (m Multi) Try(c spec.Check, t runner.Try) {
	for _, r := range m {
		r.Try(c, t)
	}
}

func (m Multi) Result(o runner.Outcome) error {
	return m.each(func(r Reporter) error { return r.Result(o) })
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

func (ignoreEvents) Resolved(string, []netip.Addr, error, time.Duration) {}
func (ignoreEvents) Try(spec.Check, runner.Try)                          {}

// Address is the address a check probed, or the name it could not resolve.
func Address(c spec.Check) string {
	if c.Addr.IsValid() {
		return c.Addr.String()
	}
	return c.Name
}

// GroupName names the host and address a result belongs to, as text
// headers and JUnit suites do: "mx (198.18.0.2)", or "app: mx (198.18.0.2)"
// when run from vantage point app.
func GroupName(o runner.Outcome) string {
	name := fmt.Sprintf("%s (%s)", o.Check.Host.Name, Address(o.Check))
	if o.Vantage != "" {
		name = o.Vantage + ": " + name
	}
	return name
}

// CheckName names a check: "tcp/25 listening".
func CheckName(c spec.Check) string {
	return fmt.Sprintf("%s/%d %s", c.Protocol, c.Port, c.State())
}

// Source is where the block of a check is: "mail.hcl:22:3".
func Source(c spec.Check) string {
	r := c.Range()
	if r.Filename == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// Explain is everything known about an outcome, one fact a line: the
// verdict's message and note, the evidence, the block, the tries.
func Explain(o runner.Outcome) []string {
	var lines []string
	if o.Message != "" {
		lines = append(lines, o.Message)
	}
	if o.Note != "" {
		lines = append(lines, "note: "+o.Note)
	}
	if o.Verdict != runner.Skipped && o.Verdict != runner.Errored {
		lines = append(lines, details(o.Result, o.Message == "")...)
	}
	if d := o.Check.Expect.Description; d != "" {
		lines = append(lines, "description: "+d)
	}
	if d := o.Check.ProfileDescription(); d != "" {
		lines = append(lines, fmt.Sprintf("profile %s: %s", o.Check.Expect.Profile, d))
	}
	if d := o.Check.HostDescription(); d != "" {
		lines = append(lines, fmt.Sprintf("host %s: %s", o.Check.Host.Name, d))
	}
	if src := Source(o.Check); src != "" {
		lines = append(lines, "block at "+src)
	}
	return lines
}

// Duration formats a duration for people: 212.3ms, 1.5s, 340µs.
func Duration(d time.Duration) string { return human.Duration(d).String() }
