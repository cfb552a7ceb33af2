package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/human"
	"github.com/portspec/portspec/internal/outputs"
	"github.com/portspec/portspec/spec"
)

func runValidate(std streams, args []string) error {
	f, err := arguments.ParseValidate(args)
	if err != nil {
		return err
	}
	if f.JSON {
		return validateJSON(std, f)
	}
	l, err := loadAndSay(std, f.Paths, &f.Spec, diagnosticsOut{mode: outputs.AnnotationsFromEnv(), always: true})
	if err == nil {
		err = selected(std.stderr, "validate", l, &f.Spec)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.stdout, "ok: %d %s, %d %s\n", l.hosts, human.Plural(l.hosts, "host", "hosts"), l.checks, human.Plural(l.checks, "check", "checks"))
	return nil
}

// validateJSON is validate --json: every finding, the loader's and the
// selection's, as one JSON document on stdout; exit 2 when it is not
// valid, as validate's text.
func validateJSON(std streams, f *arguments.Validate) error {
	l, err := loadSpec(std.stdin, f.Paths, &f.Spec)
	diags := l.diags
	commandLine := &hcl.Range{Filename: "<command line>"}
	if err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Loading stopped", Detail: errorText(err), Subject: commandLine})
	} else if !diags.HasErrors() {
		summary, note, err := selectionProblem(l, &f.Spec)
		switch {
		case err != nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: err.Error(), Subject: commandLine})
		case note != "":
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: note, Subject: commandLine})
		}
	}
	v := spec.NewValidation(diags)
	if v.Valid {
		v.Hosts, v.Checks = l.hosts, l.checks
	}
	enc := json.NewEncoder(std.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return exit.Errorf(exit.Incomplete, "portspec validate: writing the JSON: %v", err)
	}
	if !v.Valid {
		return exit.Status(exit.Usage)
	}
	return nil
}

// errorText is what an error says, or its exit code when it says nothing.
func errorText(err error) string {
	var e *exit.Error
	if errors.As(err, &e) && e.Msg == "" {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return err.Error()
}
