package spec

import (
	"bytes"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/rogpeppe/go-internal/diff"

	"github.com/portspec/portspec/internal/escape"
)

// Format returns the file in canonical layout, with its original bytes. It
// parses the file first and returns the syntax errors instead, so that a
// broken file is never rewritten into something that looks fixed.
func (l *Loader) Format(filename string) (formatted, original []byte, diags hcl.Diagnostics) {
	f, diags := l.parseFile(filename, "spec file")
	if f == nil || diags.HasErrors() {
		return nil, nil, diags
	}
	return hclwrite.Format(f.Bytes), f.Bytes, diags
}

// FormatSource is Format for a spec that is not a file, such as stdin:
// name is what diagnostics call it.
func (l *Loader) FormatSource(name string, src []byte) (formatted []byte, diags hcl.Diagnostics) {
	if int64(len(src)) > l.MaxFileSize {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Spec too large",
			Detail:  fmt.Sprintf("%s is larger than %d bytes, the most a spec file may be.", name, l.MaxFileSize),
			Subject: &hcl.Range{Filename: name}}}
	}
	f, diags := l.parseSource(src, name, "spec")
	if f == nil || diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(f.Bytes), diags
}

// Formatted is a spec file, as it is and in canonical layout.
type Formatted struct {
	Name                string
	Formatted, Original []byte
	// Diff is what formatting changes, once Diffed has made it.
	Diff []byte
}

// Changed reports whether formatting changes the file.
func (f *Formatted) Changed() bool { return !bytes.Equal(f.Formatted, f.Original) }

// Diffed makes Diff: a unified diff of the change, if any, with the
// spec's lines and its name escaped, for they are text from outside on
// their way to a CI log.
func (f *Formatted) Diffed() {
	if f.Changed() {
		name := escape.Text(f.Name)
		f.Diff = []byte(escape.Lines(string(diff.Diff(name, f.Original, name+" (formatted)", f.Formatted))))
	}
}
