package main

import (
	"fmt"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/human"
)

func runValidate(std streams, args []string) error {
	f, err := arguments.ParseValidate(args)
	if err != nil {
		return err
	}
	l, err := loadSpec(std.stderr, f.Paths, &f.Spec)
	if err == nil {
		err = selected(std.stderr, "validate", l, &f.Spec)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.stdout, "ok: %d %s, %d %s\n", l.hosts, human.Plural(l.hosts, "host", "hosts"), l.checks, human.Plural(l.checks, "check", "checks"))
	return nil
}
