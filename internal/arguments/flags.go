package arguments

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/suggest"
)

// Strings is a repeatable flag's values, in the order given.
type Strings []string

func (s *Strings) String() string     { return strings.Join(*s, ",") }
func (s *Strings) Set(v string) error { *s = append(*s, v); return nil }

// Size is a size in bytes, given as 16777216, 512KiB, 64MiB or 1GiB.
type Size int64

// sizeUnits are the suffixes a size may have, largest first.
var sizeUnits = []struct {
	suffix string
	factor int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}, {"", 1}}

func (s *Size) String() string {
	for _, u := range sizeUnits {
		if n := int64(*s); n >= u.factor && n%u.factor == 0 {
			return strconv.FormatInt(n/u.factor, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(*s), 10)
}

func (s *Size) Set(v string) error {
	for _, u := range sizeUnits {
		digits, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n <= 0 || n > (1<<40)/u.factor {
			break
		}
		*s = Size(n * u.factor)
		return nil
	}
	return fmt.Errorf("a size is a positive whole number of bytes, with KiB, MiB or GiB if you like, such as 64MiB; got %q", v)
}

// flagSets build each command's flag set into the struct its parse fills.
// FlagSet uses them with a struct of its own, for the help.
var flagSets = map[string]func() *flag.FlagSet{
	"check":      func() *flag.FlagSet { return new(Check).flags() },
	"serve":      func() *flag.FlagSet { return new(Serve).flags() },
	"validate":   func() *flag.FlagSet { return new(Validate).flags() },
	"query":      func() *flag.FlagSet { return new(Query).flags() },
	"snapshot":   func() *flag.FlagSet { return new(Snapshot).flags() },
	"fmt":        func() *flag.FlagSet { return new(Fmt).flags() },
	"merge":      func() *flag.FlagSet { return new(Merge).flags() },
	"diff":       func() *flag.FlagSet { return new(Diff).flags() },
	"profiles":   func() *flag.FlagSet { return newFlagSet("profiles") },
	"version":    func() *flag.FlagSet { return newFlagSet("version") },
	"agent":      func() *flag.FlagSet { return newFlagSet("agent") },
	"completion": func() *flag.FlagSet { return newFlagSet("completion") },
}

// FlagSet is command's flag set with its defaults, for its help; nil for
// a command there is none of.
func FlagSet(command string) *flag.FlagSet {
	build, ok := flagSets[command]
	if !ok {
		return nil
	}
	return build()
}

// newFlagSet is a command's flag set, which prints nothing: its errors
// come back as errors, and the help is the command's to write.
func newFlagSet(command string) *flag.FlagSet {
	fs := flag.NewFlagSet("portspec "+command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses flags wherever they stand among the arguments, so that
// `portspec validate examples/ --var x=y` works as users type it, and
// returns the positional arguments. "--" ends the flags.
func parse(command string, fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, parseError(command, explain(fs, err))
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// parseFlagsOnly parses a command that takes flags alone: a positional
// argument is refused.
func parseFlagsOnly(command string, fs *flag.FlagSet, args []string) error {
	rest, err := parse(command, fs, args)
	if err == nil && len(rest) > 0 {
		return usage(command, fmt.Errorf("unexpected argument %q", rest[0]))
	}
	return err
}

// explain adds to what the flag package says of a bad flag what the user
// most likely meant: the flag nearest a misspelt one, or the unit a
// duration lacks ("parse error" alone says neither).
func explain(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if near := suggest.Nearest(strings.TrimLeft(name, "-"), names); near != "" {
			return fmt.Errorf("%s; did you mean -%s?", msg, near)
		}
		return err
	}
	var value, name string
	if _, scanErr := fmt.Sscanf(msg, "invalid value %q for flag -%s", &value, &name); scanErr == nil {
		name = strings.TrimSuffix(name, ":")
		g, ok := fs.Lookup(name).Value.(flag.Getter)
		if ok {
			if _, isDuration := g.Get().(time.Duration); isDuration {
				if _, numErr := strconv.ParseFloat(value, 64); numErr == nil {
					return fmt.Errorf("invalid value %q for flag -%s: a duration needs a unit, such as %ss or %sms", value, name, value, value)
				}
			}
		}
	}
	return err
}

// Color is --color: auto, always or never.
type Color string

// Colors are --color's values.
const (
	ColorAuto   Color = "auto"
	ColorAlways Color = "always"
	ColorNever  Color = "never"
)

// colorFlag registers --color; what says what it colours.
func colorFlag(fs *flag.FlagSet, c *Color, what string) {
	fs.StringVar((*string)(c), "color", string(ColorAuto), what+": auto, always or never")
}

func (c Color) validate() error {
	switch c {
	case ColorAuto, ColorAlways, ColorNever:
		return nil
	}
	return fmt.Errorf("--color is auto, always or never; got %q", string(c))
}

// Flags parses only the flags of command in args: an unknown flag, or a
// value of the wrong kind, is an error, but the values are not judged,
// as a command line with shell variables in it cannot be. It returns the
// positional arguments.
func Flags(command string, args []string) ([]string, error) {
	fs := FlagSet(command)
	if fs == nil {
		return nil, fmt.Errorf("no command %q", command)
	}
	return parse(command, fs, args)
}
