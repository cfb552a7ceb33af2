package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// profileEnv names a file to write a CPU profile of the run to, for
// make bench (-profile) and for a developer asking where the time went:
// PORTSPEC_CPUPROFILE=out/cpu.pprof portspec check ...; go tool pprof.
const profileEnv = "PORTSPEC_CPUPROFILE"

// startProfile starts the CPU profile $PORTSPEC_CPUPROFILE asks for, if it
// asks, and returns what stops it.
func startProfile() (stop func()) {
	path := os.Getenv(profileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "portspec: %s: %v\n", profileEnv, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
