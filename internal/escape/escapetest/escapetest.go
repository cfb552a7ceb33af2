// Package escapetest checks, for tests, that text portspec wrote carries
// nothing raw from outside: what internal/escape promises.
package escapetest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FieldProblems says what in s, a field that escape.Text made, is not
// safe: a control or format character, a line or paragraph separator,
// bytes that are not UTF-8, or the start of a workflow command.
func FieldProblems(s string) []string {
	problems := OutputProblems("field", s, nil)
	if strings.Contains(s, "\n") {
		problems = append(problems, fmt.Sprintf("field %q: a line break", s))
	}
	if startsCommand(s) {
		problems = append(problems, fmt.Sprintf("field %q: starts a workflow command", s))
	}
	return problems
}

// OwnCommand is a workflow command portspec writes itself: an error
// annotation whose properties and message are escaped as the runner
// expects (escapeProperty and escapeData in report/annotations.go).
var OwnCommand = regexp.MustCompile(`^::error (file=[^:,\n]+,line=\d+,col=\d+,)?title=[^:,\n]*::[^\n]*$`)

// OutputProblems says what in out, a whole output (stdout, a log, a
// summary), could act on a terminal or a CI job: raw control characters
// other than line feeds and tabs, format characters, separators, bytes
// that are not UTF-8, a line that starts a workflow command ("::" after
// white space) other than one of portspec's own (own, which may be nil),
// and a legacy command ("##[") anywhere.
func OutputProblems(name, out string, own *regexp.Regexp) []string {
	var problems []string
	if !utf8.ValidString(out) {
		problems = append(problems, name+": bytes that are not UTF-8")
	}
	for i, r := range out {
		if r == '\n' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			problems = append(problems, fmt.Sprintf("%s: raw %U at byte %d: %q", name, r, i, around(out, i)))
		}
	}
	for n, line := range strings.Split(out, "\n") {
		if startsCommand(line) && (own == nil || !own.MatchString(line)) {
			problems = append(problems, fmt.Sprintf("%s:%d: a workflow command portspec did not write: %q", name, n+1, line))
		}
		if inlineCommand.MatchString(line) {
			problems = append(problems, fmt.Sprintf("%s:%d: a legacy workflow command: %q", name, n+1, line))
		}
	}
	return problems
}

// inlineCommand is a CI system's command read anywhere in a line: "##[",
// "##vso[", "##teamcity[".
var inlineCommand = regexp.MustCompile(`##[A-Za-z]*\[`)

// startsCommand is how the Actions runner finds a workflow command: "::"
// after white space, then another "::" that ends its name.
func startsCommand(line string) bool {
	rest, ok := strings.CutPrefix(strings.TrimLeftFunc(line, unicode.IsSpace), "::")
	return ok && strings.Contains(rest, "::")
}

func around(s string, i int) string {
	return s[max(0, i-20):min(len(s), i+20)]
}

// AssertField fails t with FieldProblems(s).
func AssertField(t testing.TB, s string) {
	t.Helper()
	for _, p := range FieldProblems(s) {
		t.Error(p)
	}
}
