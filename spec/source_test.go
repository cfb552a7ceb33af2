package spec

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// A source of a million tokens is parsed, one more is refused at that
// token: HCL's parser holds hundreds of bytes a token, and fmt -check of
// 16 MiB of "1," reached 8.8 GB (issue #19, B5).
func TestTooManyTokens(t *testing.T) {
	if diag := checkSource([]byte(strings.Repeat("\n", maxTokens)), "n.hcl", false); diag != nil {
		t.Errorf("%d newlines refused: %s", maxTokens, diag)
	}
	diag := checkSource([]byte(strings.Repeat("\n", maxTokens+1)), "n.hcl", false)
	if diag == nil || diag.Summary != "Too many tokens" || diag.Subject.Start != (hcl.Pos{Line: maxTokens + 1, Column: 1, Byte: maxTokens}) {
		t.Errorf("%d newlines: %v", maxTokens+1, diag)
	}
	// Each "@" is a token of its own, and an error.
	diag = checkSource([]byte("x = "+strings.Repeat("@", maxTokens)), "a.hcl", false)
	if diag == nil || diag.Summary != "Too many tokens" || diag.Subject.Start.Column != maxTokens-2+5 {
		t.Errorf("a million \"@\": %v", diag)
	}
}

// HCL's parser joins a template's pieces of text one at a time, copying
// the text so far and moving the parts after it: 160,000 "$" in a string
// took 33 s, a heredoc of 40,000 lines 58 s. What templates would cost it
// more than maxJoining to join is refused where it passes that, and what
// policies write is not (issue #19, B5).
func TestTemplatesTooCostly(t *testing.T) {
	heredoc := func(lines int) string {
		return "x = <<EOT\n" + strings.Repeat(strings.Repeat("a", 99)+"\n", lines) + "EOT\n"
	}
	for _, tc := range []struct {
		name, src string
		line      int
	}{
		{"160,000 $", "x = \"" + strings.Repeat("$", 160_000) + "\"\n", 1},
		{"160,000 %", "x = \"" + strings.Repeat("%", 160_000) + "\"\n", 1},
		{"1,000,000 $${", "x = \"" + strings.Repeat("$${", 1_000_000) + "\"\n", 1},
		{"80,000 %%{ in a heredoc", "x = <<EOT\n" + strings.Repeat("%%{", 80_000) + "\nEOT\n", 2},
		{"heredoc of 40,000 lines", heredoc(40_000), 2153},
		{"a$ a thousand times a thousand", "x = \"" + strings.Repeat(strings.Repeat("a", 1000)+"$", 1000) + "\"\n", 1},
	} {
		diag := checkSource([]byte(tc.src), "t.hcl", false)
		if diag == nil || diag.Summary != "Templates too costly to parse" || diag.Subject.Start.Line != tc.line {
			t.Errorf("%s: %v", tc.name, diag)
		}
	}
	for _, tc := range []struct{ name, src string }{
		{"heredoc of 2,000 lines", heredoc(2000)},
		{"4,000 $", "x = \"" + strings.Repeat("$", 4000) + "\"\n"},
		{"100,000 interpolations", "x = \"" + strings.Repeat("a${b}", 100_000) + "\"\n"},
		{"a thousand templates of a hundred $", strings.Repeat("x = \""+strings.Repeat("$", 100)+"\"\n", 1000)},
		{"16 MiB of text", "x = \"" + strings.Repeat("a", 16<<20) + "\"\n"},
	} {
		if diag := checkSource([]byte(tc.src), "t.hcl", false); diag != nil {
			t.Errorf("%s: refused: %s", tc.name, diag)
		}
	}
}
