package spec

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/human"
)

// Bounds on what diagnostics print. A spec from a pull request can make
// thousands of errors on one line of megabytes; printing each with its
// whole line once grew with the square of the input (65 MB for 8 KB).
const (
	// MaxDiagnostics is how many diagnostics a run prints; the rest are
	// counted on one line.
	MaxDiagnostics = 50
	// maxQuoted is how many characters of a source line a diagnostic
	// quotes, and of its summary.
	maxQuoted = 200
	// maxDetailLine is how many characters of each line of a detail are
	// printed: more than any of portspec's own, less than a quoted value
	// of megabytes.
	maxDetailLine = 1000
	// maxDetailLines and maxDetailBytes bound a detail as a whole, held
	// and printed: portspec's own take a few lines and a few hundred
	// bytes, and an error that repeats a value (regex's repeats its
	// pattern) can be megabytes of newlines.
	maxDetailLines = 20
	maxDetailBytes = 4 << 10
	// maxValues is how many values of an expression's variables a
	// diagnostic shows ("with local.a as ...").
	maxValues = 10
)

// DiagnosticWriter prints diagnostics as WriteDiagnostics does, over
// several calls, such as fmt's one a file: at most MaxDiagnostics a run,
// then Close says how many more there were.
type DiagnosticWriter struct {
	w                    io.Writer
	color                bool
	printed              int
	moreErrs, moreWarns  int
	highlight, resetCode string
}

// NewDiagnosticWriter returns a writer to w, in colour when color is set.
func NewDiagnosticWriter(w io.Writer, color bool) *DiagnosticWriter {
	d := &DiagnosticWriter{w: w, color: color}
	if color {
		d.highlight, d.resetCode = "\x1b[1;4m", "\x1b[0m"
	}
	return d
}

// WriteDiagnostics prints each diagnostic as a file:line:col line that
// editors and CI logs can jump to, followed by the source line it is about,
// in the look of HCL's own diagnostics. files are the loader's, for the
// source lines. Everything from the spec is escaped (escape.Text) and cut
// short, and at most MaxDiagnostics are printed.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) error {
	d := NewDiagnosticWriter(w, color)
	if err := d.Write(files, diags); err != nil {
		return err
	}
	return d.Close()
}

