package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// scanned is a token as checkSource sees it.
type scanned struct {
	t      hclsyntax.TokenType
	offset int
	text   string
}

func (s scanned) String() string { return fmt.Sprintf("%s@%d%q", s.t, s.offset, s.text) }

// hclTokens is what HCL's own scanner makes of src.
func hclTokens(src []byte) []scanned {
	tokens, _ := hclsyntax.LexConfig(src, "x.hcl", hcl.InitialPos)
	var out []scanned
	for _, t := range tokens {
		s := scanned{t: t.Type, offset: t.Range.Start.Byte}
		switch t.Type {
		case hclsyntax.TokenEOF:
			continue
		case hclsyntax.TokenIdent, hclsyntax.TokenComment, hclsyntax.TokenQuotedLit, hclsyntax.TokenStringLit:
			s.text = string(t.Bytes)
		}
		out = append(out, s)
	}
	return out
}

func ourTokens(src []byte) []scanned {
	var out []scanned
	scanTokens(src, func(t hclsyntax.TokenType, text []byte, offset int) bool {
		out = append(out, scanned{t, offset, string(text)})
		return true
	})
	return out
}

// sameTokens reports the first token where scanTokens and HCL's scanner
// part, if they do.
func sameTokens(t *testing.T, src []byte) {
	t.Helper()
	want, got := hclTokens(src), ourTokens(src)
	for i := range max(len(want), len(got)) {
		var w, g scanned
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Fatalf("source %q: token %d is %v, HCL's scanner has %v\n got: %v\nwant: %v", src, i, g, w, got, want)
		}
	}
}

// scanSeeds are sources where HCL's scanner is easy to get wrong: strings,
// templates, heredocs, comments, numbers, identifiers.
var scanSeeds = []string{
	"x = \"a${b}c%{if d}e%{else}f%{endif}\"\n",
	"x = \"$${a} %%{b} $$ %% $ % \\\" \\\\ \\u00e9 ${a ~}\"",
	"x = \"a\\\nb\" \"$",
	"x = \"%\"",
	"x = <<EOT\n  a ${b} %{for x in y}${x}%{endfor}\n  EOT\nEOT\ny = 1\n",
	"x = <<-EOT\n$\n%\n$${\n%%{~\nEOT\n",
	"x = <<EOT\na\rb\nEOT\n",
	"x = <<EOT\n${a}EOT\nEOT\n",
	"x = <<EOT\r\nEOT\r\n",
	"x = <<EOT",
	"x = <<EOT x\n",
	"x = <<1EOT\n",
	"x = <<é\nx\né\n",
	"x = <<a\u0301\nx\na\u0301\n",
	"x = <<a\u2028\n]\n",
	"x = <<-\nEOT\n",
	"x = \"${\"${\"${a}\"}\"}\"",
	"x = {for k, v in y : k => v... if v}\n",
	"x = a.b[*].c.*.d[0][\"e\"]\n",
	"x = 1e5-3 + 1.e5 + 1.. + 1e+x + 0x1 + 1.5e-3.4\n",
	"x = !a && b || c == d != e < f <= g > h >= i ? j : k % l * m / n - -o\n",
	"# comment\n// comment\r\n/* block\n */ /* not closed\n",
	"a-b-c = a-b - c\n",
	"x = ~} ~ } { ${ } ^ ; ` ' @ $ \\ \t\v\f\r \u00a0 \u3000\n",
	"\xef\xbb\xbfx = 1\n",
	"x = [\"]\", [\"]\", [\"]\"]]]\n",
	"%{ if a }${b}%{ endif }",
	"x = \"\\",
	"x = <<EOT\n$",
	"x = <<EOT\n%{",
	"x = <<EOT\n  \u00a0EOT\u00a0\nEOT\n",
	"provider::a::f(1)\n",
	"x = y::z\n",
}

// TestScanTokensAsHCL: scanTokens reads the seeds, the spec fixtures and
// the examples token for token as HCL's scanner does, so the nesting
// check counts what the parser will see.
func TestScanTokensAsHCL(t *testing.T) {
	for _, s := range scanSeeds {
		sameTokens(t, []byte(s))
	}
	for _, pattern := range []string{"testdata/*/*.hcl", "testdata/*/*/*.hcl", "../examples/*.hcl", "builtin/*.hcl"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			sameTokens(t, src)
		}
	}
	// Every prefix of a seed: the scanner ends mid-token as HCL's does.
	for _, s := range scanSeeds {
		for i := range s {
			sameTokens(t, []byte(s[:i]))
		}
	}
}

// FuzzScanTokens holds scanTokens to HCL's scanner on any UTF-8 source.
// What is not UTF-8 the loader refuses before it scans, and HCL's tables
// read some bytes that are not as letters.
func FuzzScanTokens(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if !utf8.Valid(src) {
			t.Skip("not UTF-8")
		}
		sameTokens(t, src)
	})
}
