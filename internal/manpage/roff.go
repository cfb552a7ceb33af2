package manpage

import (
	"fmt"
	"strings"
)

// escape makes s text that roff prints as it is: a backslash, a hyphen
// (a minus in an option, which groff would set as a hyphen that does not
// paste into a shell), quotes, the accents groff turns ~ and ^ into, and
// any character beyond ASCII, which groff reads only through preconv.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\e`)
		case r == '-':
			b.WriteString(`\-`)
		case r == '"':
			b.WriteString(`\(dq`)
		case r == '\'':
			b.WriteString(`\(aq`)
		case r == '`':
			b.WriteString(`\(ga`)
		case r == '~':
			b.WriteString(`\(ti`)
		case r == '^':
			b.WriteString(`\(ha`)
		case r > '~' || r < ' ' && r != '\t':
			fmt.Fprintf(&b, `\[u%04X]`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// lines are text as roff text lines, each escaped: a line that would
// begin with a dot, a request, begins with \& instead, and a blank one,
// which roff would print as it is, starts a paragraph.
func lines(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			b.WriteString(".PP\n")
			continue
		case strings.HasPrefix(line, "."):
			b.WriteString(`\&`)
		}
		b.WriteString(escape(line) + "\n")
	}
	return b.String()
}
