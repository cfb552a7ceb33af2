package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/portspec/portspec/internal/agent"
	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/exit"
)

func readYAML(t *testing.T, name string, v any) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir(), "ci", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s does not parse as YAML: %v", name, err)
	}
	return string(b)
}

var portspecCommand = regexp.MustCompile(`portspec (check|merge)\b[^\n]*(\n\s+--[^\n]*)*`)

// checkCommands runs every portspec command line of an example through the
// real flag parser, so an example cannot drift from the CLI.
func checkCommands(t *testing.T, name, text string) {
	t.Helper()
	found := portspecCommand.FindAllString(text, -1)
	if len(found) == 0 {
		t.Fatalf("%s has no portspec command", name)
	}
	for _, cmd := range found {
		fields, err := agent.Words(cmd)
		if err != nil {
			t.Fatalf("%s: %q: %v", name, cmd, err)
		}
		if _, err := arguments.Flags(fields[1], fields[2:]); err != nil {
			t.Errorf("%s: %q: %v", name, cmd, err)
		}
	}
}

func TestCIExamples(t *testing.T) {
	t.Run("github-actions", func(t *testing.T) {
		var wf struct {
			Jobs map[string]struct {
				Needs    any
				If       string
				Strategy struct {
					Matrix map[string][]any
				}
			}
		}
		text := readYAML(t, "github-actions.yml", &wf)
		check, merge := wf.Jobs["check"], wf.Jobs["merge"]
		if len(check.Strategy.Matrix["vantage"]) < 2 || len(check.Strategy.Matrix["shard"]) < 2 {
			t.Errorf("the check job's matrix is %v, want vantages and shards", check.Strategy.Matrix)
		}
		if merge.Needs != "check" || merge.If != "${{ !cancelled() }}" {
			t.Errorf("the merge job needs %v if %q; it must follow every check, failed or not, unless cancelled", merge.Needs, merge.If)
		}
		if !strings.Contains(text, "report_paths: out/junit.xml") {
			t.Error("the merge job does not publish the JUnit with a test reporter")
		}
		checkCommands(t, "github-actions.yml", text)
	})
	t.Run("github-via", func(t *testing.T) {
		var wf map[string]any
		text := readYAML(t, "github-via.yml", &wf)
		if !strings.Contains(text, "--via") {
			t.Error("the --via example uses no --via")
		}
		checkCommands(t, "github-via.yml", text)
	})
	t.Run("gitlab-ci", func(t *testing.T) {
		type job struct {
			Parallel  int
			Script    []string
			When      string
			Artifacts struct {
				Reports struct{ Junit, Codequality string }
			}
		}
		var ci struct {
			Stages       []string
			Connectivity job `yaml:"connectivity"`
			Report       job `yaml:"connectivity-report"`
		}
		text := readYAML(t, "gitlab-ci.yml", &ci)
		if ci.Connectivity.Parallel < 2 || !strings.Contains(strings.Join(ci.Connectivity.Script, "\n"), "$CI_NODE_INDEX/$CI_NODE_TOTAL") {
			t.Errorf("the connectivity job must be parallel, sharded by CI_NODE_INDEX: %+v", ci.Connectivity)
		}
		if r := ci.Report; r.When != "always" || r.Artifacts.Reports.Junit != "junit.xml" || r.Artifacts.Reports.Codequality != "gl-code-quality-report.json" {
			t.Errorf("the report job must always run and publish JUnit and Code Quality: %+v", r)
		}
		checkCommands(t, "gitlab-ci.yml", text)
	})
	t.Run("k8s-indexed-job", func(t *testing.T) {
		var job struct {
			Kind string
			Spec struct {
				CompletionMode       string `yaml:"completionMode"`
				Completions          int
				BackoffLimit         *int `yaml:"backoffLimit"`
				BackoffLimitPerIndex *int `yaml:"backoffLimitPerIndex"`
				MaxFailedIndexes     *int `yaml:"maxFailedIndexes"`
				Template             struct {
					Spec struct {
						Containers []struct{ Command, Args []string }
					}
				}
			}
		}
		text := readYAML(t, "k8s-indexed-job.yaml", &job)
		if job.Kind != "Job" || job.Spec.CompletionMode != "Indexed" || job.Spec.Completions < 2 {
			t.Errorf("want an Indexed Job of several completions: %+v", job)
		}
		// A failing shard must not stop the others (issue #14, item 16).
		if s := job.Spec; s.BackoffLimit != nil || s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 0 ||
			s.MaxFailedIndexes == nil || *s.MaxFailedIndexes != s.Completions {
			t.Errorf("want backoffLimitPerIndex 0, maxFailedIndexes = completions, and no Job-wide backoffLimit: %+v", s)
		}
		// The image is FROM scratch: no shell, so Kubernetes' own $(VAR)
		// in plain args, and every index a shard --shard takes.
		c := job.Spec.Template.Spec.Containers[0]
		if len(c.Command) > 0 {
			t.Errorf("the image has no shell to run %v", c.Command)
		}
		args := strings.Join(c.Args, " ")
		if !strings.Contains(args, "--shard=$(JOB_COMPLETION_INDEX):4") {
			t.Errorf("JOB_COMPLETION_INDEX must map to --shard: %s", args)
		}
		// Each pod's arguments, as Kubernetes expands them, parse as
		// check's, into shard index+1 of completions.
		for i := range job.Spec.Completions {
			var expanded []string
			for _, a := range c.Args {
				expanded = append(expanded, strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i)))
			}
			if len(expanded) == 0 || expanded[0] != "check" {
				t.Fatalf("the pod does not run check: %v", expanded)
			}
			f, err := arguments.ParseCheck(expanded[1:])
			if err != nil || f.Selection.Shard.K != i+1 || f.Selection.Shard.N != job.Spec.Completions {
				t.Errorf("index %d: %v parse as shard %v (%v)", i, expanded, f, err)
			}
		}
		checkCommands(t, "k8s-indexed-job.yaml", text)
	})
}

