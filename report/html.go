package report

import (
	_ "embed"
	"fmt"
	"hash/maphash"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/human"
	"github.com/portspec/portspec/internal/spool"
	"github.com/portspec/portspec/internal/sticky"
)

// The HTML report's caps: a million checks must still give a page a
// browser opens. Past them the page says what it left out, and the JSON
// report has it all.
const (
	htmlMaxFailures = 500
	htmlMaxCells    = 20_000
)

// The filters' caps: a list of a million hosts, or of tags a megabyte
// long, is no filter, and holding it would make the report's memory grow
// with the run. What the lists leave out, the search box finds.
const (
	htmlMaxOptions     = 1000    // values listed, of each kind
	htmlMaxOptionBytes = 256     // the longest value listed
	htmlMaxUnlisted    = 100_000 // values counted, of each kind, past the list
)

//go:embed html.tmpl
var htmlSource string

var htmlTemplates = template.Must(template.New("html").Funcs(template.FuncMap{
	"join":   strings.Join,
	"inc":    func(i int) int { return i + 1 },
	"symbol": htmlSymbol,
}).Parse(htmlSource))

// htmlSymbol is the symbol a verdict is shown with, besides its colour
// and its word: colour alone says nothing to some readers.
func htmlSymbol(v string) string {
	switch v {
	case "pass":
		return "✓"
	case "fail":
		return "✗"
	case "error":
		return "!"
	case "waived":
		return "~"
	case "skipped":
		return "–"
	}
	return "?"
}

// HTML is one self-contained page: the failures first, with their
// evidence, then every check in a matrix of hosts and port ranges, with
// filters that a few lines of inline script drive and that the page does
// without. Its memory does not grow with the run: it holds one check, the
// filters' capped lists, and the counts of a row; the failures, the rows
// and the cells of the row being built wait in spools until the summary,
// which heads the page, and the row's counts, which head its row, are
// known.
type HTML struct {
	ignoreEvents
	w                      io.Writer
	meta                   Meta
	failures, rows, cells  *spool.Spool
	failureCount, detailed int
	shown                  int // cells of the rows written so far
	row                    *htmlRow
	hosts, tags, controls  htmlOptions
	err                    error
}

// NewHTML returns an HTML reporter writing to w.
func NewHTML(w io.Writer) (*HTML, error) {
	h := &HTML{w: w}
	for _, s := range []**spool.Spool{&h.failures, &h.rows, &h.cells} {
		var err error
		if *s, err = spool.New(); err != nil {
			h.close()
			return nil, err
		}
	}
	return h, nil
}

// close discards the spools.
func (h *HTML) close() {
	for _, s := range []*spool.Spool{h.failures, h.rows, h.cells} {
		if s != nil {
			s.Close()
		}
	}
}

func (h *HTML) Begin(m Meta) error {
	h.meta = m
	return nil
}

// htmlItem is a check, or a run of consecutive ports of one block with
// the same outcome, as the page shows it.
type htmlItem struct {
	Verdict, Host, Group string
	Protocol, Expected   string
	Low, High            uint16
	Actual, Message      string
	Tags, Controls       []string
	Facts                []htmlFact
	Tries                []Try
	Trace                *Trace
}

type htmlFact struct{ Name, Value string }

// Name is "tcp/25 listening", or "tcp/1-21 blocked" for a run.
func (i htmlItem) Name() string {
	ports := fmt.Sprint(i.Low)
	if i.High != i.Low {
		ports += fmt.Sprintf("-%d", i.High)
	}
	return fmt.Sprintf("%s/%s %s", i.Protocol, ports, i.Expected)
}

// Search is what the search box matches, lowercased.
func (i htmlItem) Search() string {
	return strings.ToLower(strings.Join([]string{i.Group, i.Name(), i.Actual, i.Message, i.Verdict}, " "))
}

// Title says a cell in full, for a pointer's hover.
func (i htmlItem) Title() string {
	if i.Message != "" {
		return i.Message
	}
	return fmt.Sprintf("%s %s: %s, %s", i.Group, i.Name(), i.Shown(), i.Verdict)
}

// Shown is the actual state, or "not run".
func (i htmlItem) Shown() string {
	if i.Actual == "" {
		return "not run"
	}
	return i.Actual
}

