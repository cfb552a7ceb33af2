//go:build linux

package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/needs"
)

// TestActionLint holds action.yml and the example workflows to
// actionlint: a workflow using the action as uses: ./ from a repository
// is checked against the action's inputs (a misspelt one fails, so the
// check is live), and the CI examples lint clean.
func TestActionLint(t *testing.T) {
	git := needs.Tool(t, "git", "Debian's git")
	repo := t.TempDir()
	if out, err := exec.Command(git, "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	action, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	workflow, err := os.ReadFile("../../action/testdata/uses-local.yml")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(repo, ".github", "workflows"), 0o755)
	os.WriteFile(filepath.Join(repo, "action.yml"), action, 0o644)
	good := filepath.Join(repo, ".github", "workflows", "good.yml")
	bad := filepath.Join(repo, ".github", "workflows", "bad.yml")
	os.WriteFile(good, workflow, 0o644)
	os.WriteFile(bad, []byte(strings.Replace(string(workflow), "output-dir: out", "output-dirs: out", 1)), 0o644)
	config := filepath.Join(repo, "actionlint.yaml")
	// The examples' matrix runs on self-hosted runners labelled by vantage.
	os.WriteFile(config, []byte("self-hosted-runner:\n  labels: [app, dmz]\n"), 0o644)

	lint := func(files ...string) (string, error) {
		out, err := exec.Command("go", append([]string{"tool", "actionlint", "-no-color", "-config-file", config}, files...)...).CombinedOutput()
		return string(out), err
	}
	examples, _ := filepath.Glob(filepath.Join(examplesDir(), "ci", "github-*.yml"))
	if out, err := lint(append([]string{good}, examples...)...); err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
	if out, err := lint(bad); err == nil || !strings.Contains(out, `input "output-dirs" is not defined in action "portspec check"`) {
		t.Errorf("actionlint passed a misspelt input: %v\n%s", err, out)
	}
}

// TestActionScript runs the action's step (action/run.sh) against a
// release directory built here: it verifies the archive, runs check with
// the reports and the step summary, and says where they are; an archive
// that does not match its checksum stops it before anything from the
// archive runs.
func TestActionScript(t *testing.T) {
	bash := needs.Tool(t, "bash", "Debian's bash")
	needs.Tool(t, "curl", "Debian's curl")
	script, err := filepath.Abs("../../action/run.sh")
	if err != nil {
		t.Fatal(err)
	}
	releases := t.TempDir()
	archive := fmt.Sprintf("portspec_0.0.1_linux_%s.tar.gz", runtime.GOARCH)
	os.MkdirAll(filepath.Join(releases, "v0.0.1"), 0o755)
	sum := writeArchive(t, filepath.Join(releases, "v0.0.1", archive), portspecBinary(t))
	sums := filepath.Join(releases, "v0.0.1", "portspec_0.0.1_checksums.txt")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	runAction := func(checksum string) (dir string, out []byte, err error) {
		os.WriteFile(sums, []byte(checksum+"  "+archive+"\n"), 0o644)
		dir = t.TempDir()
		spec := fmt.Sprintf("host \"self\" {\n  address = \"127.0.0.1\"\n  tcp \"listening\" { ports = [%d] }\n}\n", ln.Addr().(*net.TCPAddr).Port)
		os.WriteFile(filepath.Join(dir, "self.hcl"), []byte(spec), 0o644)
		arch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
		cmd := exec.Command(bash, script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PORTSPEC_RELEASES=file://"+releases, "PORTSPEC_VERSION=v0.0.1",
			"RUNNER_OS=Linux", "RUNNER_ARCH="+arch, "PORTSPEC_PATHS=self.hcl", "PORTSPEC_ARGS=--no-trace", "PORTSPEC_FROM=",
			"PORTSPEC_OUTPUT_DIR=results", "GITHUB_ACTIONS=true",
			"GITHUB_OUTPUT="+filepath.Join(dir, "output"), "GITHUB_PATH="+filepath.Join(dir, "path"),
			"GITHUB_STEP_SUMMARY="+filepath.Join(dir, "summary.md"))
		out, err = cmd.CombinedOutput()
		return dir, out, err
	}

	dir, out, err := runAction(sum)
	if err != nil || !strings.Contains(string(out), "1 passed, 0 failed") {
		t.Fatalf("the action: %v\n%s", err, out)
	}
	for _, f := range []string{"results/junit.xml", "results/report.html", "results/results.json", "summary.md"} {
		if info, err := os.Stat(filepath.Join(dir, f)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if output, _ := os.ReadFile(filepath.Join(dir, "output")); string(output) != "output-dir=results\n" {
		t.Errorf("GITHUB_OUTPUT: %q", output)
	}

	dir, out, err = runAction(strings.Repeat("0", 64))
	if err == nil || !strings.Contains(string(out), "does not match its checksum") {
		t.Errorf("a checksum mismatch: %v\n%s", err, out)
	}
	for _, f := range []string{"results", "output", "path", "summary.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("after a checksum mismatch, %s was written: the archive ran", f)
		}
	}
}

// writeArchive packs bin as a release archive's portspec and returns
// the archive's SHA-256.
func writeArchive(t *testing.T, path, bin string) string {
	t.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	gz := gzip.NewWriter(io.MultiWriter(f, h))
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "portspec", Mode: 0o755, Size: int64(len(data))})
	tw.Write(data)
	tw.Close()
	gz.Close()
	f.Close()
	return hex.EncodeToString(h.Sum(nil))
}
