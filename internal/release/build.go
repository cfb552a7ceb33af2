package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/manpage"
)

// build writes the release: archives, SBOMs, then the checksums of both.
func (r *release) build() error {
	if err := os.RemoveAll(r.out); err != nil {
		return err
	}
	work := filepath.Join(r.out, ".work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	pages, err := manpage.Write(filepath.Join(work, manDir), manpage.Stamp{Version: r.version, Date: r.when.Format(time.DateOnly)})
	if err != nil {
		return err
	}
	var files []string
	for _, target := range strings.Fields(r.targets) {
		goos, goarch, ok := strings.Cut(target, "/")
		if !ok {
			return fmt.Errorf("target %q is not GOOS/GOARCH", target)
		}
		bin := filepath.Join(work, goos+"_"+goarch, exeName(goos))
		if err := r.compile(goos, goarch, bin); err != nil {
			return err
		}
		archive, err := r.archive(goos, goarch, bin, pages)
		if err != nil {
			return err
		}
		sbom, err := r.sbom(archive, bin, goos, goarch)
		if err != nil {
			return err
		}
		files = append(files, archive, sbom)
		fmt.Println(filepath.Join(r.out, archive))
	}
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	return r.checksums(files)
}

func exeName(goos string) string {
	if goos == "windows" {
		return "portspec.exe"
	}
	return "portspec"
}

// name is a release file's name after goreleaser's: portspec_0.4.0_….
func (r *release) name(rest string) string {
	return "portspec_" + strings.TrimPrefix(r.version, "v") + "_" + rest
}

// compile builds the static binary for goos/goarch, reproducibly.
func (r *release) compile(goos, goarch, bin string) error {
	ldflags := fmt.Sprintf("-s -w -buildid= -X main.version=%s -X main.commit=%s -X main.date=%s",
		r.version, r.commit, r.when.Format("2006-01-02"))
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", bin, "./cmd/portspec")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building %s/%s: %w", goos, goarch, err)
	}
	return nil
}

// checksums writes one SHA-256 line a file, sorted by name, in
// sha256sum's format, so that sha256sum -c checks it.
func (r *release) checksums(files []string) error {
	sort.Strings(files)
	var b strings.Builder
	for _, name := range files {
		f, err := os.Open(filepath.Join(r.out, name))
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), name)
	}
	return os.WriteFile(filepath.Join(r.out, r.name("checksums.txt")), []byte(b.String()), 0o644)
}
