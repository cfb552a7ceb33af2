package spec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
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