// extends reports whether r continues the run of cell i.
func (i *htmlItem) extends(r Record, v string) bool {
	return i.Protocol == r.Protocol && int(i.High)+1 == int(r.Port) && i.Expected == r.Expected && i.Verdict == v &&
		i.Actual == r.Actual && i.Message == "" && r.Message == "" && slices.Equal(i.Tags, r.Tags) && slices.Equal(i.Controls, r.Controls)
}

// htmlRow is the row being built: a host address's checks. Its cells
// wait in HTML.cells but the last, which the next check may extend.
type htmlRow struct {
	Group, Host string
	counts      map[string]int
	Capped      bool
	Cap         int
	cells       int // the row's cells, the last included
	last        *htmlItem
}

// Counts says the row's verdicts: "65535 checks: 65534 pass, 1 fail".
func (r *htmlRow) Counts() string {
	total := 0
	var parts []string
	for _, v := range []string{"pass", "fail", "error", "waived", "skipped", "unknown"} {
		if n := r.counts[v]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%d %s", n, v))
		}
	}
	return fmt.Sprintf("%d %s: %s", total, human.Plural(total, "check", "checks"), strings.Join(parts, ", "))
}

// htmlOptions are a filter's options: the values seen, each once, in the
// order first seen, the first htmlMaxOptions of those no longer than
// htmlMaxOptionBytes. The others are counted by their hashes, up to
// htmlMaxUnlisted, for the page to say how many it leaves out. Maps, not
// searches of the list, since every record adds to them.
type htmlOptions struct {
	List     []string
	listed   map[string]bool
	unlisted map[uint64]bool
	seed     maphash.Seed
	// over says more than htmlMaxUnlisted values went unlisted.
	over bool
}

func (o *htmlOptions) add(values ...string) {
	for _, v := range values {
		switch {
		case o.listed[v]:
		case len(o.List) < htmlMaxOptions && len(v) <= htmlMaxOptionBytes:
			if o.listed == nil {
				o.listed = map[string]bool{}
			}
			o.listed[v] = true
			o.List = append(o.List, v)
		case o.unlisted == nil:
			o.unlisted, o.seed = map[uint64]bool{}, maphash.MakeSeed()
			fallthrough
		default:
			// Two values of one 64-bit hash are one: among 100,000
			// values, one chance in a billion.
			hash := maphash.String(o.seed, v)
			switch {
			case o.unlisted[hash]:
			case len(o.unlisted) < htmlMaxUnlisted:
				o.unlisted[hash] = true
			default:
				o.over = true
			}
		}
	}
}

// Any reports whether a value was seen, listed or not.
func (o *htmlOptions) Any() bool { return len(o.List) > 0 || len(o.unlisted) > 0 }

// More says how many values are not listed: "", "12", or "over 100000".
func (o *htmlOptions) More() string {
	switch {
	case o.over:
		return "over " + strconv.Itoa(htmlMaxUnlisted)
	case len(o.unlisted) > 0:
		return strconv.Itoa(len(o.unlisted))
	}
	return ""
}

func (h *HTML) Result(r Record) error {
	if h.err != nil {
		return h.err
	}
	v := r.Verdict.String()
	item := htmlItem{Verdict: v, Host: r.Host, Group: GroupName(r), Protocol: r.Protocol, Expected: r.Expected,
		Low: r.Port, High: r.Port, Actual: r.Actual, Tags: r.Tags, Controls: r.Controls}
	h.hosts.add(r.Host)
	h.tags.add(r.Tags...)
	h.controls.add(r.Controls...)
	if r.Verdict.Failing() {
		h.failureCount++
		if h.detailed < htmlMaxFailures {
			h.detailed++
			detail := item
			detail.Message, detail.Facts = r.Message, htmlFacts(r)
			if r.Evidence != nil {
				detail.Tries = r.Evidence.Tries
			}
			detail.Trace = r.Trace
			h.err = htmlTemplates.ExecuteTemplate(h.failures, "failure", detail)
		}
		item.Message = r.Message
	}
	if h.row == nil || h.row.Group != item.Group {
		h.flushRow()
		h.row = &htmlRow{Group: item.Group, Host: r.Host, counts: map[string]int{}, Cap: htmlMaxCells}
	}
	row := h.row
	row.counts[v]++
	switch {
	case row.Capped:
	case row.last != nil && row.last.extends(r, v):
		row.last.High = r.Port
	case h.shown+row.cells >= htmlMaxCells:
		row.Capped, row.last, row.cells = true, nil, 0
		h.err = h.cells.Reset()
	default:
		if row.last != nil {
			h.err = htmlTemplates.ExecuteTemplate(h.cells, "cell", row.last)
		}
		cell := item // a copy, so that only a new cell is allocated
		row.last = &cell
		row.cells++
	}
	return h.err
}

