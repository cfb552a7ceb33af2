package main

import (
	"io"
	"slices"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/completion"
	"github.com/portspec/portspec/spec"
)

// runCompletion is 'portspec completion SHELL': the script that completes
// portspec's command lines in SHELL, by asking runComplete.
func runCompletion(std streams, args []string) error {
	f, err := arguments.ParseCompletion(args)
	if err != nil {
		return err
	}
	_, err = io.WriteString(std.stdout, completion.Script(f.Shell))
	return err
}

// runComplete is 'portspec __complete WORD...', which the completion
// scripts run at every Tab, the words of the line after portspec up to
// the cursor. It is not for people: it prints no help and no error, and
// exits 0, as a completion that went wrong must leave the terminal as it
// was.
func runComplete(std streams, args []string) error {
	completion.Complete(completable(), args).Write(std.stdout)
	return nil
}

// completable is the command line as completion sees it. Its commands
// are those with a help, which TestCommandsHaveHelp holds to the commands
// map (which cannot be read here: __complete is in it).
func completable() completion.Program {
	documented := arguments.Commands()
	var profiles []string
	for _, p := range spec.BuiltinProfiles() {
		profiles = append(profiles, p.Name)
	}
	return completion.Program{
		Commands: slices.Sorted(slices.Values(append([]string{"help"}, documented...))),
		Operands: map[string][]string{"help": documented, "completion": arguments.Shells, "profiles": profiles},
		Names:    specNames,
	}
}

// completionLoad bounds loading a spec at a Tab, whatever the line's
// --max-load-* say: a person waits for it, and a spec that takes longer
// or more is not worth completing from.
const (
	completionLoadTime   = 2 * time.Second
	completionLoadMemory = 256 << 20
)

// specNames are the vantage points, tags and controls of the specs a
// check, validate or serve line names, loaded as validate loads them,
// within completionLoad's bounds, and quietly: a spec that does not load
// has none.
func specNames(command string, args []string) completion.Names {
	f, paths, err := arguments.SpecOf(command, args)
	// "-" is stdin: the terminal, at a Tab.
	paths = slices.DeleteFunc(paths, func(p string) bool { return p == "-" })
	if err != nil || len(paths) == 0 {
		return completion.Names{}
	}
	f.Load.Time = min(f.Load.Time, completionLoadTime)
	f.Load.Memory = min(f.Load.Memory, completionLoadMemory)
	l, err := loadSpec(strings.NewReader(""), paths, f)
	if err != nil || l.spec == nil || l.diags.HasErrors() {
		return completion.Names{}
	}
	return completion.NamesOf(l.spec)
}
