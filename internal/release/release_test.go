//go:build release

package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/manpage"
)

// targets are the Makefile's, as make release-test passes them.
var targets = os.Getenv("PORTSPEC_TARGETS")

// rebuilt are the targets built a second time from an empty build
// cache: every compile from scratch, which takes minutes a target, so two
// of them, one a different OS and archive format.
const rebuilt = "linux/amd64 windows/amd64"

// TestRelease builds a snapshot release, then again the rebuilt targets
// with an empty build cache, and checks what a user downloading it relies
// on: the checksums file verifies, every archive holds a binary of its
// OS/arch with the version stamped, every SBOM lists the modules the
// binary was built from, the host's binary prints its version, and the
// two builds are byte for byte the same.
func TestRelease(t *testing.T) {
	if targets == "" {
		t.Fatal("PORTSPEC_TARGETS is not set: run make release-test")
	}
	first := buildRelease(t, targets, "")
	sums := checkSums(t, first, targets)
	second := buildRelease(t, rebuilt, t.TempDir())
	again := checkSums(t, second, rebuilt)
	for _, line := range strings.Split(strings.TrimSpace(string(again)), "\n") {
		if !bytes.Contains(sums, []byte(line+"\n")) {
			t.Errorf("rebuilt from an empty cache, %s differs:\n%s\nfirst:\n%s", strings.Fields(line)[1], again, sums)
		}
	}
	want := strings.Fields(targets)
	var found []string
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		name := strings.Fields(line)[1]
		if strings.HasSuffix(name, ".sbom.json") {
			continue
		}
		found = append(found, checkArchive(t, first, name))
	}
	slices.Sort(found)
	slices.Sort(want)
	if !slices.Equal(found, want) {
		t.Errorf("archives for %v, want %v", found, want)
	}
}

// buildRelease runs the release of targets into a directory of its own,
// with cache as GOCACHE when set, and returns the directory.
func buildRelease(t *testing.T, targets, cache string) string {
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./internal/release", "-version", "v0.0.0-test", "-out", out, "-targets", targets)
	// The release builds ./cmd/portspec from the module's root.
	cmd.Dir = "../.."
	cmd.Env = os.Environ()
	if cache != "" {
		cmd.Env = append(cmd.Env, "GOCACHE="+cache)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("release: %v\n%s", err, b)
	}
	return out
}

// checkSums verifies the checksums file against the files, as sha256sum
// -c does, and returns it.
func checkSums(t *testing.T, dir, targets string) []byte {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, "portspec_*_checksums.txt"))
	if len(matches) != 1 {
		t.Fatalf("%s: checksums files %v", dir, matches)
	}
	sums, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2*len(strings.Fields(targets))+1 {
		t.Errorf("%s holds %d files, want an archive and an SBOM a target and the checksums", dir, len(entries))
	}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		f := strings.Fields(line)
		data, err := os.ReadFile(filepath.Join(dir, f[1]))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f[0] {
			t.Errorf("%s does not match its checksum", f[1])
		}
	}
	if sha, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(sha, "-c", filepath.Base(matches[0]))
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v\n%s", err, out)
		}
	}
	return sums
}

// checkArchive opens one archive, checks its binary and SBOM, and
// returns the binary's GOOS/GOARCH.
func checkArchive(t *testing.T, dir, name string) string {
	t.Helper()
	files := readArchive(t, filepath.Join(dir, name))
	for _, want := range included {
		if _, ok := files[want]; !ok {
			t.Errorf("%s lacks %s", name, want)
		}
	}
	checkManPages(t, name, files)
	bin, ok := files["portspec"]
	if !ok {
		bin, ok = files["portspec.exe"]
	}
	if !ok {
		t.Fatalf("%s holds no binary", name)
	}
	path := filepath.Join(t.TempDir(), "portspec")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	target := settings["GOOS"] + "/" + settings["GOARCH"]
	if !strings.Contains(name, "_"+settings["GOOS"]+"_"+settings["GOARCH"]+".") || settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("%s holds a binary built for %s, CGO_ENABLED=%s, -trimpath=%s", name, target, settings["CGO_ENABLED"], settings["-trimpath"])
	}
	checkSBOM(t, filepath.Join(dir, name+".sbom.json"), info)
	if target == runtime.GOOS+"/"+runtime.GOARCH {
		out, err := exec.Command(path, "version").Output()
		if err != nil || !strings.HasPrefix(string(out), "portspec v0.0.0-test (commit ") || !strings.Contains(string(out), ", "+target+")") {
			t.Errorf("%s version: %q, %v", name, out, err)
		}
	}
	return target
}

// checkManPages wants the manual pages under man/: portspec(1) and one
// a command, each a roff page.
func checkManPages(t *testing.T, name string, files map[string][]byte) {
	t.Helper()
	for _, p := range manpage.Pages(manpage.Stamp{}) {
		if page := files[manDir+"/"+p.File()]; !bytes.HasPrefix(page, []byte(".TH ")) {
			t.Errorf("%s lacks %s/%s", name, manDir, p.File())
		}
	}
}

// TestArchiveManPages packs a stand-in binary, as a tar.gz and as a zip,
// and finds the manual pages in both, without building a release.
func TestArchiveManPages(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, f := range included {
		if err := os.WriteFile(f, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "portspec")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	pages, err := manpage.Write(filepath.Join(dir, manDir), manpage.Stamp{Version: "v0.0.0-test"})
	if err != nil {
		t.Fatal(err)
	}
	r := &release{version: "v0.0.0-test", out: dir, when: time.Unix(0, 0).UTC()}
	for _, goos := range []string{"linux", "windows"} {
		name, err := r.archive(goos, "amd64", bin, pages)
		if err != nil {
			t.Fatal(err)
		}
		files := readArchive(t, filepath.Join(dir, name))
		checkManPages(t, name, files)
		if _, ok := files["portspec"]; !ok {
			t.Errorf("%s holds %d files, no binary", name, len(files))
		}
	}
}

func readArchive(t *testing.T, path string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			files[f.Name], _ = io.ReadAll(rc)
			rc.Close()
		}
		return files
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" {
			t.Errorf("%s: %s has an owner", path, hdr.Name)
		}
		files[hdr.Name], _ = io.ReadAll(tr)
	}
}

// checkSBOM wants a CycloneDX document that names the binary's module
// and every module it was built from.
func checkSBOM(t *testing.T, path string, info *buildinfo.BuildInfo) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var bom cdxBOM
	if err := json.Unmarshal(data, &bom); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != "1.5" || !strings.HasPrefix(bom.SerialNumber, "urn:uuid:") || bom.Metadata.Component.Name != info.Main.Path {
		t.Errorf("%s: %+v", path, bom.Metadata)
	}
	var listed []string
	for _, c := range bom.Components {
		listed = append(listed, c.Name+"@"+c.Version)
	}
	for _, dep := range info.Deps {
		if !slices.Contains(listed, dep.Path+"@"+dep.Version) {
			t.Errorf("%s does not list %s@%s", path, dep.Path, dep.Version)
		}
	}
	if len(info.Deps) == 0 {
		t.Errorf("%s: the binary lists no module", path)
	}
}
