package junit

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// xmlSafe makes s valid in an XML document: a character XML 1.0 does not
// allow (a control character such as an ANSI escape from a description,
// U+FFFE or U+FFFF from a target's reply, invalid UTF-8) is written as a
// Go-style escape, \x1b or \ufffe, so the report stays valid and still
// shows what was there. encoding/xml would turn these into U+FFFD in
// attributes and text, and leave them raw in CDATA, which breaks the file.
func xmlSafe(s string) string {
	clean := true
	for i, r := range s {
		if !xmlChar(r) || r == utf8.RuneError && isInvalidAt(s, i) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !xmlChar(r) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case !xmlChar(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// xmlChar is XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

func isInvalidAt(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size == 1
}
