package outputs

import (
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/spec"
)

// AnnotationsFromEnv is what --annotations auto means here: github,
// gitlab or none, from the variables the CI system sets.
func AnnotationsFromEnv() string { return Flags{Annotations: "auto"}.annotationMode() }

// WriteGitHubDiagnostics writes a spec's diagnostics as GitHub Actions
// workflow commands, an ::error or ::warning at each one's range, its
// file relative to $GITHUB_WORKSPACE, so that a broken policy shows on
// the pull request's diff. As many are written as the text shows
// (spec.MaxDiagnostics).
func WriteGitHubDiagnostics(w io.Writer, diags hcl.Diagnostics) error {
	workspace := os.Getenv("GITHUB_WORKSPACE")
	for i, d := range diags {
		if i == spec.MaxDiagnostics {
			break
		}
		kind := "error"
		if d.Severity == hcl.DiagWarning {
			kind = "warning"
		}
		var at report.Place
		if r := d.Subject; r != nil && r.Start.Line > 0 {
			at = report.Place{File: inWorkspaceName(r.Filename, workspace), Line: r.Start.Line, Col: r.Start.Column,
				EndLine: r.End.Line, EndColumn: r.End.Column}
		}
		message := d.Detail
		if message == "" {
			message = d.Summary
		}
		if _, err := io.WriteString(w, report.WorkflowCommand(kind, at, escape.Text(d.Summary), escape.Lines(message))); err != nil {
			return err
		}
	}
	return nil
}

// inWorkspaceName is a spec file's name for an annotation: relative to
// the workspace when inside it, escaped as any spec text is.
func inWorkspaceName(file, workspace string) string {
	return escape.Text(report.InWorkspace(file, workspace))
}
