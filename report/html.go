package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"hash/maphash"
	"html/template"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/human"
	"github.com/portspec/portspec/internal/spool"
	"github.com/portspec/portspec/internal/sticky"
	"github.com/portspec/portspec/verdict"
)

// The HTML report's caps: a million checks must still give a page a
// browser opens. Past them the page says what it left out, and the JSON
// report has it all.
const (
	htmlMaxFailures = 500 // failures and errors detailed, each in a card
	htmlMaxWaived   = 500 // waived checks detailed
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
// evidence, then the waived checks with their waivers, the checks of each
// control, and every check in a matrix of hosts and port ranges, with
// filters that a few lines of inline script drive and that the page does
// without. Its memory does not grow with the run: it holds one check, the
// filters' capped lists, the counts of a row and of each listed control;
// the cards, the rows, the cells of the row being built and those of the
// control view wait on disk until the summary, which heads the page, and
// the counts, which head their rows, are known.
type HTML struct {
	ignoreEvents
	w                     io.Writer
	meta                  Meta
	failures, waived      htmlCards
	rows, cells           *spool.Spool
	cardIDs               map[string]bool // at most the cards' caps
	shown                 int             // cells of the rows written so far
	row                   *htmlRow
	hosts, tags, controls htmlOptions
	byControl             htmlControlView
	err                   error
}

// NewHTML returns an HTML reporter writing to w.
func NewHTML(w io.Writer) (*HTML, error) {
	h := &HTML{w: w, cardIDs: map[string]bool{},
		failures: htmlCards{Kind: "failures", Cap: htmlMaxFailures}, waived: htmlCards{Kind: "waived checks", Cap: htmlMaxWaived}}
	for _, s := range []**spool.Spool{&h.failures.spool, &h.waived.spool, &h.rows, &h.cells} {
		var err error
		if *s, err = spool.New(); err != nil {
			h.close()
			return nil, err
		}
	}
	var err error
	if h.byControl.shelf, err = spool.NewShelf(); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

// close discards the spools.
func (h *HTML) close() {
	for _, s := range []*spool.Spool{h.failures.spool, h.waived.spool, h.rows, h.cells} {
		if s != nil {
			s.Close()
		}
	}
	if h.byControl.shelf != nil {
		h.byControl.shelf.Close()
	}
}

func (h *HTML) Begin(m Meta) error {
	h.meta = m
	return nil
}

// htmlItem is a check, or a run of consecutive ports of one block with
// the same outcome, as the page shows it: a card, a cell of the matrix,
// or a cell of the control view.
type htmlItem struct {
	Verdict, Host, Group string
	Protocol, Expected   string
	Low, High            uint16
	Actual, Message      string
	// Note qualifies the outcome: "or a silent listener".
	Note string
	// Ambiguous says what was found leaves room for doubt, as UDP
	// silence does, which the text report colours too.
	Ambiguous      bool
	Tags, Controls []string
	Waiver         *Waiver
	Owner, Link    string
	// Card is the id of the check's card, "" when it has none.
	Card string
	// Under is the control whose row of the control view lists the cell,
	// where the cell names its host address, and the control is the only
	// one its filters need: a check of many controls is listed under
	// each.
	Under string
	// A card's own.
	Facts []htmlFact
	Tries []Try
	Trace *Trace
}

// htmlFact is a line of a card; Href, when set, is a web address that
// Value links to.
type htmlFact struct{ Name, Value, Href string }

func newHTMLItem(r *Record) htmlItem {
	note := r.Note
	if r.Waiver != nil && note == r.Waiver.String() {
		// Judge says the waiver in the note for the reports that have no
		// place of their own for it; this one says it in full.
		note = ""
	}
	return htmlItem{Verdict: r.Verdict.String(), Host: r.Host, Group: GroupName(*r), Protocol: r.Protocol, Expected: r.Expected,
		Low: r.Port, High: r.Port, Actual: r.Actual, Note: note, Ambiguous: r.Ambiguous(), Tags: r.Tags, Controls: r.Controls,
		Waiver: r.Waiver, Owner: r.Owner, Link: r.Link}
}

// Name is "tcp/25 listening", or "tcp/1-21 blocked" for a run.
func (i *htmlItem) Name() string {
	ports := fmt.Sprint(i.Low)
	if i.High != i.Low {
		ports += fmt.Sprintf("-%d", i.High)
	}
	return fmt.Sprintf("%s/%s %s", i.Protocol, ports, i.Expected)
}

// Checks is how many checks the item stands for: a run stands for each
// of its ports, for the filters to count checks, not cells.
func (i *htmlItem) Checks() int { return int(i.High) - int(i.Low) + 1 }

// Search is what the search box matches, lowercased.
func (i *htmlItem) Search() string {
	words := []string{i.Group, i.Name(), i.Actual, i.Message, i.Verdict}
	if i.Note != "" {
		words = append(words, i.Note)
	}
	if i.Waiver != nil {
		words = append(words, i.Waiver.Reason)
	}
	return strings.ToLower(strings.Join(words, " "))
}

// Title says a cell in full, for a pointer's hover: the outcome, then
// what the cell's card would say first.
func (i *htmlItem) Title() string {
	lines := []string{i.Message}
	if i.Message == "" {
		lines[0] = fmt.Sprintf("%s %s: %s, %s", i.Group, i.Name(), i.Shown(), i.Verdict)
	}
	for _, f := range i.remarks() {
		lines = append(lines, f.Name+": "+f.Value)
	}
	return strings.Join(lines, "\n")
}

// remarks are what qualifies the outcome, which a cell's title and a
// card both say before anything else: the note, and the waiver, with
// who owns it and where it is tracked.
func (i *htmlItem) remarks() []htmlFact {
	var facts []htmlFact
	if i.Note != "" {
		facts = append(facts, htmlFact{Name: "note", Value: i.Note})
	}
	if w := i.Waiver; w != nil {
		until := w.Until
		if w.Expired {
			until += ", expired: the waiver no longer accepts the failure"
		}
		facts = append(facts, htmlFact{Name: "waiver", Value: w.Reason}, htmlFact{Name: "until", Value: until})
		facts = append(facts, i.ownership()...)
	}
	return facts
}

// ownership is who owns the block and where its control is tracked,
// linked when it is a web address: anything else (a ticket's name, a
// javascript: URL from a spec) is only text.
func (i *htmlItem) ownership() []htmlFact {
	var facts []htmlFact
	if i.Owner != "" {
		facts = append(facts, htmlFact{Name: "owner", Value: i.Owner})
	}
	if i.Link != "" {
		facts = append(facts, htmlFact{Name: "link", Value: i.Link, Href: webAddress(i.Link)})
	}
	return facts
}

// webAddress is s when it is an http or https URL with a host, and ""
// otherwise.
func webAddress(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
		return ""
	}
	return s
}

// WaiverExpired says the card is a failure a waiver no longer accepts.
func (i *htmlItem) WaiverExpired() bool { return i.Waiver != nil && i.Waiver.Expired }

// Shown is the actual state, or "not run".
func (i *htmlItem) Shown() string {
	if i.Actual == "" {
		return "not run"
	}
	return i.Actual
}

// extends reports whether next continues the run of cell i: the next
// port of one host address, with the same outcome and the same words on
// it. A check with a card is a cell of its own, which links to the card.
func (i *htmlItem) extends(next *htmlItem) bool {
	return int(i.High)+1 == int(next.Low) && i.Message == "" && next.Message == "" && i.Card == "" && next.Card == "" &&
		i.Group == next.Group && i.Protocol == next.Protocol && i.Expected == next.Expected && i.Verdict == next.Verdict &&
		i.Actual == next.Actual && i.Note == next.Note && sameWaiver(i.Waiver, next.Waiver) && i.Owner == next.Owner &&
		i.Link == next.Link && slices.Equal(i.Tags, next.Tags) && slices.Equal(i.Controls, next.Controls)
}

func sameWaiver(a, b *Waiver) bool { return a == b || a != nil && b != nil && *a == *b }

// htmlCounts counts checks by verdict.
type htmlCounts map[string]int

// String says them: "65535 checks: 65534 pass, 1 fail".
func (c htmlCounts) String() string {
	total := 0
	var parts []string
	for _, v := range []string{"pass", "fail", "error", "waived", "skipped", "unknown"} {
		if n := c[v]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%d %s", n, v))
		}
	}
	return fmt.Sprintf("%d %s: %s", total, human.Plural(total, "check", "checks"), strings.Join(parts, ", "))
}

