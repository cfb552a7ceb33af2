package escape

import (
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/escape/escapetest"
)

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"mx.example.com", "mx.example.com"},
		{"", ""},
		{"ticket #123", "ticket #123"},
		{"a\nb", `a\nb`},
		{"\r\t", `\r\t`},
		{"x\x1b[2Jy\x1bc", `x\x1b[2Jy\x1bc`},
		{"del\x7f", `del\x7f`},
		{"csi\u009b31m", `csi\u009b31m`},
		{"nel\u0085", `nel\u0085`},
		{"abc\u202eevil", `abc\u202eevil`},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`},
		{"zw\u200bj\u200d", `zw\u200bj\u200d`},
		{"bom\ufeff", `bom\ufeff`},
		{"non\ufffe\uffff\ufdd0", `non\ufffe\uffff\ufdd0`},
		{"bad\xff\xfe", `bad\xff\xfe`},
		{"tag\U000e0001, private\U000f0000", `tag\U000e0001, private\U000f0000`},
		{"::add-mask::secret", `\x3a:add-mask::secret`},
		{"  ::warning::x", `  \x3a:warning::x`},
		{"\u00a0\u3000::error::x", "\u00a0\u3000" + `\x3a:error::x`},
		{"\n::set-output name=a::b", `\n::set-output name=a::b`},
		{"a ::b", "a ::b"},
		{"::1", "::1"},
		{"::ffff:198.18.0.1", "::ffff:198.18.0.1"},
		{":: me (::1)", `\x3a: me (::1)`},
		{":: me", ":: me"},
		{"x ##[warning]pwn", `x #\x23[warning]pwn`},
		{"##vso[task.setvariable]x", `#\x23vso[task.setvariable]x`},
		{"###[", `##\x23[`},
		{"x ##teamcity[setParameter name='env.PWN' value='1']", `x #\x23teamcity[setParameter name='env.PWN' value='1']`},
		{"## heading [1]", "## heading [1]"},
		{"##", "##"},
		{"café, 東京, ✓", "café, 東京, ✓"},
		{`C:\path\x1b`, `C:\path\x1b`},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTextKeepsSafeStringsWithoutCopying(t *testing.T) {
	s := strings.Repeat("tcp/25 listening ", 4)
	if allocs := testing.AllocsPerRun(100, func() { _ = Text(s) }); allocs != 0 {
		t.Errorf("Text of safe text allocates %v times", allocs)
	}
}

func TestBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"SSH-2.0-OpenSSH_9.2", 80, "SSH-2.0-OpenSSH_9.2"},
		{"abcdef", 3, "abc…"},
		{"abc", 3, "abc"},
		{"é\x1bé", 2, `é\x1b…`},
		{"\xff\xfe\xfd", 2, `\xff\xfe…`},
	} {
		if got := Bytes([]byte(c.in), c.max); got != c.want {
			t.Errorf("Bytes(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestLines(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a\nb\n", "a\nb\n"},
		{"+x\n ::warning::y\n-\x1b[2J\n", "+x\n " + `\x3a:warning::y` + "\n" + `-\x1b[2J` + "\n"},
		{"::a::b\r\n", `\x3a:a::b\r` + "\n"},
	} {
		if got := Lines(c.in); got != c.want {
			t.Errorf("Lines(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestQuote(t *testing.T) {
	if got, want := Quote([]byte("SSH-2.0\r\n##[warning]x\u202e\xff")), `"SSH-2.0\r\n#\x23[warning]x\u202e\xff"`; got != want {
		t.Errorf("Quote = %s, want %s", got, want)
	}
}

func TestQuoteCut(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"tcp", 8, `"tcp"`},
		{"##vso[task.setvariable]x", 8, `"#\x23vso[ta"…`},
		{"ééé", 3, `"é"…`},
	} {
		if got := QuoteCut(c.in, c.max); got != c.want {
			t.Errorf("QuoteCut(%q, %d) = %s, want %s", c.in, c.max, got, c.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"tcp/25 listening", "tcp/25 listening"},
		{"<script>alert(1)</script>", `\<script\>alert(1)\</script\>`},
		{"a | b", `a \| b`},
		{"</td></tr>", `\</td\>\</tr\>`},
		{"`code` [link](http://x) ![i](y) &amp; not_listening *em*", "\\`code\\` \\[link\\](http://x) !\\[i\\](y) \\&amp; not_listening *em*"},
		{`\<b>`, `\\\<b\>`},
		{"nul\x00esc\x1b\nnext", `nul\\x00esc\\x1b\\nnext`},
	} {
		if got := Markdown(c.in); got != c.want {
			t.Errorf("Markdown(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzText holds Text to its promise for any input: printable, one line,
// no command the runner would read, and idempotent.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "::x::y", " \u00a0::x", "a\n::add-mask::b", "##[error]x", "\x1b[2J", "\u202e", "\xff", "\\x1b", ":\u200b:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Text(s)
		escapetest.AssertField(t, got)
		if again := Text(got); again != got {
			t.Errorf("Text is not idempotent: %q -> %q -> %q", s, got, again)
		}
		cell := Markdown(s)
		escapetest.AssertField(t, cell)
		for _, bad := range []string{"<", ">", "|"} {
			if strings.Contains(strings.ReplaceAll(cell, `\`+bad, ""), bad) {
				t.Errorf("Markdown(%q) = %q has a bare %q", s, cell, bad)
			}
		}
	})
}
