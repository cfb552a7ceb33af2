//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/internal/needs"
)

// TestTraceUnprivileged runs portspec check in the chain lab as nobody,
// with no capabilities (setpriv), against the server address r2 cuts off:
// the probe, its silence proof and the trace all work from ordinary
// sockets, and the trace names r2 as the last hop that answered.
func TestTraceUnprivileged(t *testing.T) {
	l := lab.NewChain(t)
	setpriv := needs.Tool(t, "setpriv", "util-linux")
	if err := l.Nft(l.Router2, "table inet lab {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n    ip daddr "+lab.CutServer4.String()+" drop\n  }\n}"); err != nil {
		t.Fatal(err)
	}
	// A directory nobody can read: the binary and the spec.
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	portspec := buildPortspec(t, dir)
	spec := filepath.Join(dir, "cut.hcl")
	if err := os.WriteFile(spec, []byte(`host "cut" {
  address = "`+lab.CutServer4.String()+`"
  tcp "listening" {
    ports   = [22]
    timeout = "100ms"
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", l.Client.Name, setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
		"--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", portspec, "check", "-nr", "--color", "never", spec)
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("portspec check as nobody: %v, want exit 1 for the failure\n%s", err, out)
	}
	for _, want := range []string{
		"  ✗ tcp/22 listening         FILTERED",
		"trace: dropped after hop 2 (198.18.4.2): hop 3 never answered\n",
		"   1  198.18.0.254  ICMP 11/0 (time exceeded)",
		"   2  198.18.4.2  ICMP 11/0 (time exceeded)",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
