//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/browser"
	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/internal/needs"
)

// TestDemoReportInBrowser runs the demo, as make demo does, and renders its
// HTML report in headless Chromium: the DOM once the page's script has run
// must hold the counts and a failure's evidence, and a screenshot of it
// must not be blank (issue #12).
func TestDemoReportInBrowser(t *testing.T) {
	why := lab.Unavailable()
	needs.That(t, why == "", "the demo's lab is unavailable: "+why)
	chromium, err := browser.Chromium()
	needs.That(t, err == nil, fmt.Sprintf("%v: .ci/run installs it", err))
	dir := sourceDir()
	portspec := buildPortspec(t, t.TempDir())
	t.Chdir(t.TempDir())
	if err := run(portspec, dir, false); err != nil {
		t.Fatal(err)
	}
	dom, err := browser.DumpDOM(chromium, "out/report.html", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`✗ 14 passed, 2 failed`,
		`<nav class="filters" id="filters" aria-label="Filters">`, // the script ran
		`Failures and errors (2)`,
		`<p>expected listening, got FILTERED (no reply to 4 tries`,
		`<dt>block</dt><dd>` + filepath.Join(dir, "lab.hcl") + `:10:3</dd>`,
		`<td>silence after `,
		// The deliberate failure's trace, through the chain lab's routers.
		`tcp/587 never does; the target filters it, or hop 2 (198.18.4.2) drops it as it forwards`,
		`<td>198.18.0.254  ICMP 11/0 (time exceeded)  `,
		`mail (198.18.1.2)<br><span class="note">8 checks: 7 pass, 1 fail</span>`,
		`mail (2001:db8:2::2)<br><span class="note">8 checks: 7 pass, 1 fail</span>`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered report has no %q", want)
		}
	}
	// The reference port is the lowest that had answered: 23 or 25.
	if !regexp.MustCompile(`trace: dropped at hop 3, the target: tcp/2[35] on it answers with TTL 3, tcp/587 never does`).MatchString(dom) {
		t.Errorf("the rendered report has no trace of tcp/587 to hop 3")
	}
	// The filters' count, which only the script writes: every check shown.
	if m := regexp.MustCompile(`id="f-count" aria-live="polite">(\d+) of (\d+) checks shown<`).FindStringSubmatch(dom); m == nil || m[1] != m[2] || m[1] != "16" {
		t.Errorf("the filters' count is %v", m)
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	colours, err := browser.Screenshot(chromium, "out/report.html", shot, 1100, 1400)
	if err != nil {
		t.Fatal(err)
	}
	if colours < 8 {
		t.Errorf("the screenshot has %d colours: the page rendered blank", colours)
	}
	if info, err := os.Stat(shot); err != nil || info.Size() < 10_000 {
		t.Errorf("screenshot %v, %v", info, err)
	}
}

// sourceDir is this package's directory.
func sourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// buildPortspec builds the portspec binary into dir.
func buildPortspec(t *testing.T, dir string) string {
	t.Helper()
	portspec := filepath.Join(dir, "portspec")
	build := exec.Command("go", "build", "-o", portspec, "./cmd/portspec")
	build.Dir = filepath.Join(sourceDir(), "..", "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return portspec
}
