package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"

	"github.com/fatih/color"

	"github.com/portspec/portspec/verdict"
)

// TextOptions choose what the text report shows.
type TextOptions struct {
	Color bool
	// Quiet shows only failures, errors and the summary.
	Quiet bool
	// Verbose shows the evidence for passes too.
	Verbose bool
}

// Text is the report on stdout: results grouped under their host and
// address, a ✓ or ✗ line per check with its time, the diff and evidence
// under each failure, and the summary line.
type Text struct {
	ignoreEvents
	w         *bufio.Writer
	opts      TextOptions
	lastFlush time.Time

	red, green, yellow, bold, faint *color.Color
	shown                           string
	err                             error
	gone                            bool // the reader closed the pipe
}

// NewText returns a text reporter writing to w. Its colours are its own:
// it never reads or sets the global color.NoColor.
func NewText(w io.Writer, opts TextOptions) *Text {
	t := &Text{
		w: bufio.NewWriter(w), opts: opts,
		red:    color.New(color.FgRed),
		green:  color.New(color.FgGreen),
		yellow: color.New(color.FgYellow),
		bold:   color.New(color.Bold),
		faint:  color.New(color.Faint),
	}
	for _, c := range []*color.Color{t.red, t.green, t.yellow, t.bold, t.faint} {
		if opts.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return t
}

func (t *Text) printf(c *color.Color, format string, args ...any) {
	if t.err != nil || t.gone {
		return
	}
	s := fmt.Sprintf(format, args...)
	if c != nil {
		// The colour ends before the newline, so no escape code starts
		// the next line.
		body, nl := strings.CutSuffix(s, "\n")
		s = c.Sprint(body)
		if nl {
			s += "\n"
		}
	}
	t.keep(io.WriteString(t.w, s))
}

// check keeps a write's error, except a closed pipe: whoever read the text
// (check | head) has gone, which ends the text report and nothing else.
// The other reports, and the exit code, are still the run's.
func (t *Text) keep(_ int, err error) {
	switch {
	case errors.Is(err, syscall.EPIPE):
		t.gone = true
	case err != nil && t.err == nil:
		t.err = err
	}
}

func (t *Text) Begin(Meta) error { return nil }

func (t *Text) Result(r Record) error {
	show := !t.opts.Quiet || r.Verdict.Failing()
	if !show {
		return t.err
	}
	if group := GroupName(r); group != t.shown {
		if t.shown != "" {
			t.printf(nil, "\n")
		}
		t.printf(t.bold, "%s\n", group)
		t.shown = group
	}
	mark, c := "✓", t.green
	switch {
	case r.Verdict.Failing():
		mark, c = "✗", t.red
	case r.Verdict == verdict.Skipped:
		mark, c = "-", t.faint
	case r.Verdict == verdict.Waived:
		mark, c = "~", t.yellow
	case r.Ambiguous():
		c = t.yellow
	}
	state, took := r.Actual, Duration(r.Duration())
	if r.Verdict == verdict.Skipped {
		state, took = "not run", "skipped"
	}
	t.printf(c, "  %s %-24s %s", mark, CheckName(r), state)
	t.printf(t.faint, "  %s\n", took)
	var lines []string
	switch {
	case r.Verdict.Failing() || r.Verdict == verdict.Waived:
		lines = Explain(r)
	case r.Verdict == verdict.Pass && r.Note != "":
		lines = []string{"note: " + r.Note}
	}
	if t.opts.Verbose && r.Verdict == verdict.Pass {
		lines = Explain(r)
	}
	for _, l := range lines {
		t.printf(nil, "      %s\n", l)
	}
	// Buffered, for a million lines; flushed often enough that someone
	// watching sees the run move.
	if now := time.Now(); now.Sub(t.lastFlush) > 100*time.Millisecond {
		t.flush()
		t.lastFlush = now
	}
	return t.err
}

func (t *Text) flush() {
	if !t.gone {
		t.keep(0, t.w.Flush())
	}
}

func (t *Text) End(s Summary) error {
	if t.shown != "" {
		t.printf(nil, "\n")
	}
	if s.Interrupted {
		t.printf(t.yellow, "interrupted: the checks not finished are counted as skipped\n")
	}
	c := t.green
	if s.Failed+s.Errors > 0 {
		c = t.red
	}
	// The summary stands alone on its line, with no colour codes around
	// it when colour is off, so CI log parsers find it.
	t.printf(c, "%s", s.Line())
	t.printf(nil, "\n")
	t.printf(nil, "took %s\n", s.Took())
	t.flush()
	return t.err
}

var _ Reporter = (*Text)(nil)
