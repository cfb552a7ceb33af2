package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// loadFailing loads one spec file from memory and renders its diagnostics
// as the CLI prints them, without colour.
func loadFailing(t *testing.T, src string) (string, hcl.Diagnostics) {
	t.Helper()
	l := NewLoader()
	l.FS = fstest.MapFS{"spec.hcl": {Data: []byte(src)}}
	_, diags := l.Load([]string{"spec.hcl"}, Options{})
	if !diags.HasErrors() {
		t.Fatal("the spec loaded without errors")
	}
	return render(l, diags), diags
}

// A diagnostic quotes one line of the source, at most 200 characters of
// it around the place, not the whole line nor every line of its range
// (issue #19, item 7).
func TestDiagnosticQuotesOneBoundedLine(t *testing.T) {
	long := "host \"mx\" {\n  address = \"198.18.0.2\"\n  tcp \"listening\" { ports = [" +
		strings.Repeat("1, ", 3000) + "0, 2" + strings.Repeat(", 3", 3000) + "] }\n}\n"
	out, _ := loadFailing(t, long)
	quoted := regexp.MustCompile(`(?m)^   3: (.*)$`).FindStringSubmatch(out)
	if quoted == nil {
		t.Fatalf("no quoted line 3:\n%s", out)
	}
	line := quoted[1]
	if n := utf8.RuneCountInString(line); n > maxQuoted+2 {
		t.Errorf("quoted %d characters of a %d-character line, want at most %d and the marks of the cuts", n, len(long), maxQuoted)
	}
	if !strings.HasPrefix(line, "…") || !strings.HasSuffix(line, "…") || !strings.Contains(line, "1, 1, 0, 2, 3, 3") {
		t.Errorf("the quote is not the place, cut on both sides: %q", line)
	}

	// A range over several lines quotes its first.
	l := NewLoader()
	l.FS = fstest.MapFS{"spec.hcl": {Data: []byte("a\nb\nc\nd\n")}}
	l.parseFile("spec.hcl", "spec file")
	multi := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Over lines", Subject: &hcl.Range{Filename: "spec.hcl",
		Start: hcl.Pos{Line: 2, Column: 1, Byte: 2}, End: hcl.Pos{Line: 4, Column: 2, Byte: 7}}}
	out = render(l, hcl.Diagnostics{multi})
	if !strings.Contains(out, "   2: b\n") || strings.Contains(out, "   3:") || strings.Contains(out, "   4:") {
		t.Errorf("a range over lines 2 to 4 quoted:\n%s", out)
	}
}

// What a diagnostic prints of a spec, its source line, a summary or a
// detail that quotes it, cannot drive a terminal or a CI log: no raw
// control character, no bidi override, no line a CI system reads as a
// command (issue #19, items 4 and 7).
func TestDiagnosticEscapesSpecText(t *testing.T) {
	src := "host \"mx\" {\n  address = \"198.18.0.2\"\n" +
		"  tcp \"listning\" { ports = [25] } # \x1b[2J\x1bc \u202eevil \u2028 \u009b31m\n}\n"
	out, diags := loadFailing(t, src)
	l := NewLoader()
	forged := &hcl.Diagnostic{Severity: hcl.DiagError,
		Summary: "Unknown \x1b]0;title\x07 \"x\"",
		Detail:  "The value is \"a\n::add-mask::secret\n  ::warning::PWN\u202e\x1b[31m\".",
		Subject: &hcl.Range{Filename: "policy/\x1b[2Jx.hcl\n::error::y"}}
	out += render(l, hcl.Diagnostics{forged})
	if !strings.Contains(out, `\x1b[2J\x1bc \u202eevil \u2028 \u009b31m`) {
		t.Errorf("the source line's controls are not shown escaped:\n%s", out)
	}
	for _, bad := range []string{"\x1b", "\u202e", "\u2028", "\u009b", "\a"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q reached the output:\n%s", bad, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::") {
			t.Errorf("a line starts a workflow command: %q", line)
		}
	}
	if len(diags) == 0 {
		t.Fatal("no diagnostics")
	}
}

