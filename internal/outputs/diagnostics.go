package outputs

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/spec"
)

// AnnotationsFromEnv is what --annotations auto means here: github,
// gitlab or none, from the variables the CI system sets.
func AnnotationsFromEnv() string { return Flags{Annotations: "auto"}.AnnotationMode() }

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
		if r := d.Subject; r != nil && r.Start.Line > 0 && r.Filename != spec.StdinName {
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

// WriteCodeQualityDiagnostics writes a spec's diagnostics as GitLab's
// Code Quality report to path (gl-code-quality-report.json when "", w
// for stdout's names), an entry at each one's file and line, the file
// relative to $CI_PROJECT_DIR, so that a broken policy shows on the merge
// request's diff. As many are written as the text shows
// (spec.MaxDiagnostics). A path over a file the command reads
// (protected: its spec and variable files) is refused, as every
// report's is.
func WriteCodeQualityDiagnostics(path string, w io.Writer, protected []string, diags hcl.Diagnostics) error {
	if path == "" {
		path = gitlabCodeQuality
	}
	if err := checkPaths([]*output{{flag: "--codequality", path: path}}, protected); err != nil {
		return exit.Errorf(exit.Usage, "portspec: %v", err)
	}
	workspace := os.Getenv("CI_PROJECT_DIR")
	issues := []report.CodeQualityIssue{}
	for i, d := range diags {
		if i == spec.MaxDiagnostics {
			break
		}
		issue := report.CodeQualityIssue{Description: escape.Text(d.Summary), CheckName: "portspec/spec", Severity: "critical"}
		if d.Detail != "" {
			issue.Description += ": " + escape.Text(d.Detail)
		}
		if d.Severity == hcl.DiagWarning {
			issue.Severity = "minor"
		}
		issue.Location.Path, issue.Location.Lines.Begin = "portspec", 1
		if r := d.Subject; r != nil && r.Start.Line > 0 && r.Filename != spec.StdinName {
			issue.Location.Path, issue.Location.Lines.Begin = inWorkspaceName(r.Filename, workspace), r.Start.Line
		}
		// Stable while the problem stays: its place and what it is.
		issue.Fingerprint = report.Fingerprint(issue.Location.Path, strconv.Itoa(issue.Location.Lines.Begin), d.Summary)
		issues = append(issues, issue)
	}
	b, err := json.MarshalIndent(issues, "", "  ")
	if err != nil {
		return err
	}
	if toStdout(path) {
		_, err := w.Write(append(b, '\n'))
		return err
	}
	if err := atomicfile.MkdirAll(filepath.Dir(path)); err != nil {
		return err
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(append(b, '\n')); err != nil {
		return err
	}
	return f.Commit()
}
