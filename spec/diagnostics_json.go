package spec

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/internal/escape"
)

// Validation is validate --json's output, in the shape of terraform
// validate -json, so that tools that read Terraform's read it: valid,
// the counts, and each diagnostic with its range.
type Validation struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []JSONDiagnostic `json:"diagnostics"`
	// Hosts and Checks are what validate counts, when valid.
	Hosts  int `json:"hosts"`
	Checks int `json:"checks"`
}

// JSONDiagnostic is one diagnostic; Range is absent for one that points
// at no file (a problem of the command line).
type JSONDiagnostic struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail"`
	Range    *JSONRange `json:"range,omitempty"`
}

// JSONRange is a diagnostic's place: lines and columns from 1, bytes from 0.
type JSONRange struct {
	Filename string  `json:"filename"`
	Start    JSONPos `json:"start"`
	End      JSONPos `json:"end"`
}

// JSONPos is a position in a file.
type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// NewValidation is the JSON form of diags: every one counted, at most
// MaxDiagnostics listed, as the text shows them, and their text escaped
// as every report's is.
func NewValidation(diags hcl.Diagnostics) Validation {
	v := Validation{FormatVersion: "1.0", Diagnostics: []JSONDiagnostic{}}
	for _, d := range diags {
		severity := "error"
		if d.Severity == hcl.DiagWarning {
			severity = "warning"
			v.WarningCount++
		} else {
			v.ErrorCount++
		}
		if len(v.Diagnostics) == MaxDiagnostics {
			continue
		}
		jd := JSONDiagnostic{Severity: severity, Summary: escape.Lines(d.Summary), Detail: escape.Lines(d.Detail)}
		if r := d.Subject; r != nil && r.Start.Line > 0 {
			jd.Range = &JSONRange{Filename: escape.Text(r.Filename),
				Start: JSONPos{r.Start.Line, r.Start.Column, r.Start.Byte}, End: JSONPos{r.End.Line, r.End.Column, r.End.Byte}}
		}
		v.Diagnostics = append(v.Diagnostics, jd)
	}
	v.Valid = v.ErrorCount == 0
	return v
}