// At most 50 diagnostics are printed a run, across the writes of a run,
// then one line says how many more there were (issue #19, item 7).
func TestDiagnosticsAtMostFifty(t *testing.T) {
	var src strings.Builder
	src.WriteString("locals {\n")
	for i := range 120 {
		fmt.Fprintf(&src, "  x%d = nope%d\n", i, i)
	}
	src.WriteString("}\n")
	out, diags := loadFailing(t, src.String())
	if len(diags) != 120 {
		t.Fatalf("%d diagnostics, want 120", len(diags))
	}
	if n := strings.Count(out, ": Error: "); n != MaxDiagnostics {
		t.Errorf("printed %d diagnostics, want %d", n, MaxDiagnostics)
	}
	if !strings.HasSuffix(out, "\nand 70 more errors\n") {
		t.Errorf("the output does not end with the count of the rest:\n%s", out[max(0, len(out)-300):])
	}

	var b strings.Builder
	w := NewDiagnosticWriter(&b, false)
	warning := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "W", Subject: &hcl.Range{Filename: "f.hcl"}}
	for range 2 {
		w.Write(nil, append(diags[:30:30], warning))
	}
	w.Close()
	if n := strings.Count(b.String(), ": Error: ") + strings.Count(b.String(), ": Warning: "); n != MaxDiagnostics {
		t.Errorf("two writes printed %d diagnostics, want %d", n, MaxDiagnostics)
	}
	if !strings.HasSuffix(b.String(), "\nand 11 more errors and 1 more warning\n") {
		t.Errorf("two writes end:\n%s", b.String()[max(0, b.Len()-200):])
	}
}

// The values a failed function call's diagnostic shows are cut short:
// a value can be megabytes.
func TestDiagnosticValuesBounded(t *testing.T) {
	out, _ := loadFailing(t, "locals {\n  a = join(\"\", [for i in range(1000) : \""+strings.Repeat("7", 1000)+"x\"])\n  b = parseint(local.a, 10)\n}\n")
	if !strings.Contains(out, "with local.a as \"7777") || !strings.Contains(out, "(1001000 bytes)") {
		t.Errorf("the value of local.a is not shown cut:\n%.2000s", out)
	}
	if len(out) > 4000 {
		t.Errorf("%d bytes of diagnostics for one error", len(out))
	}
}

// Runs of thousands of errors on a line of kilobytes print a bounded
// output: 8 KB of "!-" once printed 65 MB in 16 s (issue #19, item 7).
// Such chains are now refused whole by the nesting limit, so the errors
// here are many shallow ones, each quoting the same long line.
func TestDiagnosticsOfOneLongLine(t *testing.T) {
	for _, tc := range []struct {
		name, line string
	}{
		{"8 KB of !-a", "[" + strings.Repeat("!-a, ", 8<<10/5) + "]"},
		{"32 KB of references", "[" + strings.Repeat("a, ", 32<<10/3) + "]"},
	} {
		out, diags := loadFailing(t, "locals {\n  x = "+tc.line+"\n}\n")
		t.Logf("%s: %d diagnostics, %d bytes printed", tc.name, len(diags), len(out))
		if len(diags) <= MaxDiagnostics {
			t.Fatalf("%s: %d diagnostics, too few to prove the cap", tc.name, len(diags))
		}
		if len(out) > 1<<20 || !strings.Contains(out, fmt.Sprintf("and %d more errors", len(diags)-MaxDiagnostics)) {
			t.Errorf("%s: %d bytes of diagnostics, want at most 1 MB ending with how many more", tc.name, len(out))
		}
	}
}