// htmlFacts is what a failure's card lists under its message.
func htmlFacts(r Record) []htmlFact {
	var facts []htmlFact
	add := func(name, value string) {
		if value != "" {
			facts = append(facts, htmlFact{name, value})
		}
	}
	if ev := r.Evidence; ev != nil {
		add("evidence", ev.Summary())
		add("sent", ev.Probe)
		if ev.ICMP != nil {
			add("ICMP", fmt.Sprintf("%s (type %d, code %d, from %s)", ev.ICMP.Text, ev.ICMP.Type, ev.ICMP.Code, ev.ICMP.From))
		}
		add("reply", ev.App)
		if reply := ev.Reply(); len(reply) > 0 {
			add("reply bytes", escape.Quote(reply))
		}
		add("silence", explainSilence(r))
	}
	add("error", r.Error)
	add("note", r.Note)
	for _, rd := range r.Rounds {
		add(fmt.Sprintf("round %d", rd.Round), strings.TrimPrefix(rd.Line(), fmt.Sprintf("round %d ", rd.Round)))
	}
	add("description", r.Description)
	if r.ProfileDescription != "" {
		add("profile", r.Profile+": "+r.ProfileDescription)
	}
	add("host", r.HostDescription)
	add("controls", strings.Join(r.Controls, ", "))
	add("owner", r.Owner)
	add("link", r.Link)
	if w := r.Waiver; w != nil {
		add("waiver", fmt.Sprintf("until %s: %s", w.Until, w.Reason))
	}
	add("block", r.Source)
	return facts
}

// flushRow writes the finished row: its head, with its counts, then its
// cells, the spooled ones and the last.
func (h *HTML) flushRow() {
	row := h.row
	if row == nil || h.err != nil {
		return
	}
	h.row = nil
	h.shown += row.cells
	h.err = htmlTemplates.ExecuteTemplate(h.rows, "row", row)
	if row.Capped || h.err != nil {
		return
	}
	if h.cells.Len() > 0 {
		h.err = h.cells.CopyTo(h.rows)
	}
	if h.err == nil {
		h.err = h.cells.Reset()
	}
	if h.err == nil {
		h.err = htmlTemplates.ExecuteTemplate(h.rows, "cell", row.last)
	}
	if h.err == nil {
		h.err = htmlTemplates.ExecuteTemplate(h.rows, "row-end", nil)
	}
}

func (h *HTML) End(s Summary) error {
	defer h.close()
	h.flushRow()
	if h.err != nil {
		return h.err
	}
	head := struct {
		Meta                  Meta
		Line, Took, Started   string
		Failing               bool
		Failures              int
		Verdicts              []string
		Hosts, Tags, Controls *htmlOptions
	}{h.meta, s.Line(), s.Took(), h.meta.Start.UTC().Format(time.RFC3339), s.Failed+s.Errors > 0 || s.Interrupted, h.failureCount,
		[]string{"pass", "fail", "error", "waived", "skipped"}, &h.hosts, &h.tags, &h.controls}
	if s.Interrupted {
		head.Line += " (interrupted)"
	}
	w := sticky.New(h.w)
	w.Keep(htmlTemplates.ExecuteTemplate(w, "head", head))
	w.Keep(h.failures.CopyTo(w))
	if left := h.failureCount - h.detailed; left > 0 {
		w.Printf("<p class=\"capped\">%d more failures are left out: the report details at most %d. The JSON report and the log have every one.</p>\n", left, htmlMaxFailures)
	}
	w.Keep(htmlTemplates.ExecuteTemplate(w, "matrix", nil))
	w.Keep(h.rows.CopyTo(w))
	w.Keep(htmlTemplates.ExecuteTemplate(w, "tail", nil))
	return w.Err()
}

var _ Reporter = (*HTML)(nil)
