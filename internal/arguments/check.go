package arguments

import (
	"errors"
	"flag"
	"fmt"
	"time"
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
	Paths []string

	today string
}

// Bounds of --rate: below a probe every ten seconds a run seems to hang,
// and above ten million a second the limit means nothing.
const (
	minRate = 0.1
	maxRate = 1e7
)

func (c *Check) flags() *flag.FlagSet {
	fs := newFlagSet("check")
	c.Spec.register(fs)
	c.Reports.register(fs)
	c.Probe.register(fs)
	fs.IntVar(&c.Concurrency, "concurrency", 0, "probes in flight at once (default: settings, else half the open-file limit, at most 4096)")
	fs.IntVar(&c.PerHost, "per-host", 0, "probes in flight to one address (default: settings, else --concurrency)")
	fs.Float64Var(&c.Rate, "rate", 0, "probes a second at most (default: settings, else no limit)")
	fs.BoolVar(&c.FailFast, "fail-fast", false, "stop at the first failure; the rest are skipped")
	c.Trace.register(fs)
	fs.DurationVar(&c.Wait, "wait", 0, "probe the failed checks again, with backoff, until they pass or this `duration` has passed: for a firewall change still converging")
	fs.StringVar(&c.today, "today", "", "judge waivers as on this `date`, YYYY-MM-DD, for reproducible reports (default: today)")
	return fs
}

// ParseCheck parses check's arguments.
func ParseCheck(args []string) (*Check, error) {
	c := &Check{}
	paths, err := parse("check", c.flags(), args)
	if err != nil {
		return nil, err
	}
	c.Paths = paths
	err = c.Color.validate()
	if err == nil && len(paths) == 0 {
		err = errors.New("name at least one spec file or directory")
	}
	if err == nil {
		err = c.validate()
	}
	if err == nil {
		err = c.selection()
	}
	if err != nil {
		return nil, usage("check", err)
	}
	return c, nil
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
	for _, err := range []error{c.Reports.validate(), c.Probe.validate(), c.validateRate(), dayErr, c.Trace.validate()} {
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
