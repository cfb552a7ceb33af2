package arguments

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/agent"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/spec"
)

// Check is `portspec check [flags] PATH...`.
type Check struct {
	Spec
	Reports
	Probe
	Trace
	Concurrency, PerHost int
	Rate                 float64
	FailFast             bool
	// Today is --today, or the zero time: today.
	Today time.Time
	Wait  time.Duration
	// Via are the vantage points --via runs the checks from, in the order
	// given; ViaBinary is the portspec to run on their far ends.
	Via       []Via
	ViaBinary string
	Paths     []string

	today string
	via   Strings
}

// Via is one --via: a vantage point and the transport command that
// reaches it, split into words; none when --via named the vantage alone,
// for $PORTSPEC_VIA_<NAME> to give it.
type Via struct {
	Name    string
	Command []string
}

// Bounds of --rate: below a probe every ten seconds a run seems to hang,
// and above ten million a second the limit means nothing.
const (
	minRate = 0.1
	maxRate = 1e7
)

func (c *Check) flags() *flag.FlagSet {
	fs := newFlagSet("check")
	c.registerRun(fs)
	c.Reports.register(fs)
	fs.BoolVar(&c.FailFast, "fail-fast", false, "stop at the first failure; the rest are skipped")
	fs.DurationVar(&c.Wait, "wait", 0, "probe the failed checks again, with backoff, until they pass or this `duration` has passed: for a firewall change still converging")
	return fs
}

// registerRun adds the flags of what a run checks and how it probes:
// check's and serve's alike. (Report files, --wait and --fail-fast are
// check's alone: serve serves its reports and runs every check.)
func (c *Check) registerRun(fs *flag.FlagSet) {
	c.Spec.register(fs)
	c.Probe.register(fs)
	fs.IntVar(&c.Concurrency, "concurrency", 0, "probes in flight at once (default: settings, else half of the open-file limit less 128, at most 4096)")
	fs.IntVar(&c.PerHost, "per-host", 0, "probes in flight to one address (default: settings, else --concurrency)")
	fs.Float64Var(&c.Rate, "rate", 0, "probes a second at most (default: settings, else no limit)")
	c.Trace.register(fs)
	fs.StringVar(&c.today, "today", "", "judge waivers as on this `date`, YYYY-MM-DD, for reproducible reports (default: today)")
	fs.Var(&c.via, "via", "probe the checks of vantage point NAME on the far end of COMMAND (ssh, kubectl exec, docker exec, ip netns exec, sudo), as `NAME=COMMAND`, or NAME alone for $PORTSPEC_VIA_<NAME> (repeatable); this machine probes nothing")
	fs.StringVar(&c.ViaBinary, "via-binary", "", "the portspec to run on the far ends of --via: a `path` there (default: portspec on their PATH)")
}

// ParseCheck parses check's arguments.
func ParseCheck(args []string) (*Check, error) {
	c := &Check{}
	paths, err := parse("check", c.flags(), args)
	if err != nil {
		return nil, err
	}
	if err := c.take(paths); err != nil {
		return nil, usage("check", err)
	}
	return c, nil
}

// take checks the flags parsed and takes the paths: check's and serve's.
func (c *Check) take(paths []string) error {
	c.Paths = paths
	if err := c.Color.validate(); err != nil {
		return err
	}
	if len(paths) == 0 {
		return errors.New("name at least one spec file or directory, or - for stdin")
	}
	if err := c.validate(); err != nil {
		return err
	}
	return c.selection()
}

func (c *Check) validate() error {
	if c.Concurrency < 0 || c.PerHost < 0 {
		return errors.New("--concurrency and --per-host must not be negative")
	}
	switch {
	case c.Wait < 0:
		return errors.New("--wait must not be negative")
	case c.Wait > 0 && c.FailFast:
		return errors.New("--wait probes failures again and --fail-fast stops at the first: give one")
	}
	var dayErr error
	if c.today != "" {
		c.Today, dayErr = parseDay(c.today)
	}
	for _, err := range []error{c.Reports.validate(), c.Probe.validate(), c.validateRate(), dayErr, c.Trace.validate(), c.validateVia()} {
		if err != nil {
			return err
		}
	}
	return nil
}

// validateRate refuses a --rate that is not a number of probes a second; 0
// means no limit.
func (c *Check) validateRate() error {
	if c.Rate == 0 || c.Rate >= minRate && c.Rate <= maxRate {
		return nil
	}
	return fmt.Errorf("--rate is probes a second, from %g to %g, or 0 for no limit; got %g", minRate, maxRate, c.Rate)
}

// Day is the day waivers are judged on: --today, or now's.
func (c *Check) Day(now time.Time) time.Time {
	if c.Today.IsZero() {
		return now
	}
	return c.Today
}

// validateVia reads --via: a vantage's name, as from has it, once each,
// and a command split as a shell would, with no expansion.
func (c *Check) validateVia() error {
	c.Via = nil
	seen := map[string]bool{}
	for _, v := range c.via {
		name, command, hasCommand := strings.Cut(v, "=")
		if !spec.ValidName(name) {
			return fmt.Errorf("--via takes NAME=COMMAND, NAME a vantage point's name as in a block's from; got %s", escape.QuoteCut(v, 64))
		}
		if seen[name] {
			return fmt.Errorf("--via %s is given twice", name)
		}
		seen[name] = true
		var words []string
		if hasCommand {
			var err error
			if words, err = agent.Words(command); err != nil || len(words) == 0 {
				return fmt.Errorf("--via %s: the command %s does not split into words: %v", name, escape.QuoteCut(command, 64), orEmpty(err))
			}
		}
		c.Via = append(c.Via, Via{Name: name, Command: words})
	}
	switch {
	case len(c.Via) > 0 && c.From != "":
		return errors.New("--via names the vantage points the run probes from, --from the one it stands at: give one")
	case len(c.Via) > 0 && c.Wait > 0:
		return errors.New("--via and --wait do not go together yet: run check --wait on each vantage point")
	case len(c.Via) > 0 && c.FailFast:
		return errors.New("--via and --fail-fast do not go together yet: every vantage runs to its end")
	case c.ViaBinary != "" && len(c.Via) == 0:
		return errors.New("--via-binary says which portspec --via runs: give --via")
	}
	return nil
}

func orEmpty(err error) error {
	if err == nil {
		return errors.New("it is empty")
	}
	return err
}