// Total is how many checks are counted.
func (c htmlCounts) Total() int {
	total := 0
	for _, n := range c {
		total += n
	}
	return total
}

// htmlRow is the row being built: a host address's checks. Its cells
// wait in HTML.cells but the last, which the next check may extend.
type htmlRow struct {
	Group, Host string
	Counts      htmlCounts
	Capped      bool
	Cap         int
	cells       int // the row's cells, the last included
	last        *htmlItem
}

// htmlCards is a section of cards, which wait in a spool until the
// summary that heads the page is known.
type htmlCards struct {
	// Kind names the checks of the section, for the page to say how many
	// it leaves out: "failures".
	Kind string
	// Cap is the most cards it holds.
	Cap   int
	spool *spool.Spool
	// Count is every check of the section; Detailed, those with a card.
	Count, Detailed int
}

// Left is how many checks of the section have no card.
func (c *htmlCards) Left() int { return c.Count - c.Detailed }

// card counts the check of r in the section and gives it a card while
// the section has room, returning the card's id, or "".
func (h *HTML) card(section *htmlCards, r Record, item htmlItem) string {
	section.Count++
	if section.Detailed >= section.Cap || h.err != nil {
		return ""
	}
	section.Detailed++
	item.Card = h.cardID(r)
	item.Message, item.Facts = r.Message, htmlFacts(r, &item)
	if r.Evidence != nil {
		item.Tries = r.Evidence.Tries
	}
	item.Trace = r.Trace
	h.err = htmlTemplates.ExecuteTemplate(section.spool, "card", &item)
	return item.Card
}

