package arguments

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseCompletion(t *testing.T) {
	for _, shell := range Shells {
		if c, err := ParseCompletion([]string{shell}); err != nil || c.Shell != shell {
			t.Errorf("%s: %+v, %v", shell, c, err)
		}
	}
	checkRefused(t, "completion", ParseCompletion, []refused{
		{nil, "name one shell: bash, zsh, fish, powershell"},
		{[]string{"bash", "zsh"}, "name one shell"},
		{[]string{"tcsh"}, `no completion for the shell "tcsh": portspec has scripts for bash, zsh, fish, powershell`},
	})
	_, err := ParseCompletion([]string{"--help"})
	if usageErr := (*Error)(nil); !errors.As(err, &usageErr) || !usageErr.Help {
		t.Errorf("--help: %v", err)
	}
}

// flagValueLines are a command line each flag of flagValues parses in,
// its value where VALUE is.
var flagValueLines = map[string]struct {
	parse func([]string) error
	args  []string
}{
	"color":       {func(a []string) error { _, err := ParseValidate(a); return err }, []string{"p", "--color", "VALUE"}},
	"annotations": {func(a []string) error { _, err := ParseMerge(a); return err }, []string{"r.json", "--annotations", "VALUE"}},
	"p":           {func(a []string) error { _, err := ParseQuery(a); return err }, []string{"-n", "h", "-p", "VALUE"}},
	"others":      {func(a []string) error { _, err := ParseSnapshot(a); return err }, []string{"-n", "h", "--others", "VALUE"}},
}

// The words completion offers for a flag are the words its parser takes:
// each one parses, and the parser's refusal of another names them all,
// so that a word added to a parser's list and not to flagValues shows
// in the message and fails here.
func TestFlagValues(t *testing.T) {
	for name, values := range flagValues {
		line, ok := flagValueLines[name]
		if !ok {
			t.Errorf("--%s: no command line to parse it in", name)
			continue
		}
		with := func(v string) []string {
			return strings.Split(strings.ReplaceAll(strings.Join(line.args, "\x00"), "VALUE", v), "\x00")
		}
		for _, v := range values {
			if err := line.parse(with(v)); err != nil {
				t.Errorf("--%s %s: %v", name, v, err)
			}
		}
		err := line.parse(with("bogus"))
		if err == nil {
			t.Fatalf("--%s bogus is taken", name)
		}
		listed := strings.Count(err.Error(), ",") + strings.Count(err.Error(), " or ")
		for _, v := range values {
			if !strings.Contains(err.Error(), v) {
				t.Errorf("--%s: %q does not name %s", name, err, v)
			}
		}
		if listed != len(values)-1 {
			t.Errorf("--%s: %q names %d words, flagValues %d", name, err, listed+1, len(values))
		}
	}
	if got := FlagValues("check", "color"); !reflect.DeepEqual(got, []string{"auto", "always", "never"}) {
		t.Errorf("check --color: %q", got)
	}
	if got := FlagValues("check", "p"); got != nil {
		t.Errorf("check has no -p: %q", got)
	}
}

// A command that takes no operand refuses one.
func TestTakesOperands(t *testing.T) {
	for command, parse := range map[string]func() error{
		"query":    func() error { _, err := ParseQuery([]string{"-n", "h", "operand"}); return err },
		"snapshot": func() error { _, err := ParseSnapshot([]string{"-n", "h", "operand"}); return err },
		"version":  func() error { return ParseVersion([]string{"operand"}) },
		"agent":    func() error { return ParseAgent([]string{"operand"}) },
	} {
		if err := parse(); TakesOperands(command) || err == nil || !strings.Contains(err.Error(), "argument") {
			t.Errorf("%s takes operands: %v", command, err)
		}
	}
	for _, command := range []string{"check", "validate", "fmt", "merge", "diff", "profiles", "completion"} {
		if !TakesOperands(command) {
			t.Errorf("%s takes none", command)
		}
	}
}

func TestSpecOf(t *testing.T) {
	s, paths, err := SpecOf("check", []string{"a.hcl", "--junit", "j.xml", "--var", "x=1", "--max-load-time", "2s", "b/", "--from"})
	if err == nil {
		t.Errorf("a flag without its value: %+v %q", s, paths)
	}
	s, paths, err = SpecOf("check", []string{"a.hcl", "--junit", "j.xml", "--var", "x=1", "--max-load-time", "2s", "-q", "-v", "b/"})
	switch {
	case err != nil:
		t.Fatal(err)
	case !reflect.DeepEqual(paths, []string{"a.hcl", "b/"}) || !reflect.DeepEqual([]string(s.Vars), []string{"x=1"}) || s.Load.Time.Seconds() != 2 || s.Load.Memory != DefaultLoadMemory:
		t.Errorf("%q %+v", paths, s)
	}
	if _, _, err := SpecOf("validate", []string{"--max-load-time", "0s", "a.hcl"}); err == nil {
		t.Error("a load with no time to run")
	}
	if _, _, err := SpecOf("merge", []string{"r.json"}); err == nil {
		t.Error("merge loads a spec")
	}
}

// A flag is offered and documented as the help writes it.
func TestSpelling(t *testing.T) {
	for _, tc := range []struct{ command, name, want string }{
		{"check", "tag", "--tag"},
		{"check", "wait", "--wait"},
		{"check", "q", "-q"},
		{"query", "nr", "-nr"},
		{"query", "local", "-local"},
		{"query", "wport", "-wport"},
		{"query", "wpid", "-wpid"},
		{"query", "timeout", "-timeout"},
		{"snapshot", "n", "-n"},
		{"snapshot", "name", "--name"},
		{"snapshot", "others", "--others"},
		{"fmt", "check", "-check"},
		{"fmt", "recursive", "-recursive"},
		{"fmt", "color", "--color"},
		{"merge", "v", "-v"},
		{"diff", "markdown", "--markdown"},
	} {
		if got := Spelling(tc.command, tc.name); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.command, tc.name, got, tc.want)
		}
	}
}

// Every command's help has a summary, a clause on one line.
func TestSummary(t *testing.T) {
	for _, command := range Commands() {
		s := HelpOf(command).Summary()
		if s == "" || strings.ContainsAny(s, "\n:;") || strings.HasSuffix(s, ".") {
			t.Errorf("%s: %q", command, s)
		}
	}
	for _, tc := range []struct{ description, want string }{
		{"Probes a host: then more.", "probes a host"},
		{"JSON reports, compared.\nMore.", "JSON reports, compared"},
		{"Reads *.hcl files; or not", "reads *.hcl files"},
	} {
		if got := (Help{Description: tc.description}).Summary(); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.description, got, tc.want)
		}
	}
}
