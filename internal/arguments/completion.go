package arguments

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/verdict"
)

// Shells are the shells `portspec completion` writes a script for.
var Shells = []string{"bash", "zsh", "fish", "powershell"}

// Completion is `portspec completion SHELL`.
type Completion struct {
	Shell string
}

// ParseCompletion parses completion's arguments.
func ParseCompletion(args []string) (*Completion, error) {
	shells, err := parse("completion", newFlagSet("completion"), args)
	if err != nil {
		return nil, err
	}
	if len(shells) != 1 {
		return nil, usagef("completion", "name one shell: "+strings.Join(Shells, ", "))
	}
	if !slices.Contains(Shells, shells[0]) {
		return nil, usage("completion", fmt.Errorf("no completion for the shell %s: portspec has scripts for %s", escape.QuoteCut(shells[0], 64), strings.Join(Shells, ", ")))
	}
	return &Completion{Shell: shells[0]}, nil
}

// flagValues are the words of the flags that take one of a few, for
// completion: a flag means the same in every command that has it. The
// parsers refuse any other word; TestFlagValues holds this table to them.
var flagValues = map[string][]string{
	"color":       {string(ColorAuto), string(ColorAlways), string(ColorNever)},
	"annotations": {"auto", "github", "gitlab", "none"},
	"p":           {verdict.TCP.String(), verdict.UDP.String(), "both"},
	"others": {verdict.ExpectListening.String(), verdict.ExpectNotListening.String(),
		verdict.ExpectFiltered.String(), verdict.ExpectBlocked.String(), "auto"},
}

// FlagValues are the words command's flag name takes when it takes one of
// a few (--color's auto, always and never); nil for any other flag.
func FlagValues(command, name string) []string {
	if fs := FlagSet(command); fs == nil || fs.Lookup(name) == nil {
		return nil
	}
	return flagValues[name]
}

// TakesOperands reports whether command takes arguments beside its
// flags: query and snapshot take flags alone, and version and agent
// nothing, so that completion offers them flags, not files.
func TakesOperands(command string) bool {
	switch command {
	case "query", "snapshot", "version", "agent":
		return false
	}
	return true
}

// SpecOf is the spec flags and the paths of a check or validate command
// line, read as its parser reads them but not judged: completion loads
// the specs a line names, to offer their vantage points, tags and
// controls, before the line is whole or right.
func SpecOf(command string, args []string) (*Spec, []string, error) {
	var (
		fs *flag.FlagSet
		s  *Spec
	)
	switch command {
	case "check":
		c := new(Check)
		fs, s = c.flags(), &c.Spec
	case "validate":
		v := new(Validate)
		fs, s = v.flags(), &v.Spec
	case "serve":
		v := new(Serve)
		fs, s = v.flags(), &v.Spec
	default:
		return nil, nil, fmt.Errorf("portspec %s loads no spec", command)
	}
	paths, err := parse(command, fs, args)
	if err == nil {
		err = s.Load.validate()
	}
	if err != nil {
		return nil, nil, err
	}
	return s, paths, nil
}
