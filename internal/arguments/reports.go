package arguments

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/portspec/portspec/internal/outputs"
	"github.com/portspec/portspec/internal/rundiff"
	"github.com/portspec/portspec/report"
)

// Reports are the report flags of check and merge.
type Reports struct {
	// Paths are the report files asked for, by outputs.Formats' flag.
	Paths          map[string]string
	Annotations    string
	Quiet, Verbose bool

	paths map[string]*string
}

func (f *Reports) register(fs *flag.FlagSet) {
	f.paths = map[string]*string{}
	for _, rf := range outputs.Formats {
		f.paths[rf.Flag] = fs.String(rf.Flag, "", rf.Usage)
	}
	fs.StringVar(&f.Annotations, "annotations", "auto", "CI annotations of the failures: github, gitlab, none, or auto (github under GITHUB_ACTIONS=true, gitlab under GITLAB_CI=true)")
	fs.BoolVar(&f.Quiet, "q", false, "print only failures and the summary")
	fs.BoolVar(&f.Verbose, "v", false, "print the evidence for passes too")
}

// check refuses flags that contradict each other.
func (f *Reports) validate() error {
	f.Paths = map[string]string{}
	for flag, p := range f.paths {
		if *p != "" {
			f.Paths[flag] = *p
		}
	}
	if f.Quiet && f.Verbose {
		return errors.New("-q and -v exclude each other")
	}
	switch f.Annotations {
	case "auto", "github", "gitlab", "none":
	default:
		return fmt.Errorf("--annotations is github, gitlab, none or auto; got %q", f.Annotations)
	}
	return nil
}

// Outputs are the flags as outputs.Flags.
func (f *Reports) Outputs(color Color) outputs.Flags {
	return outputs.Flags{Paths: f.Paths, Annotations: f.Annotations, Quiet: f.Quiet, Verbose: f.Verbose, Color: string(color)}
}

// Read say how merge and diff read reports.
type Read struct {
	MaxRecordSize Size
	// Today is --today, or the zero time: the day each run started.
	Today time.Time

	today string
}

func (f *Read) register(fs *flag.FlagSet) {
	f.MaxRecordSize = report.DefaultMaxRecordSize
	fs.Var(&f.MaxRecordSize, "max-record-size", "the largest result (or meta, or summary) of a report to read, a `size` such as 4MiB")
	fs.StringVar(&f.today, "today", "", "judge the reports' waivers as on this `date`, YYYY-MM-DD, as check --today did (default: the day each run started)")
}

func (f *Read) validate() (err error) {
	if f.today != "" {
		f.Today, err = parseDay(f.today)
	}
	return err
}

// ReadOptions are how the reports are read.
func (f *Read) ReadOptions() report.ReadOptions {
	return report.ReadOptions{MaxRecordSize: int(f.MaxRecordSize), Today: f.Today}
}

// parseDay reads the date --today gives, YYYY-MM-DD.
func parseDay(s string) (time.Time, error) {
	day, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return day, fmt.Errorf("--today is a date, YYYY-MM-DD, such as 2027-01-31; got %q", s)
	}
	return day, nil
}

// Merge is `portspec merge [flags] RESULT.json...`.
type Merge struct {
	Reports
	Read
	Color Color
	Paths []string
}

func (m *Merge) flags() *flag.FlagSet {
	fs := newFlagSet("merge")
	m.Reports.register(fs)
	m.Read.register(fs)
	colorFlag(fs, &m.Color, "colour output")
	return fs
}

// ParseMerge parses merge's arguments.
func ParseMerge(args []string) (*Merge, error) {
	m := &Merge{}
	paths, err := parse("merge", m.flags(), args)
	if err != nil {
		return nil, err
	}
	m.Paths = paths
	err = m.Color.validate()
	if err == nil && len(paths) == 0 {
		err = errors.New("name the JSON results to merge")
	}
	if err == nil {
		err = m.Reports.validate()
	}
	if err == nil {
		err = m.Read.validate()
	}
	if err != nil {
		return nil, usage("merge", err)
	}
	return m, nil
}

// Diff is `portspec diff [flags] OLD.json NEW.json`.
type Diff struct {
	Read
	Format   rundiff.Format
	Old, New string

	json, markdown bool
}

func (d *Diff) flags() *flag.FlagSet {
	fs := newFlagSet("diff")
	d.Read.register(fs)
	fs.BoolVar(&d.json, "json", false, "write the changes as JSON")
	fs.BoolVar(&d.markdown, "markdown", false, "write the changes as Markdown, for a pull request comment")
	return fs
}

// ParseDiff parses diff's arguments.
func ParseDiff(args []string) (*Diff, error) {
	d := &Diff{}
	paths, err := parse("diff", d.flags(), args)
	if err != nil {
		return nil, err
	}
	switch {
	case len(paths) != 2:
		return nil, usagef("diff", "name two JSON reports: the old run's, then the new run's")
	case d.json && d.markdown:
		return nil, usagef("diff", "--json and --markdown exclude each other")
	}
	if err := d.Read.validate(); err != nil {
		return nil, usage("diff", err)
	}
	d.Old, d.New = paths[0], paths[1]
	switch {
	case d.json:
		d.Format = rundiff.JSON
	case d.markdown:
		d.Format = rundiff.Markdown
	}
	return d, nil
}
