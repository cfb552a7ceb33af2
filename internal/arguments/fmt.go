package arguments

import (
	"errors"
	"flag"
	"slices"
)

// Fmt is `portspec fmt [-check | -w | -diff] [-recursive] PATH... | -`.
type Fmt struct {
	Check, Write, Diff, Recursive bool
	Color                         Color
	Load                          Load
	// Paths are the files and directories to format, or "-" alone:
	// stdin.
	Paths []string
}

func (f *Fmt) flags() *flag.FlagSet {
	fs := newFlagSet("fmt")
	fs.BoolVar(&f.Check, "check", false, "list files whose format would change, and exit 1 if any would")
	fs.BoolVar(&f.Write, "w", false, "rewrite files in place (default: print the formatted files)")
	fs.BoolVar(&f.Diff, "diff", false, "print what would change as a unified diff, and exit 1 if anything would")
	fs.BoolVar(&f.Recursive, "recursive", false, "format the *.hcl files of every directory below a directory too")
	colorFlag(fs, &f.Color, "colour diagnostics")
	f.Load.register(fs)
	return fs
}

// Stdin reports whether fmt reads a spec from stdin.
func (f *Fmt) Stdin() bool { return len(f.Paths) == 1 && f.Paths[0] == "-" }

// ParseFmt parses fmt's arguments.
func ParseFmt(args []string) (*Fmt, error) {
	f := &Fmt{}
	paths, err := parse("fmt", f.flags(), args)
	if err != nil {
		return nil, err
	}
	f.Paths = paths
	err = f.Color.validate()
	if err == nil {
		err = f.Load.validate()
	}
	if err == nil {
		err = f.validateModes()
	}
	if err != nil {
		return nil, usage("fmt", err)
	}
	return f, nil
}

func (f *Fmt) validateModes() error {
	modes := 0
	for _, on := range []bool{f.Check, f.Write, f.Diff} {
		if on {
			modes++
		}
	}
	switch {
	case len(f.Paths) == 0:
		return errors.New("name at least one spec file or directory, or - for stdin")
	case modes > 1:
		return errors.New("-check, -w and -diff exclude each other: -check and -diff never write")
	case slices.Contains(f.Paths, "-") && len(f.Paths) > 1:
		return errors.New("- (stdin) is the only path when given")
	case slices.Contains(f.Paths, "-") && f.Write:
		return errors.New("-w rewrites files: stdin has none to rewrite")
	}
	return nil
}

// Profiles is `portspec profiles [NAME]`.
type Profiles struct {
	// Name is the profile to print, or "" to list them.
	Name string
}

// ParseProfiles parses profiles' arguments.
func ParseProfiles(args []string) (*Profiles, error) {
	names, err := parse("profiles", newFlagSet("profiles"), args)
	if err != nil {
		return nil, err
	}
	if len(names) > 1 {
		return nil, usagef("profiles", "name one profile, or none to list them")
	}
	p := &Profiles{}
	if len(names) == 1 {
		p.Name = names[0]
	}
	return p, nil
}

// ParseVersion parses version's arguments: none.
func ParseVersion(args []string) error {
	rest, err := parse("version", newFlagSet("version"), args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("version", "takes no arguments")
	}
	return nil
}

// ParseAgent parses agent's arguments: none. The agent reads everything
// else from its stdin.
func ParseAgent(args []string) error {
	rest, err := parse("agent", newFlagSet("agent"), args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("agent", "takes no arguments: the coordinator (check --via) sends the probes on stdin")
	}
	return nil
}
