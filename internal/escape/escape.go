package escape

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text makes s safe to print on a terminal, into a log file, or into the
// output of a CI job, which the CI system reads for commands:
//
//   - C0 and C1 controls and DEL become Go escapes ("\n", "\x1b",
//     "\u009b"), so the text never moves the cursor, clears the screen,
//     starts a new line, or opens an escape sequence;
//   - format characters (bidi overrides such as U+202E, zero-width
//     characters), line and paragraph separators, noncharacters and
//     bytes that are not UTF-8 are escaped the same way, so what a
//     reader sees is what is there;
//   - text that would begin a GitHub Actions workflow command ("::" at
//     the start, after white space, as the runner trims it, and another
//     "::" after it) or an in-line one ("##[", Azure's "##vso[",
//     TeamCity's "##teamcity[", anywhere in a line) has a character of
//     it escaped, so only portspec's own commands reach the CI system.
//
// A backslash is left as it is, so Text(Text(s)) == Text(s): text that
// passed through a JSON report and back is not escaped twice. Text
// returns s itself, without copying, when nothing needs escaping.
func Text(s string) string {
	if safe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	write(&b, s)
	return b.String()
}

// Bytes is Text of bytes from outside, such as a banner or a UDP reply,
// cut to at most max runes of the input, with "…" where it was cut.
func Bytes(p []byte, max int) string {
	cut := false
	n := 0
	for i := range string(p) {
		if n == max {
			p, cut = p[:i], true
			break
		}
		n++
	}
	s := Text(string(p))
	if cut {
		s += "…"
	}
	return s
}

// Lines is Text of each line of s, keeping the line feeds between them:
// many lines from outside at once, such as a diff of a spec file.
func Lines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Text(l)
	}
	return strings.Join(lines, "\n")
}

// Quote is b as a Go string literal, "SSH-2.0-OpenSSH\r\n", made safe by
// Text: strconv.Quote escapes controls but leaves "##[" as it is.
func Quote(b []byte) string { return Text(strconv.Quote(string(b))) }

// QuoteCut is Quote of at most the first max bytes of s, cut at a
// character, with "…" after the quote where s was cut: for an error that
// names a value from outside, which can be megabytes.
func QuoteCut(s string, max int) string {
	head, cut := cutAt(s, max)
	return Quote([]byte(head)) + cut
}

// TextCut is Text of at most the first max bytes of s, cut at a
// character, with "…" where s was cut: for a far end's words, repeated
// in a report.
func TextCut(s string, max int) string {
	head, cut := cutAt(s, max)
	return Text(head) + cut
}

// cutAt is at most the first max bytes of s, cut at a character, and
// "…" when that left anything out.
func cutAt(s string, max int) (head, cut string) {
	if len(s) <= max {
		return s, ""
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max], "…"
}

// Strings is Text of every element: ss itself when none needs escaping,
// else a new slice, so that a slice shared with its source (a spec's
// tags) is never written.
func Strings(ss []string) []string {
	for i, s := range ss {
		if safe(s) {
			continue
		}
		out := append([]string(nil), ss...)
		for j := i; j < len(out); j++ {
			out[j] = Text(out[j])
		}
		return out
	}
	return ss
}

// Markdown makes s safe as text in GitHub's or GitLab's Markdown, in a
// table cell or a line of its own: Text, then a backslash before every
// character by which Markdown would read it as more than text (a
// "<script>", a "|" that ends the cell, a link, code).
func Markdown(s string) string {
	s = Text(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		if r < utf8.RuneSelf && strings.ContainsRune(markdownPunct, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// markdownPunct is the punctuation by which Markdown, GitHub's and
// GitLab's, would let text out of its table cell: the cell's end, inline
// HTML and entities, code spans, links and images. (A backslash before
// any ASCII punctuation is that character in CommonMark.) Emphasis only
// changes how text looks, and escaping '_' would make every
// "not_listening" read "not\_listening" in the raw summary.
const markdownPunct = "\\`[]<>|&"

// safe reports whether Text would leave s as it is.
func safe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= utf8.RuneSelf || c == '#' && i+1 < len(s) && s[i+1] == '#' {
			return false
		}
	}
	return !startsCommand(s)
}

// startsCommand reports whether s, after the white space the Actions
// runner trims, reads as a workflow command: "::", then another "::"
// that ends the command's name ("::add-mask::x"). An IPv6 address such
// as "::1" holds one "::" at most, and is left as it is. White space that
// Text escapes ("\n") is no longer white space once escaped, so it does
// not count.
func startsCommand(s string) bool {
	rest, ok := strings.CutPrefix(strings.TrimLeftFunc(s, printedSpace), "::")
	return ok && strings.Contains(rest, "::")
}

func printedSpace(r rune) bool { return unicode.IsSpace(r) && !needsEscape(r) }

func write(b *strings.Builder, s string) {
	if startsCommand(s) {
		rest := strings.TrimLeftFunc(s, printedSpace)
		writeRunes(b, s[:len(s)-len(rest)])
		b.WriteString(`\x3a`)
		s = rest[1:]
	}
	writeRunes(b, s)
}

func writeRunes(b *strings.Builder, s string) {
	done := 0 // s[:done] is written
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7f && c != '#' {
			i++ // printable ASCII: written with the rest of its run
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(s[done:i])
			writeHex(b, `\x`, rune(s[i]), 2)
		case r == '#' && legacyCommandAt(s, i):
			// "##[" becomes "#\x23[", "##vso[" "#\x23vso[": the first '#'
			// stays, the second is escaped.
			b.WriteString(s[done:i])
			b.WriteString(`#\x23`)
			size = 2
		case needsEscape(r):
			b.WriteString(s[done:i])
			writeQuoted(b, r)
		default:
			i += size
			continue
		}
		i += size
		done = i
	}
	b.WriteString(s[done:])
}

// legacyCommandAt reports whether a CI system's in-line command starts
// at s[i]: "##", a name of letters, or none, then "[": the Actions
// runner's legacy "##[", Azure Pipelines' "##vso[", TeamCity's
// "##teamcity[".
func legacyCommandAt(s string, i int) bool {
	rest, ok := strings.CutPrefix(s[i:], "##")
	if !ok {
		return false
	}
	name := strings.IndexFunc(rest, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') })
	return name >= 0 && rest[name] == '['
}

func needsEscape(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true // C0, DEL, C1
	case r < utf8.RuneSelf:
		return false
	case unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Cs):
		return true // format (bidi, zero width), separators, private use
	case r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe:
		return true // noncharacters
	}
	return false
}

// writeQuoted writes r escaped as Go would in a string literal: "\n",
// "\x1b", "\u202e". It writes to b, digit by digit: a field of a million
// control bytes from a result file must not cost two strings each.
func writeQuoted(b *strings.Builder, r rune) {
	switch {
	case r == '\n':
		b.WriteString(`\n`)
	case r == '\r':
		b.WriteString(`\r`)
	case r == '\t':
		b.WriteString(`\t`)
	case r < 0x80:
		writeHex(b, `\x`, r, 2)
	case r <= 0xffff:
		writeHex(b, `\u`, r, 4)
	default:
		writeHex(b, `\U`, r, 8)
	}
}

// writeHex writes prefix, then v in n hex digits, at most 8.
func writeHex(b *strings.Builder, prefix string, v rune, n int) {
	const digits = "0123456789abcdef"
	var buf [10]byte
	out := append(buf[:0], prefix...)
	for shift := 4 * (n - 1); shift >= 0; shift -= 4 {
		out = append(out, digits[v>>shift&0xf])
	}
	b.Write(out)
}