// TestCIExamplesPinned: every example installs or runs the newest release
// the CHANGELOG names, never @latest: a gate must judge with the portspec
// it was written for.
func TestCIExamplesPinned(t *testing.T) {
	changelog, err := os.ReadFile(filepath.Join(examplesDir(), "..", "CHANGELOG.md"))
	if err != nil {
		t.Fatal(err)
	}
	newest := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+)\]`).FindSubmatch(changelog)
	if newest == nil {
		t.Fatal("CHANGELOG.md names no release")
	}
	want := "v" + string(newest[1])
	files, _ := filepath.Glob(filepath.Join(examplesDir(), "ci", "*"))
	pinned := regexp.MustCompile(`portspec(?:/cmd/portspec@|/portspec:|/portspec@)(\S+)`)
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		found := pinned.FindAllSubmatch(text, -1)
		if len(found) == 0 {
			t.Errorf("%s installs no portspec", filepath.Base(f))
		}
		for _, m := range found {
			if string(m[1]) != want {
				t.Errorf("%s: %s, want the newest release, %s", filepath.Base(f), m[0], want)
			}
		}
	}
}

// TestPreCommitHooks runs each hook of .pre-commit-hooks.yaml as
// pre-commit would, on examples/: its entry, its args (a directory, for
// the hooks that take no file names), and the changed files.
func TestPreCommitHooks(t *testing.T) {
	var hooks []struct {
		ID            string   `yaml:"id"`
		Entry         string   `yaml:"entry"`
		Language      string   `yaml:"language"`
		Files         string   `yaml:"files"`
		PassFilenames *bool    `yaml:"pass_filenames"`
		Args          []string `yaml:"args"`
	}
	readYAML(t, "../../.pre-commit-hooks.yaml", &hooks)
	if len(hooks) != 2 {
		t.Fatalf("%d hooks, want portspec-validate and portspec-fmt", len(hooks))
	}
	specs, _ := filepath.Glob(filepath.Join(examplesDir(), "*.hcl"))
	for _, h := range hooks {
		entry := strings.Fields(h.Entry)
		if entry[0] != "portspec" || h.Language != "golang" || !regexp.MustCompile(h.Files).MatchString("policy/mx.hcl") {
			t.Errorf("%s: entry %q, language %q, files %q", h.ID, h.Entry, h.Language, h.Files)
		}
		args := append([]string(nil), entry[1:]...)
		if h.PassFilenames != nil && !*h.PassFilenames {
			args = append(args, examplesDir())
		} else {
			args = append(append(args, h.Args...), specs...)
		}
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != exit.OK {
			t.Errorf("%s: %q exits %d: %s%s", h.ID, args, code, stdout.String(), stderr.String())
		}
	}
}
