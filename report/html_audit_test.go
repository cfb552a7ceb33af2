package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/portspec/portspec/internal/reporttest"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

// The fixed run's waived check, as its card's anchor names it.
const waivedCard = "check-mx-198.18.0.2-tcp-23-blocked"

// auditRecords is the fixed run and what an auditor reads besides: an
// expired waiver, whose link is a ticket's name; a waiver whose words
// are a page of their own; a run of passes with a note, and one of a
// control; a control over checks of every verdict.
func auditRecords() []report.Record {
	records := reporttest.Records()
	var waived report.Record
	for i, r := range records {
		if r.Verdict == verdict.Waived {
			waived = r
		}
		if r.Port == 25 && r.Address == "198.18.0.2" {
			records[i].Controls = []string{"PCI-DSS 1.2.1"}
		}
	}
	expired := waived
	expired.Address, expired.Verdict, expired.Note = "198.18.0.3", verdict.Fail, ""
	expired.Message += "; waiver expired 2026-01-31"
	expired.Waiver = &report.Waiver{Reason: "the old console", Until: "2026-01-31", Expired: true}
	expired.Link = "ticket SEC-142"

	hostile := waived
	hostile.Host, hostile.Address, hostile.Tags = "hostile", "198.18.0.9", nil
	hostile.Waiver = &report.Waiver{Reason: "<script>alert(1)</script>", Until: "2027-01-31"}
	hostile.Note = hostile.Waiver.String()
	hostile.Owner, hostile.Link = `"><img src=x onerror=alert(2)>`, "javascript:alert(3)"
	hostile.Message = "expected blocked, got LISTENING (</li><script>alert(4)</script>)"
	records = append(records, expired, hostile)

	for port := uint16(1000); port <= 1002; port++ {
		records = append(records, report.Record{Host: "ns", Address: "198.18.0.53", Protocol: "udp", Port: port, Expected: "filtered",
			Actual: "LISTENING or FILTERED", Verdict: verdict.Pass, Note: "or a silent listener", Source: "mail.hcl:60:3"})
	}
	for port := uint16(1); port <= 21; port++ {
		records = append(records, report.Record{Host: "ns", Address: "198.18.0.53", Protocol: "tcp", Port: port, Expected: "blocked",
			Actual: "NOT LISTENING", Verdict: verdict.Pass, Controls: []string{"CIS 9.2"}, Source: "mail.hcl:61:3"})
	}
	return records
}

// htmlOf is the HTML report of records, and its parsed document.
func htmlOf(t testing.TB, records []report.Record) (string, *html.Node) {
	t.Helper()
	var b bytes.Buffer
	h, err := report.NewHTML(&b)
	if err != nil {
		t.Fatal(err)
	}
	reporttest.Feed(t, h, records)
	doc, err := html.Parse(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), doc
}

// elements are the elements under n that keep says to, in document order.
func elements(n *html.Node, keep func(*html.Node) bool) []*html.Node {
	var found []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && keep(d) {
			found = append(found, d)
		}
	}
	return found
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

func byID(t testing.TB, doc *html.Node, id string) *html.Node {
	t.Helper()
	found := elements(doc, func(n *html.Node) bool { v, _ := attr(n, "id"); return v == id })
	if len(found) != 1 {
		t.Fatalf("%d elements of id %q, want 1", len(found), id)
	}
	return found[0]
}

// cells are the cells of a section of the page.
func cells(t testing.TB, doc *html.Node, section string) []*html.Node {
	return elements(byID(t, doc, section), func(n *html.Node) bool { return n.Data == "li" })
}

