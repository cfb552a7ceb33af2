package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/portspec/portspec/internal/arguments"
	buildversion "github.com/portspec/portspec/internal/version"
)

// version, commit and date are set by a release build and by make build,
// with -ldflags "-X main.version=v1.2.3 -X main.commit=abc1234 -X
// main.date=2026-12-03"; otherwise what Go recorded stands in.
var version, commit, date string

// thisBuild is what this binary knows of where it came from.
func thisBuild() buildversion.Build {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return buildversion.Of(buildversion.Build{Version: version, Commit: commit, Date: date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}, info)
}

// portspecVersion is the version reports record.
func portspecVersion() string { return thisBuild().Version }

func runVersion(std streams, args []string) error {
	if err := arguments.ParseVersion(args); err != nil {
		return err
	}
	fmt.Fprintf(std.stdout, "portspec %s\n", thisBuild())
	return nil
}
