package main

import (
	"fmt"
	"runtime/debug"

	"github.com/portspec/portspec/internal/arguments"
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

func runVersion(std streams, args []string) error {
	if err := arguments.ParseVersion(args); err != nil {
		return err
	}
	fmt.Fprintf(std.stdout, "portspec %s\n", portspecVersion())
	return nil
}
