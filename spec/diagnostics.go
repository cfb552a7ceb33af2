package spec

import (
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics prints each diagnostic as a file:line:col line that
// editors and CI logs can jump to, followed by hcl's rendering with the
// source snippet. files are the loader's, for the snippets.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) error {
	text := hcl.NewDiagnosticTextWriter(w, files, 0, color)
	for _, diag := range diags {
		if r := diag.Subject; r != nil && r.Filename != "" {
			loc := r.Filename
			if r.Start.Line > 0 {
				loc = fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
			}
			if _, err := fmt.Fprintf(w, "%s: ", loc); err != nil {
				return err
			}
			if r.Start.Line == 0 {
				// About a whole file or path, such as one that is not
				// there: no source line to quote, and HCL would say
				// "on policy/ line 0: (source code not available)".
				whole := *diag
				whole.Subject = nil
				diag = &whole
			}
		}
		if err := text.WriteDiagnostic(diag); err != nil {
			return err
		}
	}
	return nil
}
