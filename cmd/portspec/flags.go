package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/spec"
)

// stringsFlag is a repeatable flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// cmdFlags is a command's flag set, with where its help (stdout) and its
// errors (stderr) go.
type cmdFlags struct {
	*flag.FlagSet
	command        string
	stdout, stderr io.Writer
}

type flagT = flag.Flag

// newFlagSet returns the flag set of a command, which reports errors
// instead of exiting. Its help comes from helps.
func newFlagSet(command string, stdout, stderr io.Writer) *cmdFlags {
	fs := flag.NewFlagSet("portspec "+command, flag.ContinueOnError)
	fs.SetOutput(stderr)
	// The flag package calls Usage for -h and for errors alike; usageError
	// tells them apart and writes each where it belongs.
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, command: command, stdout: stdout, stderr: stderr}
}

// parseFlags parses flags wherever they stand among the arguments, so
// that `portspec validate examples/ --var x=y` works as users type it, and
// returns the positional arguments. "--" ends the flags.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
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

// usageError ends a command whose flags asked for help (the whole help
// on stdout, exit 0) or were wrong (what was wrong and a short usage on
// stderr, exit 2; the flag package said what a bad flag was).
func usageError(stderr io.Writer, fs *cmdFlags, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		writeHelp(fs.stdout, fs)
		return exitOK
	}
	if err != nil && !isFlagError(err) {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
	}
	writeShortUsage(stderr, fs)
	return exitUsage
}

// flagError marks errors that flag.FlagSet printed itself.
type flagError struct{ error }

func isFlagError(err error) bool {
	var fe flagError
	return errors.As(err, &fe)
}

func parse(fs *cmdFlags, args []string) ([]string, error) {
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return nil, flagError{err}
	}
	return pos, err
}

// specFlags are the flags of every command that loads specs.
type specFlags struct {
	vars, varFiles, tags stringsFlag
	controls             stringsFlag
	from, shard          string
	maxAddresses         int
	maxTotalAddresses    int
	maxFileSize          sizeFlag
	load                 loadLimits
	color                string
}

// sizeFlag is a size in bytes, given as 16777216, 512KiB, 64MiB or 1GiB.
type sizeFlag int64

// sizeUnits are the suffixes a size may have, largest first.
var sizeUnits = []struct {
	suffix string
	factor int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}, {"", 1}}