// A detail is cut to its first 20 lines and 4 KiB, held and printed,
// with a line that says how much was left out: regex's error repeats its
// pattern, and a pattern of newlines printed a megabyte a diagnostic
// (issue #19, B3).
func TestDiagnosticDetailBounded(t *testing.T) {
	// 4000 newlines: a pattern within the cap, whose error quotes it.
	out, diags := loadFailing(t, "locals {\n  p = \"(${join(\"\", [for i in range(1000) : \"\\n\\n\\n\\n\"])}\"\n  x = regex(local.p, \"a\")\n}\n")
	if len(diags) != 1 {
		t.Fatalf("%d diagnostics, want 1:\n%s", len(diags), out)
	}
	if n := len(diags[0].Detail); n > maxDetailBytes+100 {
		t.Errorf("the diagnostic holds a detail of %d bytes", n)
	}
	_, detail, _ := strings.Cut(out, "missing closing ) in (\n")
	if lines := strings.Count(detail, "\n"); lines > maxDetailLines+3 || !strings.Contains(detail, "…\n(") || !strings.Contains(detail, " more bytes of this detail left out)\n") {
		t.Errorf("%d lines printed after the pattern's first:\n%s", lines, out)
	}

	// A detail of a million lines, and one of a single line of megabytes.
	l := NewLoader()
	for _, long := range []string{strings.Repeat("line\n", 1<<20), strings.Repeat("\x1b", 1<<20)} {
		diag := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Long", Detail: "The detail:\n" + long, Subject: &hcl.Range{Filename: "f.hcl"}}
		out := render(l, hcl.Diagnostics{diag})
		if len(out) > 4*maxDetailBytes || strings.Count(out, "\n") > maxDetailLines+5 {
			t.Errorf("a detail of %d bytes printed %d bytes in %d lines", len(diag.Detail), len(out), strings.Count(out, "\n"))
		}
		m := regexp.MustCompile(`\n\((\d+) more bytes of this detail left out\)\n`).FindStringSubmatch(out)
		if m == nil {
			t.Errorf("no word of what was left out:\n%s", out)
		} else if left, _ := strconv.Atoi(m[1]); left < len(diag.Detail)-maxDetailBytes {
			t.Errorf("said %d bytes were left out of %d", left, len(diag.Detail))
		}
	}

	// A short detail is printed whole.
	if d := "One line.\nTwo lines."; cutDetail(d) != d {
		t.Errorf("cutDetail(%q) = %q", d, cutDetail(d))
	}
}

// regex and regexall refuse a pattern of more than 4 KiB, saying how
// long it is rather than quoting it: compiling one of a megabyte took a
// second and its error printed it whole (issue #19, B3).
func TestRegexPatternBounded(t *testing.T) {
	for _, fn := range []string{"regex", "regexall"} {
		out, diags := loadFailing(t, "locals {\n  p = \"(${join(\"\", [for i in range(1024) : \""+strings.Repeat("\\n", 1024)+"\"])}\"\n  x = "+fn+"(local.p, \"a\")\n}\n")
		if len(diags) != 1 || !strings.Contains(diags[0].Detail, "the pattern is 1048577 bytes, more than the 4096 a regular expression may be") {
			t.Errorf("%s:\n%s", fn, out)
		}
		if len(out) > 2000 {
			t.Errorf("%s: %d bytes of diagnostics", fn, len(out))
		}
	}
	if _, diags := loadFailing(t, "locals {\n  x = regexall(\""+strings.Repeat("a", MaxPatternBytes)+"\", \"a\")\n  y = nope\n}\n"); len(diags) != 1 {
		t.Errorf("a pattern of %d bytes is refused: %v", MaxPatternBytes, diags)
	}
}

// A block that checks exactly what an earlier one of its host does is
// said, with where the first is; one that differs in any way a probe or
// a selection sees is not (issue #24).
func TestRepeatedBlockWarned(t *testing.T) {
	l := NewLoader()
	l.FS = fstest.MapFS{"spec.hcl": {Data: []byte(`host "mx" {
  address = "198.18.0.25"
  tcp "listening" { ports = [25, 587] }
  tcp "listening" { ports = [25, 587] }
  tcp "listening" {
    ports = [25, 587]
    from  = ["dmz"]
  }
  udp "listening" { ports = [25, 587] }
}
`)}}
	s, diags := l.Load([]string{"spec.hcl"}, Options{})
	if s == nil || diags.HasErrors() {
		t.Fatal(diags)
	}
	var repeated []string
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning && d.Summary == "Repeated block" {
			repeated = append(repeated, fmt.Sprintf("%d: %s", d.Subject.Start.Line, d.Detail))
		}
	}
	if len(repeated) != 1 || !strings.HasPrefix(repeated[0], "4: ") || !strings.Contains(repeated[0], "previous definition was at spec.hcl:3") {
		t.Errorf("repeated blocks: %q", repeated)
	}
}
