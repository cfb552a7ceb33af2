package main

import (
	"cmp"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/portspec/portspec/internal/arguments"
)

// version, commit and date are set by a release build and by make build,
// with -ldflags "-X main.version=v1.2.3 -X main.commit=abc1234 -X
// main.date=2026-12-03"; otherwise the module version (go install
// …@vX) or what the build recorded of the VCS stands in.
var version, commit, date string

// build is what this binary knows of where it came from.
type build struct {
	version, commit, date, goVersion, platform string
}

// thisBuild reads the linker's stamps, then the build info Go records.
func thisBuild() build {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return buildOf(build{version: version, commit: commit, date: date, goVersion: runtime.Version(), platform: runtime.GOOS + "/" + runtime.GOARCH}, info)
}

// buildOf fills in what the stamps b has leave out from info, nil when
// the binary has none: the module's version (go install …@vX), then the
// VCS revision and time Go records of a clone; "devel" when nothing says.
func buildOf(b build, info *debug.BuildInfo) build {
	if info != nil {
		vcs := map[string]string{}
		for _, s := range info.Settings {
			vcs[s.Key] = s.Value
		}
		if b.commit == "" && len(vcs["vcs.revision"]) >= 7 {
			b.commit = vcs["vcs.revision"][:7]
			if vcs["vcs.modified"] == "true" {
				b.commit += "-dirty"
			}
		}
		if b.date == "" && len(vcs["vcs.time"]) >= 10 {
			b.date = vcs["vcs.time"][:10]
		}
		if v := info.Main.Version; b.version == "" && v != "" && v != "(devel)" {
			b.version = v
		}
	}
	b.version = cmp.Or(b.version, "devel")
	return b
}

// portspecVersion is the version reports record.
func portspecVersion() string { return thisBuild().version }

// String is version's line: "v0.4.0 (commit abc1234, 2026-12-03,
// go1.26.8, linux/amd64)", without what is not known.
func (b build) String() string {
	var about []string
	if b.commit != "" {
		about = append(about, "commit "+b.commit)
	}
	if b.date != "" {
		about = append(about, b.date)
	}
	about = append(about, b.goVersion, b.platform)
	return b.version + " (" + strings.Join(about, ", ") + ")"
}

func runVersion(std streams, args []string) error {
	if err := arguments.ParseVersion(args); err != nil {
		return err
	}
	fmt.Fprintf(std.stdout, "portspec %s\n", thisBuild())
	return nil
}