// cell is the one cell of the section whose text has name.
func cell(t testing.TB, doc *html.Node, section, name string) *html.Node {
	t.Helper()
	var found []*html.Node
	for _, c := range cells(t, doc, section) {
		if strings.Contains(text(c), name) {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d cells of %s in #%s, want 1", len(found), name, section)
	}
	return found[0]
}

// linkedCell is the one cell of the section that links to the card id.
func linkedCell(t testing.TB, doc *html.Node, section, id string) *html.Node {
	t.Helper()
	var found []*html.Node
	for _, c := range cells(t, doc, section) {
		if href(c) == "#"+id {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d cells in #%s link to %s, want 1", len(found), section, id)
	}
	return found[0]
}

// facts are a card's facts, by name; a linked one's value is "text <href>".
func facts(card *html.Node) map[string]string {
	got := map[string]string{}
	for _, dt := range elements(card, func(n *html.Node) bool { return n.Data == "dt" }) {
		dd := dt.NextSibling
		value := text(dd)
		for _, a := range elements(dd, func(n *html.Node) bool { return n.Data == "a" }) {
			href, _ := attr(a, "href")
			value += " <" + href + ">"
		}
		got[text(dt)] = value
	}
	return got
}

// href is where the cell links, "" when it does not.
func href(c *html.Node) string {
	for _, a := range elements(c, func(n *html.Node) bool { return n.Data == "a" }) {
		v, _ := attr(a, "href")
		return v
	}
	return ""
}

// TestHTMLWaiver: a waived check has a card, in a section of its own,
// and its card and its cell say the waiver's reason and date, the
// block's owner and its link, linked when it is a web address; an
// expired waiver's card, among the failures, says it expired.
func TestHTMLWaiver(t *testing.T) {
	page, doc := htmlOf(t, auditRecords())
	card := byID(t, doc, waivedCard)
	if section := card.Parent; section == nil || !hasAttr(section, "id", "waived") {
		t.Errorf("the waived card is not in the Waived section")
	}
	got := facts(card)
	for name, want := range map[string]string{
		"waiver": "legacy console, replacement tracked in SEC-142",
		"until":  "2027-01-31",
		"owner":  "netops",
		"link":   "https://wiki.example.com/pci/1.2.1 <https://wiki.example.com/pci/1.2.1>",
		"note":   "", // the waiver's own line, said in full already
	} {
		if got[name] != want {
			t.Errorf("the waived card's %s is %q, want %q", name, got[name], want)
		}
	}
	title, _ := attr(linkedCell(t, doc, "matrix", waivedCard), "title")
	for _, want := range []string{"\nwaiver: legacy console, replacement tracked in SEC-142\n", "\nuntil: 2027-01-31\n", "\nowner: netops\n", "\nlink: https://wiki.example.com/pci/1.2.1"} {
		if !strings.Contains(title, want) {
			t.Errorf("the waived cell's title %q does not say %q", title, want)
		}
	}

	expired := byID(t, doc, "check-mx-198.18.0.3-tcp-23-blocked")
	if section := expired.Parent; !hasAttr(section, "id", "failures") {
		t.Errorf("the expired waiver's card is not among the failures")
	}
	got = facts(expired)
	if !strings.HasPrefix(got["until"], "2026-01-31, expired") || !strings.Contains(text(expired), "waiver expired") {
		t.Errorf("the expired waiver's card does not say it expired: until %q\n%s", got["until"], text(expired))
	}
	if got["link"] != "ticket SEC-142" {
		t.Errorf("a link that is no web address is %q, want it as text", got["link"])
	}
	if !strings.Contains(page, "Waived (2)") || !strings.Contains(page, "Failures and errors (5)") {
		t.Errorf("the sections do not count 2 waived checks and 5 failures")
	}
}

func hasAttr(n *html.Node, name, want string) bool {
	v, ok := attr(n, name)
	return ok && v == want
}

// TestHTMLNotes: a note that qualifies an outcome ("or a silent
// listener") is on its cell, in the title and as a mark, run of ports
// included, and on its card.
func TestHTMLNotes(t *testing.T) {
	_, doc := htmlOf(t, auditRecords())
	for _, name := range []string{"udp/137 filtered", "udp/1000-1002 filtered"} {
		c := cell(t, doc, "matrix", name)
		title, _ := attr(c, "title")
		if !strings.HasSuffix(title, "\nnote: or a silent listener") || !strings.HasSuffix(text(c), " *") {
			t.Errorf("the cell of %s, %q, titled %q, does not carry its note", name, text(c), title)
		}
	}
	card := byID(t, doc, "check-mx-198.18.0.2-udp-161-listening")
	if note := facts(card)["note"]; !strings.HasPrefix(note, "the port did not answer SNMP") {
		t.Errorf("the card of udp/161 says the note %q", note)
	}
	c := cell(t, doc, "matrix", "udp/161 listening")
	if title, _ := attr(c, "title"); !strings.Contains(title, "\nnote: the port did not answer SNMP") || !strings.Contains(text(c), " *") {
		t.Errorf("the cell of udp/161, %q, titled %q, does not carry its note", text(c), title)
	}
	if c := cell(t, doc, "matrix", "tcp/25 listening"); strings.Contains(text(c), "*") {
		t.Errorf("a cell without a note is marked: %q", text(c))
	}
	for name, want := range map[string]bool{"udp/137 filtered": true, "udp/161 listening": true, "udp/53 listening": false} {
		class, _ := attr(cell(t, doc, "matrix", name), "class")
		if strings.Contains(class, " ambiguous") != want {
			t.Errorf("the cell of %s is of class %q", name, class)
		}
	}
}

// TestHTMLUndetailedCounted: a row whose detail the matrix leaves out
// still says how many checks it holds, for the filters' count to say
// they are not shown.
func TestHTMLUndetailedCounted(t *testing.T) {
	page := htmlPage(t, func(add func(report.Record)) {
		for a := range 201 {
			for p := range 100 {
				// Every other port: no run to collapse into.
				add(report.Record{Host: "h", Address: fmt.Sprintf("198.18.3.%d", a), Protocol: "tcp", Port: uint16(2 * p),
					Expected: "blocked", Actual: "NOT LISTENING", Verdict: verdict.Pass, Source: "c.hcl:1:1"})
			}
		}
	})
	if !strings.Contains(page, `<tr data-host="h" data-undetailed="100"><th scope="row">h (198.18.3.200)<br>`) {
		t.Error("the last row, left out, does not say how many checks it holds")
	}
	if n := strings.Count(page, "data-undetailed="); n != 1 {
		t.Errorf("%d rows left out, want 1", n)
	}
}

// TestHTMLCellsLinkToCards: a cell whose check has a card links to it,
// and only such a cell; a run of ports is one cell counting each port.
func TestHTMLCellsLinkToCards(t *testing.T) {
	records := auditRecords()
	_, doc := htmlOf(t, records)
	cards := map[string]bool{}
	for _, card := range elements(doc, func(n *html.Node) bool { return n.Data == "article" }) {
		id, _ := attr(card, "id")
		cards[id] = true
	}
	if len(cards) != 7 {
		t.Errorf("%d cards, want 5 failures and 2 waived", len(cards))
	}
	linked := map[string]bool{}
	checks := 0
	for _, c := range cells(t, doc, "matrix") {
		n := 1
		if v, ok := attr(c, "data-checks"); ok {
			fmt.Sscan(v, &n)
		}
		checks += n
		target := href(c)
		if target == "" {
			if v, _ := attr(c, "data-verdict"); v != "pass" && v != "skipped" {
				t.Errorf("the %s cell %q links to no card", v, text(c))
			}
			continue
		}
		id, ok := strings.CutPrefix(target, "#")
		if !ok || !cards[id] || linked[id] {
			t.Errorf("the cell %q links to %q, which is no card or another cell's", text(c), target)
		}
		linked[id] = true
	}
	if len(linked) != len(cards) {
		t.Errorf("%d cards linked from the matrix, want every one of %d", len(linked), len(cards))
	}
	if checks != len(records) {
		t.Errorf("the matrix's cells count %d checks, want %d", checks, len(records))
	}
	if c := cell(t, doc, "matrix", "tcp/1-21 blocked"); href(c) != "" || !hasAttr(c, "data-checks", "21") {
		t.Errorf("the run tcp/1-21: %q links to %q", text(c), href(c))
	}
}

// TestHTMLControlView: a row for each control, with its checks counted
// by verdict and listed, a run of ports as one cell, a check that has a
// card linking to it.
func TestHTMLControlView(t *testing.T) {
	_, doc := htmlOf(t, auditRecords())
	var got []string
	for _, row := range elements(byID(t, doc, "controls"), func(n *html.Node) bool { return n.Data == "tr" && len(n.Attr) > 0 }) {
		control, _ := attr(row, "data-control")
		counts := elements(row, func(n *html.Node) bool { return n.Data == "span" })[0]
		got = append(got, control+": "+text(counts))
		for _, c := range elements(row, func(n *html.Node) bool { return n.Data == "li" }) {
			got = append(got, "  "+text(c)+" "+href(c))
		}
	}
	want := []string{
		"PCI-DSS 1.2.1: 4 checks: 1 pass, 1 fail, 2 waived",
		"  ✓ mx (198.18.0.2) tcp/25 listening LISTENING ",
		"  ~ mx (198.18.0.2) tcp/23 blocked LISTENING #" + waivedCard,
		"  ✗ mx (198.18.0.3) tcp/23 blocked LISTENING #check-mx-198.18.0.3-tcp-23-blocked",
		"  ~ hostile (198.18.0.9) tcp/23 blocked LISTENING #check-hostile-198.18.0.9-tcp-23-blocked",
		"CIS 9.2: 21 checks: 21 pass",
		"  ✓ ns (198.18.0.53) tcp/1-21 blocked NOT LISTENING ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the control view is\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestHTMLControlViewCapped: a control lists at most 100 cells, all of
// them at most 5,000, and a row says how many of its checks it leaves
// out; its counts count every one.
func TestHTMLControlViewCapped(t *testing.T) {
	var records []report.Record
	for c := range 60 {
		for i := range 150 {
			// Every other port: no run to collapse into.
			records = append(records, report.Record{Host: "h", Address: fmt.Sprintf("198.18.1.%d", c), Protocol: "tcp", Port: uint16(2 * i),
				Expected: "blocked", Actual: "NOT LISTENING", Verdict: verdict.Pass, Controls: []string{fmt.Sprintf("C-%d", c)}, Source: "c.hcl:1:1"})
		}
	}
	page, doc := htmlOf(t, records)
	if n := len(cells(t, doc, "controls")); n != 5000 {
		t.Errorf("the control view lists %d cells, want 5000", n)
	}
	for _, want := range []string{
		`<tr data-control="C-0"><th scope="row">C-0<br><span class="note">150 checks: 150 pass</span>`,
		"50 more checks of this control are not listed: the report lists at most 100 cells a control and 5000 in all.",
		`<tr data-control="C-59"><th scope="row">C-59<br><span class="note">150 checks: 150 pass</span></th><td><ul class="cells"></ul><p class="capped">150 more checks`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
}

// TestHTMLEscapesWaivers: a waiver's words, an owner, a link and a
// message are text, whatever they hold; a link that is not a web address
// is no link.
func TestHTMLEscapesWaivers(t *testing.T) {
	page, doc := htmlOf(t, auditRecords())
	for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript`, "</li><script>"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	card := byID(t, doc, "check-hostile-198.18.0.9-tcp-23-blocked")
	got := facts(card)
	for name, want := range map[string]string{
		"waiver": "<script>alert(1)</script>",
		"owner":  `"><img src=x onerror=alert(2)>`,
		"link":   "javascript:alert(3)",
	} {
		if got[name] != want {
			t.Errorf("the hostile card's %s reads %q, want %q as text", name, got[name], want)
		}
	}
	title, _ := attr(linkedCell(t, doc, "matrix", "check-hostile-198.18.0.9-tcp-23-blocked"), "title")
	if !strings.Contains(title, "\nwaiver: <script>alert(1)</script>\n") || !strings.Contains(title, "\nlink: javascript:alert(3)") {
		t.Errorf("the hostile cell's title reads %q", title)
	}
	if n := len(elements(doc, func(n *html.Node) bool { return n.Data == "script" })); n != 1 {
		t.Errorf("%d scripts on the page, want the page's own", n)
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the waiver's reason is not escaped as text")
	}
}

// TestHTMLCardIDs: a card's id is made of the check's words, in the
// characters a fragment carries as they are, and is never made twice.
func TestHTMLCardIDs(t *testing.T) {
	r := report.Record{Vantage: "app", Host: "a b/é", Address: "2001:db8::5", Protocol: "tcp", Port: 25, Expected: "listening",
		Actual: "FILTERED", Verdict: verdict.Fail, Message: "expected listening, got FILTERED", Source: "x.hcl:1:1"}
	_, doc := htmlOf(t, []report.Record{r, r})
	var ids []string
	for _, card := range elements(doc, func(n *html.Node) bool { return n.Data == "article" }) {
		id, _ := attr(card, "id")
		ids = append(ids, id)
	}
	want := []string{"check-app-a-b---2001-db8--5-tcp-25-listening", "check-app-a-b---2001-db8--5-tcp-25-listening-2"}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("card ids %q, want %q", ids, want)
	}
}

// TestHTMLWaivedCapped: the waived checks have cards up to a cap of
// their own, which the page says.
func TestHTMLWaivedCapped(t *testing.T) {
	page := htmlPage(t, func(add func(report.Record)) {
		for i := range 502 {
			add(report.Record{Host: "h", Address: "198.18.4.1", Protocol: "tcp", Port: uint16(1 + 2*i), Expected: "blocked", Actual: "LISTENING",
				Verdict: verdict.Waived, Message: "expected blocked, got LISTENING", Source: "w.hcl:1:1",
				Waiver: &report.Waiver{Reason: "legacy", Until: "2027-01-31"}})
		}
	})
	if n := strings.Count(page, `<article class="waived card`); n != 500 {
		t.Errorf("%d waived cards, want 500", n)
	}
	if !strings.Contains(page, "2 more waived checks are left out: the report details at most 500.") || !strings.Contains(page, "Waived (502)") {
		t.Error("the page does not say it left 2 waived checks out")
	}
}