// cardID is the anchor of a check's card, made of the words that name
// the check in every run (vantage, host, address, port, expected state),
// so that a link to it still leads to it in the next run's report. Any
// character a URL's fragment would escape is a "-", for the link to read
// as the id does; the rare id made twice (two blocks expecting the same
// of one port, names that differ only where "-" replaced them) takes a
// number.
func (h *HTML) cardID(r Record) string {
	var b strings.Builder
	b.WriteString("check")
	for _, word := range []string{r.Vantage, r.Host, r.Address, r.Protocol, strconv.Itoa(int(r.Port)), r.Expected} {
		if word == "" {
			continue
		}
		b.WriteByte('-')
		for _, c := range word {
			if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._~-", c)) {
				b.WriteRune(c)
			} else {
				b.WriteByte('-')
			}
		}
	}
	id := b.String()
	for n := 2; h.cardIDs[id]; n++ {
		id = b.String() + "-" + strconv.Itoa(n)
	}
	h.cardIDs[id] = true
	return id
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
	item := newHTMLItem(&r)
	h.hosts.add(r.Host)
	h.tags.add(r.Tags...)
	h.controls.add(r.Controls...)
	switch {
	case r.Verdict.Failing():
		item.Card = h.card(&h.failures, r, item)
		item.Message = r.Message
	case r.Verdict == verdict.Waived:
		item.Card = h.card(&h.waived, r, item)
		item.Message = r.Message
	}
	h.addCell(&item)
	h.byControl.add(&h.controls, &item)
	if h.err == nil {
		h.err = h.byControl.err
	}
	return h.err
}

// addCell adds the check to its row of the matrix: to the run of the
// row's last cell, or as a cell of its own while the matrix has room.
func (h *HTML) addCell(item *htmlItem) {
	if h.row == nil || h.row.Group != item.Group {
		h.flushRow()
		h.row = &htmlRow{Group: item.Group, Host: item.Host, Counts: htmlCounts{}, Cap: htmlMaxCells}
	}
	row := h.row
	row.Counts[item.Verdict]++
	switch {
	case row.Capped || h.err != nil:
	case row.last != nil && row.last.extends(item):
		row.last.High = item.High
	case h.shown+row.cells >= htmlMaxCells:
		row.Capped, row.last, row.cells = true, nil, 0
		h.err = h.cells.Reset()
	default:
		if row.last != nil {
			h.err = htmlTemplates.ExecuteTemplate(h.cells, "cell", row.last)
		}
		cell := *item // a copy, so that only a new cell is allocated
		row.last = &cell
		row.cells++
	}
}

// htmlFacts is what a card lists under its message: what qualifies the
// outcome first, then the evidence, then where the check comes from.
func htmlFacts(r Record, item *htmlItem) []htmlFact {
	facts := item.remarks()
	add := func(name, value string) {
		if value != "" {
			facts = append(facts, htmlFact{Name: name, Value: value})
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
	for _, rd := range r.Rounds {
		add(fmt.Sprintf("round %d", rd.Round), strings.TrimPrefix(rd.Line(), fmt.Sprintf("round %d ", rd.Round)))
	}
	add("description", r.Description)
	if r.ProfileDescription != "" {
		add("profile", r.Profile+": "+r.ProfileDescription)
	}
	add("host", r.HostDescription)
	add("controls", strings.Join(r.Controls, ", "))
	if item.Waiver == nil { // else among the remarks, with the waiver
		facts = append(facts, item.ownership()...)
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
		Verdicts              []string
		Hosts, Tags, Controls *htmlOptions
	}{h.meta, s.Line(), s.Took(), h.meta.Start.UTC().Format(time.RFC3339), s.Failed+s.Errors > 0 || s.Interrupted,
		[]string{"pass", "fail", "error", "waived", "skipped"}, &h.hosts, &h.tags, &h.controls}
	if s.Interrupted {
		head.Line += " (interrupted)"
	}
	w := sticky.New(h.w)
	w.Keep(htmlTemplates.ExecuteTemplate(w, "head", head))
	for _, section := range []struct {
		start string
		cards *htmlCards
	}{{"failures", &h.failures}, {"waived", &h.waived}} {
		w.Keep(htmlTemplates.ExecuteTemplate(w, section.start, section.cards))
		w.Keep(section.cards.spool.CopyTo(w))
		w.Keep(htmlTemplates.ExecuteTemplate(w, "cards-end", section.cards))
	}
	w.Keep(h.byControl.writeTo(w, &h.controls))
	w.Keep(htmlTemplates.ExecuteTemplate(w, "matrix", s.Total()))
	w.Keep(h.rows.CopyTo(w))
	w.Keep(htmlTemplates.ExecuteTemplate(w, "tail", nil))
	return w.Err()
}

// render is a template's output, for the places that hold it before
// writing it.
func render(name string, data any) ([]byte, error) {
	var b bytes.Buffer
	err := htmlTemplates.ExecuteTemplate(&b, name, data)
	return b.Bytes(), err
}

var _ Reporter = (*HTML)(nil)
