package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeSpec(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const portVarSpec = `
variable "port" {
  type    = number
  default = 1
}
host "h" {
  address = "198.18.0.2"
  tcp "listening" { ports = [var.port] }
}
`

// TestVariablePrecedence pins the order in which variable sources win:
// default, then PORTSPEC_VAR_, then each --var-file, then each --var.
func TestVariablePrecedence(t *testing.T) {
	dir := writeSpec(t, map[string]string{
		"spec.hcl":  portVarSpec,
		"a.vars":    "port = 3\n",
		"b.vars":    "port = 4\n",
		"typo.vars": "prot = 5\n",
	})
	specPath := filepath.Join(dir, "spec.hcl")
	for _, tc := range []struct {
		name string
		opts Options
		want uint16
	}{
		{"default", Options{}, 1},
		{"environment", Options{Environ: []string{"PORTSPEC_VAR_port=2", "PORTSPEC_VAR_other=x"}}, 2},
		{"var-file beats environment", Options{Environ: []string{"PORTSPEC_VAR_port=2"}, VarFiles: []string{filepath.Join(dir, "a.vars")}}, 3},
		{"later var-file wins", Options{VarFiles: []string{filepath.Join(dir, "a.vars"), filepath.Join(dir, "b.vars")}}, 4},
		{"--var beats all", Options{Environ: []string{"PORTSPEC_VAR_port=2"}, VarFiles: []string{filepath.Join(dir, "a.vars")}, Vars: []string{"port=9", "port=6"}}, 6},
		// An overridden value is never evaluated, so a bad one cannot fail
		// the load (issue #14, item 12).
		{"--var beats a bad environment value", Options{Environ: []string{"PORTSPEC_VAR_port=[oops"}, Vars: []string{"port=7"}}, 7},
		{"a later --var beats a bad one", Options{Vars: []string{"port=[oops", "port=8"}}, 8},
		{"a var-file beats a bad environment value", Options{Environ: []string{"PORTSPEC_VAR_port=not a number"}, VarFiles: []string{filepath.Join(dir, "a.vars")}}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLoader()
			s, diags := l.Load([]string{specPath}, tc.opts)
			if diags.HasErrors() {
				t.Fatal(render(l, diags))
			}
			got := s.Hosts[0].Expectations[0].Ports[0].Low
			if got != tc.want {
				t.Errorf("port = %d, want %d", got, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"undeclared --var", Options{Vars: []string{"prot=5"}}, `--var prot:1:1: Error: Undeclared variable "prot"`},
		{"malformed --var", Options{Vars: []string{"port"}}, "A --var takes name=value"},
		{"wrong type --var", Options{Vars: []string{"port=[1"}}, "--var port:1:"},
		{"non-number --var", Options{Vars: []string{`port="x"`}}, `Variable "port" is of type number`},
		{"undeclared in var-file", Options{VarFiles: []string{filepath.Join(dir, "typo.vars")}}, `Did you mean "port"?`},
		{"missing var-file", Options{VarFiles: []string{filepath.Join(dir, "nope.vars")}}, "Cannot read variable file"},
		// The error quotes the value that counts, not another --var's.
		{"repeated --var, the last bad", Options{Vars: []string{"port=5", "port=[oops"}}, "[oops"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLoader()
			_, diags := l.Load([]string{specPath}, tc.opts)
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			if out := render(l, diags); !strings.Contains(out, tc.want) {
				t.Errorf("diagnostics lack %q:\n%s", tc.want, out)
			}
		})
	}
}
