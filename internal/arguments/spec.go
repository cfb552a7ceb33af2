package arguments

import (
	"flag"
	"fmt"
	"time"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/spec"
)

// Defaults of --max-load-memory and --max-load-time: far above any real
// policy (a spec of a million checks loads in a second or two and tens of
// megabytes), far below what brings a CI runner down or holds it for hours.
const (
	DefaultLoadMemory = 2 << 30
	DefaultLoadTime   = time.Minute
)

// Load is --max-load-memory and --max-load-time, which bound reading a
// spec, for every command that reads one: nested for expressions can
// build more than any machine holds, or iterate for hours, from a few
// lines of an untrusted spec, and no function cap bounds their product;
// planning the shards of a million addresses takes its time, and parsing
// a file of megabytes of tokens takes gigabytes.
type Load struct {
	Memory Size
	Time   time.Duration
}

func (l *Load) register(fs *flag.FlagSet) {
	l.Memory = DefaultLoadMemory
	fs.Var(&l.Memory, "max-load-memory", "the most memory loading the spec may use, a `size`")
	fs.DurationVar(&l.Time, "max-load-time", DefaultLoadTime, "the longest loading the spec may take")
}

func (l *Load) validate() error {
	if l.Time <= 0 {
		return fmt.Errorf("--max-load-time is how long loading the spec may take, above 0; got %s", l.Time)
	}
	return nil
}

// Spec are the flags of every command that loads specs.
type Spec struct {
	Vars, VarFiles, Tags, Controls Strings
	// From is the vantage point, and Selection what --from, --tag,
	// --control and --shard select.
	From              string
	Selection         spec.Selection
	MaxAddresses      int
	MaxTotalAddresses int
	MaxFileSize       Size
	Load              Load
	Color             Color

	shard string
}

func (f *Spec) register(fs *flag.FlagSet) {
	fs.Var(&f.Vars, "var", "set a variable: `name=value` (repeatable)")
	fs.Var(&f.VarFiles, "var-file", "read variables from an HCL `file` (repeatable)")
	fs.Var(&f.Tags, "tag", "select only blocks with this `tag` (repeatable)")
	fs.Var(&f.Controls, "control", "select only blocks that answer to this `control`, such as \"PCI-DSS 1.2.1\" (repeatable)")
	fs.StringVar(&f.From, "from", "", "the vantage `point` this run probes from")
	fs.StringVar(&f.shard, "shard", "", "run only part `k/n` of the checks (k from 1; or i:n, i from 0, as Kubernetes' JOB_COMPLETION_INDEX), for splitting a run over n jobs")
	fs.IntVar(&f.MaxAddresses, "max-addresses", spec.DefaultMaxAddresses, "the most addresses one host block may expand to")
	fs.IntVar(&f.MaxTotalAddresses, "max-total-addresses", spec.DefaultMaxTotalAddresses, "the most addresses the whole spec may expand to, names once resolved included")
	f.MaxFileSize = spec.DefaultMaxFileSize
	fs.Var(&f.MaxFileSize, "max-file-size", "the largest spec or variable file to read, a `size` such as 64MiB")
	f.Load.register(fs)
	colorFlag(fs, &f.Color, "colour output")
}

// Options are the spec.Options of the flags, with the environment the
// spec's env() reads.
func (f *Spec) Options(environ []string) spec.Options {
	return spec.Options{
		Vars:              f.Vars,
		VarFiles:          f.VarFiles,
		Environ:           environ,
		MaxAddresses:      f.MaxAddresses,
		MaxTotalAddresses: f.MaxTotalAddresses,
		MaxFileSize:       int64(f.MaxFileSize),
		MaxLoadMemory:     uint64(f.Load.Memory),
		MaxLoadTime:       f.Load.Time,
	}
}

// selection checks the selecting flags and the bounds, and sets
// Selection.
func (f *Spec) selection() error {
	f.Selection = spec.Selection{From: f.From, Tags: f.Tags, Controls: f.Controls}
	if f.From != "" && !spec.ValidName(f.From) {
		return fmt.Errorf("--from is a vantage point's name, made of letters, digits, '_', '-' and '.', as in a block's from; got %s", escape.QuoteCut(f.From, 64))
	}
	for _, tag := range f.Tags {
		if !spec.ValidName(tag) {
			return fmt.Errorf("--tag is a tag's name, made of letters, digits, '_', '-' and '.', as in a block's tags; got %s", escape.QuoteCut(tag, 64))
		}
	}
	if f.MaxAddresses < 1 {
		return fmt.Errorf("--max-addresses is the most addresses a host block may have, at least 1; got %d", f.MaxAddresses)
	}
	if err := f.Load.validate(); err != nil {
		return err
	}
	if f.MaxTotalAddresses < 1 {
		return fmt.Errorf("--max-total-addresses is the most addresses the whole spec may have, at least 1; got %d", f.MaxTotalAddresses)
	}
	if f.shard != "" {
		shard, err := spec.ParseShard(f.shard)
		if err != nil {
			return err
		}
		f.Selection.Shard = shard
	}
	return nil
}

// Validate is `portspec validate [flags] PATH...`.
type Validate struct {
	Spec
	Paths []string
	// JSON writes the findings on stdout in terraform validate -json's
	// shape, and nothing on stderr.
	JSON bool
}

func (v *Validate) flags() *flag.FlagSet {
	fs := newFlagSet("validate")
	v.Spec.register(fs)
	fs.BoolVar(&v.JSON, "json", false, "write the diagnostics as JSON on stdout, in the shape of terraform validate -json (valid, error_count, warning_count, diagnostics)")
	return fs
}

// ParseValidate parses validate's arguments.
func ParseValidate(args []string) (*Validate, error) {
	v := &Validate{}
	paths, err := parse("validate", v.flags(), args)
	if err != nil {
		return nil, err
	}
	v.Paths = paths
	switch {
	case v.Color.validate() != nil:
		return nil, usage("validate", v.Color.validate())
	case len(paths) == 0:
		return nil, usagef("validate", "name at least one spec file or directory, or - for stdin")
	}
	if err := v.selection(); err != nil {
		return nil, usage("validate", err)
	}
	return v, nil
}
