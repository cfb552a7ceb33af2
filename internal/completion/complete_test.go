package completion

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/spec"
)

// program is a Program as main's, with a spec's names for the line that
// names "spec.hcl", and none for any other.
var program = Program{
	Commands: []string{"check", "completion", "fmt", "help", "merge", "profiles", "query", "snapshot", "validate", "version"},
	Operands: map[string][]string{"help": {"check", "query"}, "completion": arguments.Shells, "profiles": {"builtin/web_server", "builtin/dns_server"}},
	Names: func(command string, args []string) Names {
		if slices.Contains(args, "spec.hcl") {
			return Names{From: []string{"app", "ops"}, Tags: []string{"pci", "web"}, Controls: []string{"PCI-DSS 1.2.1", "bad\x1b[31m", "PCI\u202eevil", "C-$(touch pwned)", `C-"quote`, "C-`run`"}}
		}
		return Names{}
	},
}

func TestComplete(t *testing.T) {
	files := Reply{Files: true}
	for _, tc := range []struct {
		words []string
		want  Reply
	}{
		// Commands.
		{nil, words("check", "completion", "fmt", "help", "merge", "profiles", "query", "snapshot", "validate", "version")},
		{[]string{"ch"}, words("check")},
		{[]string{"nope", ""}, Reply{}},
		// Flags, spelt as the user began them, or as the help does.
		{[]string{"check", "--ta"}, words("--tag")},
		{[]string{"check", "-ta"}, words("-tag")},
		{[]string{"check", "--v"}, words("--v", "--var", "--var-file", "--via", "--via-binary")},
		{[]string{"query", "-w"}, words("-wpid", "-wport", "-wt")},
		{[]string{"query", "--wp"}, words("--wpid", "--wport")},
		{[]string{"fmt", "-"}, words("-check", "--color", "-diff", "--max-load-memory", "--max-load-time", "-recursive", "-w")},
		{[]string{"check", "p/", "--", "--t"}, files},
		// A flag's value: a closed set, a spec's names, a file, or nothing.
		{[]string{"check", "--color", ""}, words("auto", "always", "never")},
		{[]string{"check", "--color=a"}, words("--color=auto", "--color=always")},
		{[]string{"fmt", "-color", "n"}, words("never")},
		{[]string{"merge", "--annotations", ""}, words("auto", "github", "gitlab", "none")},
		{[]string{"query", "-p", ""}, words("tcp", "udp", "both")},
		{[]string{"snapshot", "--others", "n"}, words("not_listening")},
		{[]string{"check", "spec.hcl", "--from", ""}, words("app", "ops")},
		{[]string{"validate", "--from", "o", "spec.hcl", "--tag", ""}, words("pci", "web")},
		{[]string{"check", "spec.hcl", "--control", ""}, words("PCI-DSS 1.2.1")},
		{[]string{"check", "spec.hcl", "--control=P"}, words("--control=PCI-DSS 1.2.1")},
		{[]string{"check", "other.hcl", "--from", ""}, Reply{}},
		{[]string{"check", "--junit", ""}, files},
		{[]string{"check", "--var-file=x"}, files},
		{[]string{"check", "--via-binary", ""}, files},
		{[]string{"check", "--timeout", ""}, Reply{}},
		{[]string{"query", "-n", ""}, Reply{}},
		// A flag's value is not a flag, nor an operand.
		{[]string{"check", "--junit", "-"}, files},
		{[]string{"check", "--color", "never", "p"}, files},
		{[]string{"check", "-q", ""}, files},
		// Operands: files, a closed set, or flags where there are none.
		{[]string{"check", ""}, files},
		{[]string{"fmt", "-w", ""}, files},
		{[]string{"help", "q"}, words("query")},
		{[]string{"help", "query", ""}, Reply{}},
		{[]string{"completion", ""}, words(arguments.Shells...)},
		{[]string{"profiles", "builtin/w"}, words("builtin/web_server")},
		{[]string{"query", ""}, words("-cn", "-e", "-icmp-interval", "-l", "-local", "-n", "-nr", "-o", "-p", "-q", "-r", "-source-prefix", "-sp", "-syn", "-timeout", "-tries", "-wpid", "-wport", "-wt", "-y")},
		{[]string{"query", "x"}, Reply{}},
		{[]string{"version", ""}, Reply{}},
	} {
		if got := Complete(program, tc.words); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %+v, want %+v", tc.words, got, tc.want)
		}
	}
}

func words(w ...string) Reply { return Reply{Candidates: w} }

// The answer's first line is its kind, so that no candidates and a file
// name are told apart.
func TestReplyWrite(t *testing.T) {
	for _, tc := range []struct {
		reply Reply
		want  string
	}{
		{Reply{Files: true}, "files\n"},
		{Reply{}, "words\n"},
		{words("--tag", "PCI-DSS 1.2.1"), "words\n--tag\nPCI-DSS 1.2.1\n"},
	} {
		var b bytes.Buffer
		if err := tc.reply.Write(&b); err != nil || b.String() != tc.want {
			t.Errorf("%+v: %q, %v, want %q", tc.reply, b.String(), err, tc.want)
		}
	}
}

// The names --from, --tag and --control select by, as the selection
// counts them: a host's and its blocks', a profile's blocks' included.
func TestNamesOf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spec.hcl")
	text := `
profile "base" {
  tcp "blocked" {
    ports   = [23]
    tags    = ["legacy"]
    control = "CIS 9.2"
  }
}
host "web" {
  address  = "192.0.2.10"
  tags     = ["web"]
  profiles = ["base"]
  control  = "PCI-DSS 1.2.1"
  tcp "listening" {
    ports = [443]
    from  = ["internet", "app"]
  }
}
host "db" {
  address = "192.0.2.20"
  from    = ["app"]
  tcp "listening" {
    ports = [5432]
    tags  = ["pci", "web"]
  }
}
`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, diags := spec.NewLoader().Load([]string{path}, spec.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := Names{From: []string{"app", "internet"}, Tags: []string{"legacy", "pci", "web"}, Controls: []string{"CIS 9.2", "PCI-DSS 1.2.1"}}
	if got := NamesOf(s); !reflect.DeepEqual(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
}

// Every shell of completion has a script, which asks __complete.
func TestScript(t *testing.T) {
	for _, shell := range arguments.Shells {
		if s := Script(shell); !strings.Contains(s, "__complete") {
			t.Errorf("%s: %q", shell, s)
		}
	}
	if Script("tcsh") != "" {
		t.Error("tcsh has a script")
	}
}