func (s *sizeFlag) String() string {
	for _, u := range sizeUnits {
		if n := int64(*s); n >= u.factor && n%u.factor == 0 {
			return strconv.FormatInt(n/u.factor, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(*s), 10)
}

func (s *sizeFlag) Set(v string) error {
	for _, u := range sizeUnits {
		digits, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n <= 0 || n > (1<<40)/u.factor {
			break
		}
		*s = sizeFlag(n * u.factor)
		return nil
	}
	return fmt.Errorf("a size is a positive whole number of bytes, with KiB, MiB or GiB if you like, such as 64MiB; got %q", v)
}

func (f *specFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.vars, "var", "set a variable: `name=value` (repeatable)")
	fs.Var(&f.varFiles, "var-file", "read variables from an HCL `file` (repeatable)")
	fs.Var(&f.tags, "tag", "select only blocks with this `tag` (repeatable)")
	fs.Var(&f.controls, "control", "select only blocks that answer to this `control`, such as \"PCI-DSS 1.2.1\" (repeatable)")
	fs.StringVar(&f.from, "from", "", "the vantage `point` this run probes from")
	fs.StringVar(&f.shard, "shard", "", "run only part `k/n` of the checks, for splitting a run over n jobs")
	fs.IntVar(&f.maxAddresses, "max-addresses", spec.DefaultMaxAddresses, "the most addresses one host block may expand to")
	fs.IntVar(&f.maxTotalAddresses, "max-total-addresses", spec.DefaultMaxTotalAddresses, "the most addresses the whole spec may expand to, names once resolved included")
	f.maxFileSize = spec.DefaultMaxFileSize
	fs.Var(&f.maxFileSize, "max-file-size", "the largest spec or variable file to read, a `size` such as 64MiB")
	f.load.register(fs)
	colorFlag(fs, &f.color)
}

// colorFlag registers --color, the same for every command that colours.
func colorFlag(fs *flag.FlagSet, color *string) {
	fs.StringVar(color, "color", "auto", "colour output: auto, always or never")
}

func (f *specFlags) options() spec.Options {
	return spec.Options{
		Vars:              f.vars,
		VarFiles:          f.varFiles,
		Environ:           os.Environ(),
		MaxAddresses:      f.maxAddresses,
		MaxTotalAddresses: f.maxTotalAddresses,
		MaxFileSize:       int64(f.maxFileSize),
		MaxLoadMemory:     uint64(f.load.memory),
		MaxLoadTime:       f.load.time,
	}
}

func (f *specFlags) selection() (spec.Selection, error) {
	sel := spec.Selection{From: f.from, Tags: f.tags, Controls: f.controls}
	if f.from != "" && !spec.ValidName(f.from) {
		return sel, fmt.Errorf("--from is a vantage point's name, made of letters, digits, '_', '-' and '.', as in a block's from; got %s", escape.QuoteCut(f.from, 64))
	}
	for _, tag := range f.tags {
		if !spec.ValidName(tag) {
			return sel, fmt.Errorf("--tag is a tag's name, made of letters, digits, '_', '-' and '.', as in a block's tags; got %s", escape.QuoteCut(tag, 64))
		}
	}
	if f.maxAddresses < 1 {
		return sel, fmt.Errorf("--max-addresses is the most addresses a host block may have, at least 1; got %d", f.maxAddresses)
	}
	if err := f.load.check(); err != nil {
		return sel, err
	}
	if f.maxTotalAddresses < 1 {
		return sel, fmt.Errorf("--max-total-addresses is the most addresses the whole spec may have, at least 1; got %d", f.maxTotalAddresses)
	}
	if f.shard != "" {
		shard, err := spec.ParseShard(f.shard)
		if err != nil {
			return sel, err
		}
		sel.Shard = shard
	}
	return sel, nil
}

// useColor decides whether to colour what goes to w: always, never, or,
// for auto, when w is a terminal and NO_COLOR is not set.
func useColor(choice string, w io.Writer) (bool, error) {
	switch choice {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		if noColor() {
			return false, nil
		}
		f, ok := w.(*os.File)
		return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())), nil
	}
	return false, fmt.Errorf("--color is auto, always or never; got %q", choice)
}

// checkICMPInterval refuses what no target's rate limit can be.
func checkICMPInterval(d time.Duration) error {
	if d < 0 || d > spec.MaxICMPInterval {
		return fmt.Errorf("--icmp-interval must be from 1ms to %s; got %s", spec.MaxICMPInterval, d)
	}
	return nil
}

// writeCommit writes data to f and puts it in place, returning the first
// error of either: a full disk must fail the command, not leave an old file
// standing while it exits 0.
func writeCommit(f *atomicfile.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// noColor reports whether NO_COLOR asks for no colour: set to anything
// but the empty string, as no-color.org has it.
func noColor() bool { return os.Getenv("NO_COLOR") != "" }

// inCI reports whether a CI system runs the command: CI set to anything
// but "", "false" or "0", as every CI system sets it and as people unset
// it.
func inCI() bool {
	switch os.Getenv("CI") {
	case "", "false", "0":
		return false
	}
	return true
}

// checkTries refuses a --tries no run can finish; 0 means the default.
func checkTries(n int) error {
	if n < 0 || n > spec.MaxTries {
		return fmt.Errorf("--tries is the tries before silence counts, from 1 to %d; got %d", spec.MaxTries, n)
	}
	return nil
}

// Bounds of --rate: below a probe every ten seconds a run seems to hang,
// and above ten million a second the limit means nothing.
const (
	minRate = 0.1
	maxRate = 1e7
)

// checkRate refuses a --rate that is not a number of probes a second; 0
// means no limit.
func checkRate(r float64) error {
	if r == 0 || r >= minRate && r <= maxRate {
		return nil
	}
	return fmt.Errorf("--rate is probes a second, from %g to %g, or 0 for no limit; got %g", minRate, maxRate, r)
}
