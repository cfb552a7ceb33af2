// Package version says what a portspec binary knows of where it came
// from: the version, commit and date a release or make build stamps, or
// else what Go recorded (the module's version for go install …@vX, the
// VCS revision of a clone), with the Go version and the platform.
package version

import (
	"cmp"
	"runtime/debug"
	"strings"
)

// Build is what a binary knows of where it came from.
type Build struct {
	Version, Commit, Date, GoVersion, Platform string
}

// Of fills in what the stamps b has leave out from info, nil when
// the binary has none: the module's version (go install …@vX), then the
// VCS revision and time Go records of a clone; "devel" when nothing says.
func Of(b Build, info *debug.BuildInfo) Build {
	if info != nil {
		vcs := map[string]string{}
		for _, s := range info.Settings {
			vcs[s.Key] = s.Value
		}
		if b.Commit == "" && len(vcs["vcs.revision"]) >= 7 {
			b.Commit = vcs["vcs.revision"][:7]
			if vcs["vcs.modified"] == "true" {
				b.Commit += "-dirty"
			}
		}
		if b.Date == "" && len(vcs["vcs.time"]) >= 10 {
			b.Date = vcs["vcs.time"][:10]
		}
		if v := info.Main.Version; b.Version == "" && v != "" && v != "(devel)" {
			b.Version = v
		}
	}
	b.Version = cmp.Or(b.Version, "devel")
	return b
}

// String is version's line: "v0.4.0 (commit abc1234, 2026-12-03,
// go1.26.8, linux/amd64)", without what is not known.
func (b Build) String() string {
	var about []string
	if b.Commit != "" {
		about = append(about, "commit "+b.Commit)
	}
	if b.Date != "" {
		about = append(about, b.Date)
	}
	about = append(about, b.GoVersion, b.Platform)
	return b.Version + " (" + strings.Join(about, ", ") + ")"
}
