package manpage

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/needs"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`a\b`, `a\eb`},
		{"--tag", `\-\-tag`},
		{`"PCI" 'x' ~ ^ ` + "`", `\(dqPCI\(dq \(aqx\(aq \(ti \(ha \(ga`},
		{"inputs × size", `inputs \[u00D7] size`},
		{".SH NAME\n  'quoted\n\nnext", "\\&.SH NAME\n\\(aqquoted\n.PP\nnext\n"},
	} {
		got := escape(tc.text)
		if strings.Contains(tc.text, "\n") {
			got = lines(tc.text)
		}
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.text, got, tc.want)
		}
	}
}

// Every command has a page, and its flags their defaults as the help has
// them.
func TestPages(t *testing.T) {
	pages := Pages(Stamp{Version: "v1.2.3", Date: "2027-01-31"})
	if len(pages) != len(arguments.Commands())+1 || pages[0].Name != "portspec" {
		t.Fatalf("%d pages, first %q", len(pages), pages[0].Name)
	}
	for _, p := range pages {
		if !strings.HasPrefix(p.Roff, `.TH "`+escape(strings.ToUpper(p.Name))+`" 1 "2027\-01\-31" "portspec v1.2.3"`) {
			t.Errorf("%s: %.80q", p.Name, p.Roff)
		}
	}
	check := Pages(Stamp{})[2]
	for _, want := range []string{"\\fB\\-\\-color\\fR \\fIstring\\fR\ncolour output: auto, always or never (default \\(dqauto\\(dq)\n", "\\fB\\-q\\fR\n", "\\fB\\-\\-max\\-file\\-size\\fR \\fIsize\\fR\n"} {
		if check.Command != "check" || !strings.Contains(check.Roff, want) {
			t.Errorf("%s lacks %q", check.Name, want)
		}
	}
}

// Every page renders with man as a reader sees it, with each of its
// command's flags as the help spells it, and groff has nothing to warn
// of in any.
func TestRender(t *testing.T) {
	man := needs.Tool(t, "man", "Debian's man-db")
	groff := needs.Tool(t, "groff", "Debian's groff-base")
	dir := t.TempDir()
	paths, err := Write(dir, Stamp{Version: "v0.0.0-test"})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range Pages(Stamp{}) {
		path := paths[i]
		if filepath.Base(path) != p.File() {
			t.Fatalf("%s written as %s", p.Name, path)
		}
		if out, err := exec.Command(groff, "-ww", "-z", "-man", path).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("groff -ww -z -man %s: %v\n%s", p.File(), err, out)
		}
		cmd := exec.Command(man, "-P", "cat", "-l", path)
		cmd.Env = append(os.Environ(), "MANWIDTH=80", "LC_ALL=C", "MAN_DISABLE_SECCOMP=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		text, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Errorf("man -l %s: %v\n%s", p.File(), err, stderr.Bytes())
			continue
		}
		for _, want := range rendered(p) {
			if !want.Match(text) {
				t.Errorf("%s does not show %s:\n%s", p.File(), want, text)
			}
		}
	}
}

// rendered are what p must show: its name, and each flag of its
// command, or for portspec(1), each command.
func rendered(p Page) []*regexp.Regexp {
	want := []*regexp.Regexp{regexp.MustCompile(`(?m)^NAME\n +` + regexp.QuoteMeta(p.Name) + ` - `)}
	if p.Command == "" {
		for _, command := range arguments.Commands() {
			want = append(want, regexp.MustCompile(`(?m)^ +portspec `+command+`\b`), regexp.MustCompile(`\b`+pageName(command)+`\(1\)`))
		}
		return want
	}
	arguments.FlagSet(p.Command).VisitAll(func(f *flag.Flag) {
		want = append(want, regexp.MustCompile(`(?m)^ +`+regexp.QuoteMeta(arguments.Spelling(p.Command, f.Name))+`( |$)`))
	})
	return want
}
