package spec

import (
	"flag"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hashicorp/hcl/v2"

	golden_ "github.com/portspec/portspec/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// errorMarker marks, at the end of a fixture line, an error expected to
// start on that line: its summary or detail contains the text.
var errorMarker = regexp.MustCompile(`# ERROR: (.*)$`)

type marker struct {
	file string
	line int
	text string
}

func markers(t *testing.T, files []string) []marker {
	t.Helper()
	var out []marker
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if m := errorMarker.FindStringSubmatch(line); m != nil {
				out = append(out, marker{f, i + 1, strings.TrimSpace(m[1])})
			}
		}
	}
	return out
}

// TestInvalid loads each fixture in testdata/invalid (a file, or a directory
// loaded as one spec) and requires exactly the marked errors: each marker
// matched by an error on its line, and no error left unmarked.
func TestInvalid(t *testing.T) {
	entries, err := os.ReadDir("testdata/invalid")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("testdata/invalid")
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			files, ds := Files(e.Name())
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			want := markers(t, files)
			if len(want) == 0 {
				t.Fatal("fixture marks no expected error")
			}
			loader := NewLoader()
			s, diags := loader.Load([]string{e.Name()}, Options{})
			if s != nil {
				t.Error("Load returned a spec along with errors")
			}
			var errs hcl.Diagnostics
			for _, d := range diags {
				if d.Severity != hcl.DiagError {
					continue
				}
				if d.Subject == nil || d.Subject.Filename == "" || d.Subject.Start.Line == 0 {
					t.Errorf("diagnostic without a subject range: %s", d)
				}
				errs = append(errs, d)
			}
			matched := make([]bool, len(errs))
			for _, m := range want {
				found := false
				for i, d := range errs {
					if d.Subject != nil && d.Subject.Filename == m.file && d.Subject.Start.Line == m.line &&
						strings.Contains(d.Summary+"\n"+d.Detail, m.text) {
						matched[i], found = true, true
					}
				}
				if !found {
					t.Errorf("%s:%d: no error containing %q; got:\n%s", m.file, m.line, m.text, render(loader, errs))
				}
			}
			for i, d := range errs {
				if !matched[i] {
					t.Errorf("unmarked error: %s: %s: %s", posString(*d.Subject), d.Summary, d.Detail)
				}
			}
		})
	}
}

func render(l *Loader, diags hcl.Diagnostics) string {
	var b strings.Builder
	WriteDiagnostics(&b, l.Files(), diags, false)
	return b.String()
}

// TestValid loads each spec in testdata/valid and compares its expansion,
// under a few selections, with the golden file beside it.
func TestValid(t *testing.T) {
	entries, err := filepath.Glob("testdata/valid/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range entries {
		if strings.HasSuffix(path, ".golden") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(path), ".hcl")
		t.Run(name, func(t *testing.T) {
			loader := NewLoader()
			s, diags := loader.Load([]string{path}, Options{})
			if diags.HasErrors() || len(diags) > 0 {
				t.Fatalf("diagnostics:\n%s", render(loader, diags))
			}
			var b strings.Builder
			fmt.Fprintf(&b, "files: %s\n", strings.Join(s.Files, " "))
			for _, sel := range []Selection{{}, {From: "app"}, {Tags: []string{"smoke"}}} {
				hosts, checks := s.Count(sel)
				fmt.Fprintf(&b, "\nselection from=%q tags=%q: %d hosts, %d checks\n", sel.From, sel.Tags, hosts, checks)
				writeChecks(&b, s.Checks(sel))
			}
			golden(t, "testdata/valid/"+name+".golden", b.String())
		})
	}
}

// writeChecks writes checks a line each, but a run of consecutive ports of
// one block as one line, "tcp/1-21": an "others" block is 65,535 checks.
func writeChecks(b *strings.Builder, checks iter.Seq[Check]) {
	var first, last Check
	var open bool
	flush := func() {
		if !open {
			return
		}
		ports := fmt.Sprint(first.Port)
		if last.Port != first.Port {
			ports += fmt.Sprintf("-%d", last.Port)
		}
		fmt.Fprintf(b, "%s %s %s/%s %s %s%s\n", first.Host.Name, first.Target(), first.Protocol, ports, first.State(), posString(first.Range()), compliance(first))
	}
	for c := range checks {
		if open && c.Host == last.Host && c.Addr == last.Addr && c.Name == last.Name && c.Expect == last.Expect && c.Port == last.Port+1 {
			last = c
			continue
		}
		flush()
		first, last, open = c, c, true
	}
	flush()
}

// compliance is a check's metadata and waiver, for the golden files: ""
// when it has none.
func compliance(c Check) string {
	var out string
	if m := c.Metadata(); len(m.Controls) > 0 || m.Owner != "" || m.Link != "" {
		out += fmt.Sprintf(" controls=%q owner=%q link=%q", m.Controls, m.Owner, m.Link)
	}
	if w := c.Expect.Waiver; w != nil {
		out += fmt.Sprintf(" waiver=%q until %s", w.Reason, w.Until.Format(time.DateOnly))
	}
	return out
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	golden_.Check(t, path, []byte(got), *update)
}

// TestLoadFromFS loads a directory and a variable file from memory, as
// the operating system's files are loaded: the same files chosen, in the
// same order, and diagnostics that name them.
func TestLoadFromFS(t *testing.T) {
	fsys := fstest.MapFS{
		"policy/b.hcl":        {Data: []byte("host \"b\" {\n  address = \"198.18.0.3\"\n  tcp \"listening\" { ports = [var.port] }\n}\n")},
		"policy/a.hcl":        {Data: []byte("variable \"port\" {\n  type = number\n}\nhost \"a\" {\n  address = \"198.18.0.2\"\n  tcp \"listening\" { ports = [22] }\n}\n")},
		"policy/.hidden.hcl":  {Data: []byte("not hcl at all {")},
		"policy/notes.txt":    {Data: []byte("not a spec")},
		"vars.hcl":            {Data: []byte("port = 25\n")},
		"broken/bad.hcl":      {Data: []byte("host \"x\" {\n  address = \"198.18.0.4\"\n  tcp \"open\" { ports = [1] }\n}\n")},
		"empty/readme.md":     {Data: []byte("no specs here")},
		"policy/sub/deep.hcl": {Data: []byte("not loaded: not recursive")},
	}
	l := NewLoader()
	l.FS = fsys
	s, diags := l.Load([]string{"policy"}, Options{VarFiles: []string{"vars.hcl"}})
	if diags.HasErrors() {
		t.Fatal(render(l, diags))
	}
	if got := strings.Join(s.Files, " "); got != "policy/a.hcl policy/b.hcl" {
		t.Errorf("files %q", got)
	}
	var got []string
	for c := range s.Checks(Selection{}) {
		got = append(got, fmt.Sprintf("%s %s/%d", c.Host.Name, c.Protocol, c.Port))
	}
	if strings.Join(got, ", ") != "a tcp/22, b tcp/25" {
		t.Errorf("checks %v", got)
	}
	for _, tc := range []struct{ path, want string }{
		{"broken", "broken/bad.hcl:3"},
		{"empty", "No spec files in directory"},
		{"missing.hcl", "Spec path not found"},
	} {
		l := NewLoader()
		l.FS = fsys
		_, diags := l.Load([]string{tc.path}, Options{})
		if out := render(l, diags); !diags.HasErrors() || !strings.Contains(out, tc.want) {
			t.Errorf("%s: %s, want %q", tc.path, out, tc.want)
		}
	}
}
