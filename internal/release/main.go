// Command release builds portspec's release from a clean clone, offline:
// an archive for every OS and architecture of the Makefile's TARGETS (the
// binary, the README, the changelog and the manual pages), a CycloneDX
// SBOM for each, and one SHA-256 checksums file. The builds are
// reproducible: -trimpath, no build ID, the commit's time for every file
// time, so two builds of one commit give the same checksums. make release
// runs it; make release-test checks what it builds.
//
// goreleaser is what Go users know for this, but it pulls hundreds of
// modules into go.mod to do what this file does, and the module proxy
// here serves it only from an unapproved copy; the archive names follow
// its conventions (portspec_0.4.0_linux_amd64.tar.gz) so that nothing
// downstream needs to know.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

func main() {
	var r release
	flag.StringVar(&r.version, "version", "", "the version to stamp, such as v0.4.0 (default: git describe)")
	flag.StringVar(&r.out, "out", "out/release", "the directory to write the release to; emptied first")
	flag.StringVar(&r.targets, "targets", "", "space-separated GOOS/GOARCH pairs to build (required)")
	flag.Parse()
	if err := r.fill(); err == nil {
		err = r.build()
		if err != nil {
			fmt.Fprintf(os.Stderr, "release: %v\n", err)
			os.Exit(1)
		}
	} else {
		fmt.Fprintf(os.Stderr, "release: %v\n", err)
		os.Exit(2)
	}
}

// release is one release being built.
type release struct {
	version, out, targets string
	commit                string
	// when is the commit's time, every file time of the release.
	when time.Time
}

// fill takes what the flags do not say from git: the version, the commit
// and its time.
func (r *release) fill() error {
	if strings.TrimSpace(r.targets) == "" {
		return fmt.Errorf("-targets names no target")
	}
	git := func(args ...string) (string, error) {
		out, err := exec.Command("git", args...).Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out)), nil
	}
	var err error
	if r.version == "" {
		if r.version, err = git("describe", "--tags", "--always", "--dirty"); err != nil {
			return err
		}
	}
	if r.commit, err = git("describe", "--always", "--dirty", "--abbrev=7", "--exclude=*"); err != nil {
		return err
	}
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		if epoch, err = git("log", "-1", "--format=%ct"); err != nil {
			return err
		}
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return fmt.Errorf("SOURCE_DATE_EPOCH %q is not a time in seconds", epoch)
	}
	r.when = time.Unix(secs, 0).UTC()
	return nil
}
