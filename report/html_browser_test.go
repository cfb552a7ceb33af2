package report_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"

	"github.com/portspec/portspec/internal/browser"
	"github.com/portspec/portspec/internal/needs"
)

// probe is a script a test adds to its copy of a page, after the page's
// own: once the page has loaded and scrolled, it writes on the body what
// the DOM does not hold, the scroll and the URL, and then, when the page
// was opened without a fragment, sets the verdict filter as a person
// would, for the test to see the filters written into the URL.
const probe = `<script>
addEventListener("load", function () {
  setTimeout(function () {
    var target = location.hash.length > 1 && document.getElementById(location.hash.slice(1));
    var body = document.body, root = document.documentElement;
    body.dataset.scrolled = Math.round(scrollY);
    body.dataset.atBottom = scrollY + innerHeight >= root.scrollHeight - 1;
    if (target) { body.dataset.targetTop = Math.round(target.getBoundingClientRect().top); }
    if (!location.hash) {
      body.dataset.countBefore = document.getElementById("f-count").textContent;
      var verdict = document.getElementById("f-verdict");
      verdict.value = "failing";
      verdict.dispatchEvent(new Event("input"));
      body.dataset.hash = location.hash;
    }
  }, 200);
});
</script>
</body>`

// TestHTMLInBrowser renders the HTML report of auditRecords in headless
// Chromium, as a reader opens it: its script runs and counts checks,
// not cells and cards; a fragment of filters, such as a shared link's
// #verdict=waived, shows only what they match, and the headings count
// what they show; a fragment that is a card's id scrolls to the card; a
// filter changed is written into the URL.
func TestHTMLInBrowser(t *testing.T) {
	chromium, err := browser.Chromium()
	needs.That(t, err == nil, fmt.Sprintf("%v: .ci/run installs it", err))
	records := auditRecords()
	page, _ := htmlOf(t, records)
	dir := t.TempDir()
	plain, probed := filepath.Join(dir, "report.html"), filepath.Join(dir, "probed.html")
	if err := os.WriteFile(plain, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(probed, []byte(strings.Replace(page, "</body>", probe, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	total := len(records)

	// Each Chromium takes a second or two: all at once.
	var wg sync.WaitGroup
	doms := map[string]*html.Node{}
	var mu sync.Mutex
	for name, open := range map[string][2]string{
		"plain":  {probed, ""},
		"waived": {plain, "verdict=waived"},
		"anchor": {probed, waivedCard},
	} {
		wg.Go(func() {
			dom, err := browser.DumpDOM(chromium, open[0], open[1])
			var doc *html.Node
			if err == nil {
				doc, err = html.Parse(strings.NewReader(dom))
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			mu.Lock()
			doms[name] = doc
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	t.Run("the script runs", func(t *testing.T) {
		doc := doms["plain"]
		if _, hidden := attr(byID(t, doc, "filters"), "hidden"); hidden {
			t.Fatal("the filters are hidden: the script did not run")
		}
		body := elements(doc, func(n *html.Node) bool { return n.Data == "body" })[0]
		want := fmt.Sprintf("%d of %d checks shown", total, total)
		if got, _ := attr(body, "data-count-before"); got != want {
			t.Errorf("the count said %q, want %q: each check once", got, want)
		}
		if got, _ := attr(body, "data-hash"); got != "#verdict=failing" {
			t.Errorf("a filter set made the URL's fragment %q, want #verdict=failing", got)
		}
		if got := text(byID(t, doc, "f-count")); got != fmt.Sprintf("5 of %d checks shown", total) {
			t.Errorf("the count with verdict=failing says %q", got)
		}
	})

	t.Run("a fragment of filters", func(t *testing.T) {
		doc := doms["waived"]
		shown := 0
		for _, el := range elements(doc, func(n *html.Node) bool { _, ok := attr(n, "data-verdict"); return ok }) {
			v, _ := attr(el, "data-verdict")
			_, hidden := attr(el, "hidden")
			if hidden == (v == "waived") {
				t.Errorf("a %s item is hidden=%v with verdict=waived: %.60q", v, hidden, strings.Join(strings.Fields(text(el)), " "))
			}
			if !hidden {
				shown++
			}
		}
		if shown != 2+2+2 { // two waived checks, each a card, a cell, and a cell of the control view
			t.Errorf("%d items shown, want 6", shown)
		}
		for id, want := range map[string]string{
			"f-count":    fmt.Sprintf("2 of %d checks shown", total),
			"failures-h": "Failures and errors (0 of 5 shown)",
			"waived-h":   "Waived (2 of 2 shown)",
			"controls-h": "By control (1 of 2 shown)",
			"matrix-h":   fmt.Sprintf("Every check (2 of %d shown)", total),
		} {
			if got := text(byID(t, doc, id)); got != want {
				t.Errorf("#%s says %q, want %q", id, got, want)
			}
		}
		// A row shows while it has a waived check to show.
		for _, row := range elements(doc, func(n *html.Node) bool { return n.Data == "tr" && len(n.Attr) > 0 }) {
			_, hidden := attr(row, "hidden")
			waived := elements(row, func(n *html.Node) bool { return hasAttr(n, "data-verdict", "waived") })
			if hidden == (len(waived) > 0) {
				t.Errorf("the row %q is hidden=%v", text(row.FirstChild), hidden)
			}
		}
	})

	t.Run("a fragment that is a card's id", func(t *testing.T) {
		doc := doms["anchor"]
		if hidden := elements(doc, func(n *html.Node) bool { _, ok := attr(n, "hidden"); return ok }); len(hidden) > 0 {
			t.Errorf("%d elements hidden, the first %.60q: the anchor was read as filters", len(hidden), strings.Join(strings.Fields(text(hidden[0])), " "))
		}
		body := elements(doc, func(n *html.Node) bool { return n.Data == "body" })[0]
		scrolled, _ := attr(body, "data-scrolled")
		top, _ := attr(body, "data-target-top")
		atBottom, _ := attr(body, "data-at-bottom")
		t.Logf("opened at #%s, the page scrolled %spx, the card %spx from the top (at the bottom: %s)", waivedCard, scrolled, top, atBottom)
		// The card is at the top of the window, or as near as the page's
		// end lets it be.
		if scrolled == "0" || !(top == "0" || atBottom == "true" && regexp.MustCompile(`^\d+$`).MatchString(top)) {
			t.Errorf("opened at #%s, the page scrolled %spx, the card %spx from the top (at the bottom: %s)", waivedCard, scrolled, top, atBottom)
		}
	})
}
