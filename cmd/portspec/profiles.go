package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/spec"
)

// runProfiles lists the built-in profiles, or prints one as HCL to copy
// and adapt.
func runProfiles(std streams, args []string) error {
	f, err := arguments.ParseProfiles(args)
	if err != nil {
		return err
	}
	if f.Name == "" {
		tw := tabwriter.NewWriter(std.stdout, 0, 4, 2, ' ', 0)
		for _, p := range spec.BuiltinProfiles() {
			fmt.Fprintf(tw, "%s\t%s\n", p.Name, p.Description)
		}
		tw.Flush()
		return nil
	}
	p, ok := spec.LookupBuiltin(f.Name)
	if !ok {
		var all []string
		for _, p := range spec.BuiltinProfiles() {
			all = append(all, p.Name)
		}
		return exit.Errorf(exit.Usage, "portspec profiles: no built-in profile %q; there are: %v", f.Name, all)
	}
	std.stdout.Write(p.Source)
	return nil
}
