package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version or the VCS revision stands in.
var version = ""

func portspecVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "devel"
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", stdout, stderr)
	rest, err := parse(fs, args)
	if err == nil && len(rest) > 0 {
		err = errors.New("takes no arguments")
	}
	if err != nil {
		return usageError(stderr, fs, err)
	}
	fmt.Fprintf(stdout, "portspec %s\n", portspecVersion())
	return exitOK
}
