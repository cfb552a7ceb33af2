//go:build image

package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/needs"
)

// TestImage builds the image as make image does and checks it without
// running a container (podman run fails here, in crun's setrlimit): its
// config says an unprivileged user and the binary as entrypoint; its one
// layer holds the binary and nothing else, no shell; and that binary,
// taken out of the image (buildah mount), prints its version and checks
// a loopback port.
func TestImage(t *testing.T) {
	needs.Root(t, "build and mount an image with buildah")
	buildah := needs.Tool(t, "buildah", "Debian's buildah")
	const image = "localhost/portspec:image-test"
	cmd := exec.Command("make", "image", "IMAGE=localhost/portspec", "VERSION=image-test")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(buildah, "rmi", "-f", image).Run() })

	out, err := exec.Command(buildah, "inspect", "--type", "image", image).Output()
	if err != nil {
		t.Fatal(err)
	}
	var inspected struct {
		OCIv1 struct {
			Config struct {
				User       string
				Entrypoint []string
				Labels     map[string]string
			} `json:"config"`
			RootFS struct {
				DiffIDs []string `json:"diff_ids"`
			} `json:"rootfs"`
		}
	}
	if err := json.Unmarshal(out, &inspected); err != nil {
		t.Fatal(err)
	}
	c := inspected.OCIv1.Config
	if c.User != "65532:65532" || !slices.Equal(c.Entrypoint, []string{"/portspec"}) || c.Labels["org.opencontainers.image.version"] != "image-test" {
		t.Errorf("config: user %q, entrypoint %q, labels %v", c.User, c.Entrypoint, c.Labels)
	}
	if n := len(inspected.OCIv1.RootFS.DiffIDs); n != 1 {
		t.Errorf("%d layers, want the binary's one: FROM scratch", n)
	}

	ctr, err := exec.Command(buildah, "from", image).Output()
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimSpace(string(ctr))
	t.Cleanup(func() { exec.Command(buildah, "rm", name).Run() })
	mnt, err := exec.Command(buildah, "mount", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	root := strings.TrimSpace(string(mnt))
	t.Cleanup(func() { exec.Command(buildah, "umount", name).Run() })
	entries, _ := os.ReadDir(root)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"portspec"}) {
		t.Errorf("the image holds %v, want the binary alone", names)
	}
	bin := filepath.Join(root, "portspec")
	if v, err := exec.Command(bin, "version").Output(); err != nil || !strings.HasPrefix(string(v), "portspec image-test (") {
		t.Errorf("version: %q, %v", v, err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	spec := filepath.Join(t.TempDir(), "loopback.hcl")
	port := ln.Addr().(*net.TCPAddr).Port
	os.WriteFile(spec, []byte(fmt.Sprintf("host \"self\" {\n  address = \"127.0.0.1\"\n  tcp \"listening\" { ports = [%d] }\n}\n", port)), 0o644)
	if out, err := exec.Command(bin, "check", "--no-trace", spec).CombinedOutput(); err != nil || !strings.Contains(string(out), "1 passed, 0 failed") {
		t.Errorf("check from the image's binary: %v\n%s", err, out)
	}
}
