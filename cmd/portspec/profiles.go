package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/portspec/portspec/spec"
)

// runProfiles lists the built-in profiles, or prints one as HCL to copy
// and adapt.
func runProfiles(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("profiles", stdout, stderr)
	names, err := parse(fs, args)
	if err == nil && len(names) > 1 {
		err = fmt.Errorf("name one profile, or none to list them")
	}
	if err != nil {
		return usageError(stderr, fs, err)
	}
	if len(names) == 0 {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, p := range spec.BuiltinProfiles() {
			fmt.Fprintf(tw, "%s\t%s\n", p.Name, p.Description)
		}
		tw.Flush()
		return exitOK
	}
	p, ok := spec.LookupBuiltin(names[0])
	if !ok {
		var all []string
		for _, p := range spec.BuiltinProfiles() {
			all = append(all, p.Name)
		}
		fmt.Fprintf(stderr, "portspec profiles: no built-in profile %q; there are: %v\n", names[0], all)
		return exitUsage
	}
	stdout.Write(p.Source)
	return exitOK
}