// Write prints diags, as many as the run's bound leaves, and counts the
// others.
func (d *DiagnosticWriter) Write(files map[string]*hcl.File, diags hcl.Diagnostics) error {
	for _, diag := range diags {
		if d.printed == MaxDiagnostics {
			if diag.Severity == hcl.DiagError {
				d.moreErrs++
			} else {
				d.moreWarns++
			}
			continue
		}
		d.printed++
		var b bytes.Buffer
		d.render(&b, files, diag)
		if _, err := d.w.Write(b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// Close says how many diagnostics were left out, if any were.
func (d *DiagnosticWriter) Close() error {
	var more []string
	if d.moreErrs > 0 {
		more = append(more, fmt.Sprintf("%d more %s", d.moreErrs, human.Plural(d.moreErrs, "error", "errors")))
	}
	if d.moreWarns > 0 {
		more = append(more, fmt.Sprintf("%d more %s", d.moreWarns, human.Plural(d.moreWarns, "warning", "warnings")))
	}
	if len(more) == 0 {
		return nil
	}
	_, err := fmt.Fprintf(d.w, "and %s\n", strings.Join(more, " and "))
	return err
}

func (d *DiagnosticWriter) render(b *bytes.Buffer, files map[string]*hcl.File, diag *hcl.Diagnostic) {
	severity, color := "Error", "\x1b[31m"
	if diag.Severity == hcl.DiagWarning {
		severity, color = "Warning", "\x1b[33m"
	}
	if !d.color {
		color = ""
	}
	r := diag.Subject
	if r != nil && r.Filename != "" {
		if r.Start.Line > 0 {
			fmt.Fprintf(b, "%s:%d:%d: ", quote(r.Filename, maxDetailLine), r.Start.Line, r.Start.Column)
		} else {
			// About a whole file or path, such as one that is not
			// there: no source line to quote.
			fmt.Fprintf(b, "%s: ", quote(r.Filename, maxDetailLine))
			r = nil
		}
	}
	fmt.Fprintf(b, "%s%s%s: %s\n\n", color, severity, d.resetCode, quote(diag.Summary, maxQuoted))
	if r != nil {
		d.renderSource(b, files[r.Filename], *r)
		renderValues(b, diag)
	}
	if diag.Detail != "" {
		for line := range strings.SplitSeq(cutDetail(diag.Detail), "\n") {
			b.WriteString(quote(line, maxDetailLine))
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
}

// cutDetail is detail cut to its first maxDetailLines lines and
// maxDetailBytes bytes, at a character, with a last line that says how
// much was left out; detail itself when it is no longer.
func cutDetail(detail string) string {
	end, lines := 0, 1
	for end < len(detail) && end < maxDetailBytes {
		if detail[end] == '\n' {
			if lines == maxDetailLines {
				break
			}
			lines++
		}
		end++
	}
	if end == len(detail) {
		return detail
	}
	for end > 0 && !utf8.RuneStart(detail[end]) {
		end--
	}
	return fmt.Sprintf("%s…\n(%d more bytes of this detail left out)", strings.TrimSuffix(detail[:end], "\n"), len(detail)-end)
}

// holdDiagnostics cuts the details of ds, as they are collected, to
// what is printed of them: a spec of a few lines can make thousands of
// errors whose details each repeat megabytes of a value.
func holdDiagnostics(ds hcl.Diagnostics) hcl.Diagnostics {
	for _, diag := range ds {
		diag.Detail = cutDetail(diag.Detail)
	}
	return ds
}

// renderSource quotes the line where r starts, with r highlighted.
func (d *DiagnosticWriter) renderSource(b *bytes.Buffer, file *hcl.File, r hcl.Range) {
	if file == nil || file.Bytes == nil {
		fmt.Fprintf(b, "  on %s line %d:\n  (source code not available)\n\n", quote(r.Filename, maxDetailLine), r.Start.Line)
		return
	}
	where := ""
	if nav, ok := file.Nav.(interface{ ContextString(offset int) string }); ok {
		if block := nav.ContextString(r.Start.Byte); block != "" {
			where = ", in " + quote(block, maxQuoted)
		}
	}
	fmt.Fprintf(b, "  on %s line %d%s:\n", quote(r.Filename, maxDetailLine), r.Start.Line, where)
	src := file.Bytes
	from := min(max(r.Start.Byte, 0), len(src))
	start := bytes.LastIndexByte(src[:from], '\n') + 1
	end := len(src)
	if i := bytes.IndexByte(src[from:], '\n'); i >= 0 {
		end = from + i
	}
	line := strings.TrimSuffix(string(src[start:end]), "\r")
	// An empty range is shown as the character it starts at, as HCL does.
	at := min(from-start, len(line))
	to := min(max(r.End.Byte-start, at+1), len(line))
	before, marked, after := excerpt(line, at, to)
	fmt.Fprintf(b, "%4d: %s%s%s%s%s\n\n", r.Start.Line,
		escape.Text(before), d.highlight, escape.Text(marked), d.resetCode, escape.Text(after))
}

// excerpt cuts line to at most maxQuoted characters around its bytes
// [from, to), marking a cut end with "…", and returns the parts before,
// within and after them. The window starts a little before from, so the
// reader sees what leads up to the place.
func excerpt(line string, from, to int) (before, marked, after string) {
	if utf8.RuneCountInString(line) <= maxQuoted {
		return line[:from], line[from:to], line[to:]
	}
	const lead = 40
	start := from
	for n := 0; n < lead && start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(line[:start])
		start -= size
	}
	end := start
	for n := 0; n < maxQuoted && end < len(line); n++ {
		_, size := utf8.DecodeRuneInString(line[end:])
		end += size
	}
	for n := utf8.RuneCountInString(line[start:end]); n < maxQuoted && start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(line[:start])
		start -= size
	}
	to = min(to, end)
	before, marked, after = line[start:from], line[from:to], line[to:end]
	if start > 0 {
		before = "…" + before
	}
	if end < len(line) {
		after += "…"
	}
	return before, marked, after
}

// quote is s escaped, cut to at most max characters. s is cut to the
// bytes those can take before it is copied: it can be megabytes.
func quote(s string, max int) string {
	if len(s) > utf8.UTFMax*max {
		s = s[:utf8.UTFMax*max]
	}
	return escape.Bytes([]byte(s), max)
}

// renderValues shows the values of the variables of the expression that
// failed, as HCL does ("with local.a as "x"."), a few, each cut short.
func renderValues(b *bytes.Buffer, diag *hcl.Diagnostic) {
	if diag.Expression == nil || diag.EvalContext == nil {
		return
	}
	seen := map[string]bool{}
	var stmts []string
	for _, t := range diag.Expression.Variables() {
		v, ds := t.TraverseAbs(diag.EvalContext)
		name := traversalString(t)
		if ds.HasErrors() || seen[name] || !v.IsKnown() || v.IsMarked() {
			continue
		}
		seen[name] = true
		if v.IsNull() {
			stmts = append(stmts, quote(name+" set to null", maxQuoted))
		} else {
			stmts = append(stmts, quote(name+" as "+valueString(v), maxQuoted))
		}
	}
	sort.Strings(stmts)
	if len(stmts) > maxValues {
		stmts = append(stmts[:maxValues], fmt.Sprintf("and %d more", len(stmts)-maxValues))
	}
	for i, s := range stmts {
		lead, end := "     ", ",\n"
		if i == 0 {
			lead = "with "
		}
		if i == len(stmts)-1 {
			end = ".\n\n"
		}
		b.WriteString(lead + s + end)
	}
}

func traversalString(t hcl.Traversal) string {
	var b strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type().IsPrimitiveType() {
				b.WriteString("[" + valueString(s.Key) + "]")
			} else {
				b.WriteString("[...]")
			}
		}
		if b.Len() > maxQuoted {
			break
		}
	}
	return b.String()
}

// valueString says what a value is in a few words: a short value itself,
// and of a collection how many elements it has.
func valueString(v cty.Value) string {
	ty := v.Type()
	switch {
	case v.IsNull():
		return "null"
	case !v.IsKnown():
		return "(not yet known)"
	case ty == cty.Bool:
		return fmt.Sprint(v.True())
	case ty == cty.Number:
		return v.AsBigFloat().Text('g', 10)
	case ty == cty.String:
		// Cut before quoting, at a character, leaving room for the
		// length: a value can be megabytes.
		if s := v.AsString(); len(s) > maxQuoted/2 {
			return fmt.Sprintf("%s (%d bytes)", escape.QuoteCut(s, maxQuoted/2), len(s))
		}
		return escape.Quote([]byte(v.AsString()))
	case ty.IsCollectionType() || ty.IsTupleType():
		return fmt.Sprintf("%s with %d %s", ty.FriendlyName(), v.LengthInt(), human.Plural(v.LengthInt(), "element", "elements"))
	case ty.IsObjectType():
		n := len(ty.AttributeTypes())
		return fmt.Sprintf("object with %d %s", n, human.Plural(n, "attribute", "attributes"))
	}
	return ty.FriendlyName()
}
