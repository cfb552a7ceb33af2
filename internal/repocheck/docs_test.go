package repocheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// readmeMaxLines bounds the README: it says what portspec is, how to
// install and start, and where the rest is; the rest is in docs/ (issue
// #24 found 1,372 lines that a newcomer had to scroll through).
const readmeMaxLines = 300

// TestREADMELength keeps the README short enough to read.
func TestREADMELength(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(text), "\n"); n > readmeMaxLines {
		t.Errorf("README.md has %d lines, more than %d: move the detail to a page under docs/", n, readmeMaxLines)
	}
}

// docFiles are the Markdown files a reader follows links between: the
// README and every page under docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob("../../docs/*.md")
	if err != nil || len(pages) < 5 {
		t.Fatalf("docs/ has %d pages (%v): not the repository", len(pages), err)
	}
	return append([]string{"../../README.md"}, pages...)
}

// TestDocLinks resolves every relative link of the README and of docs/:
// the file must exist and the anchor must be one of its headings, so that
// a section moved or renamed cannot leave a reader at the top of the
// wrong page.
func TestDocLinks(t *testing.T) {
	checked := 0
	for _, file := range docFiles(t) {
		for _, l := range markdownLinks(t, file) {
			checked++
			if err := resolveLink(file, l.target); err != nil {
				t.Errorf("%s:%d: link %s: %v", strings.TrimPrefix(file, "../../"), l.line, l.target, err)
			}
		}
	}
	// The pages link to each other dozens of times; a handful means the
	// link pattern stopped matching, and the test would pass on nothing.
	if checked < 50 {
		t.Errorf("found %d relative links in README.md and docs/: fewer than the pages hold", checked)
	}
}

// TestREADMELinksEveryDoc holds the README's Documentation list to the
// pages under docs/: a page nothing links to is a page nobody finds.
func TestREADMELinksEveryDoc(t *testing.T) {
	linked := map[string]bool{}
	for _, l := range markdownLinks(t, "../../README.md") {
		path, _, _ := strings.Cut(l.target, "#")
		linked[filepath.Clean(path)] = true
	}
	for _, page := range docFiles(t)[1:] {
		rel := filepath.Join("docs", filepath.Base(page))
		if !linked[rel] {
			t.Errorf("README.md does not link %s: add it to the Documentation list", rel)
		}
	}
}

// TestResolveLinkFails makes sure the link check can fail: a missing file
// and a missing heading are both caught.
func TestResolveLinkFails(t *testing.T) {
	for _, target := range []string{"docs/no-such-page.md", "docs/spec.md#no-such-heading", "#no-such-heading"} {
		if err := resolveLink("../../README.md", target); err == nil {
			t.Errorf("link %s resolves", target)
		}
	}
	for _, target := range []string{"docs/spec.md", "docs/spec.md#values", "#install"} {
		if err := resolveLink("../../README.md", target); err != nil {
			t.Errorf("link %s: %v", target, err)
		}
	}
}

type link struct {
	line   int
	target string
}

var (
	linkTarget = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	codeSpan   = regexp.MustCompile("`[^`]*`")
	headingRE  = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	inlineLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
)

// markdownLinks lists the relative links of a Markdown file, outside
// fenced code blocks and code spans, where GitHub renders no link.
func markdownLinks(t *testing.T, file string) []link {
	t.Helper()
	lines, err := proseLines(file)
	if err != nil {
		t.Fatal(err)
	}
	var links []link
	for i, line := range lines {
		line = codeSpan.ReplaceAllString(line, "")
		for _, m := range linkTarget.FindAllStringSubmatch(line, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			links = append(links, link{i + 1, target})
		}
	}
	return links
}

// proseLines reads a Markdown file and blanks the lines of its fenced
// code blocks, keeping the others' numbers.
func proseLines(file string) ([]string, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(text), "\n")
	fence := ""
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		switch {
		case fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
			fence = trimmed[:3]
			lines[i] = ""
		case fence != "":
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			lines[i] = ""
		}
	}
	return lines, nil
}

// resolveLink checks one link of file: its path, relative to file's
// directory, must exist, and its anchor must be a heading of the file it
// names (file itself when the path is empty).
func resolveLink(file, target string) error {
	path, anchor, _ := strings.Cut(target, "#")
	dest := file
	if path != "" {
		dest = filepath.Join(filepath.Dir(file), path)
		if _, err := os.Stat(dest); err != nil {
			return fmt.Errorf("no file %s", path)
		}
	}
	if anchor == "" {
		return nil
	}
	if !strings.HasSuffix(dest, ".md") {
		return fmt.Errorf("an anchor into %s, which is not Markdown", filepath.Base(dest))
	}
	anchors, err := headingAnchors(dest)
	if err != nil {
		return err
	}
	if !anchors[anchor] {
		return fmt.Errorf("no heading of %s has the anchor #%s", filepath.Base(dest), anchor)
	}
	return nil
}

// headingAnchors are the anchors GitHub gives a file's headings: the
// heading's text, lower-cased, spaces made '-', every other character but
// letters, digits, '-' and '_' dropped; a repeated one gets -1, -2, ...
func headingAnchors(file string) (map[string]bool, error) {
	lines, err := proseLines(file)
	if err != nil {
		return nil, err
	}
	anchors := map[string]bool{}
	seen := map[string]int{}
	for _, line := range lines {
		m := headingRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		slug := slugify(inlineLink.ReplaceAllString(m[1], "$1"))
		if n := seen[slug]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			anchors[slug] = true
		}
		seen[slug]++
	}
	return anchors, nil
}

func slugify(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestSlugify holds slugify to anchors GitHub gives headings of these
// pages.
func TestSlugify(t *testing.T) {
	for heading, want := range map[string]string{
		"The target's ICMP rate limit":                "the-targets-icmp-rate-limit",
		"Scale-out: vantage points, shards and merge": "scale-out-vantage-points-shards-and-merge",
		"`--via` or a CI matrix":                      "--via-or-a-ci-matrix",
		"This machine's own sockets":                  "this-machines-own-sockets",
		"JSON_layout, v4":                             "json_layout-v4",
	} {
		if got := slugify(heading); got != want {
			t.Errorf("slugify(%q) = %q, want %q", heading, got, want)
		}
	}
}
