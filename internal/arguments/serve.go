package arguments

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"time"
)

// Serve is `portspec serve [flags] [--listen ADDR] [--interval D]
// PATH...`: check, again and again, served over HTTP. It takes check's
// flags but report files, --wait and --fail-fast (Check.registerRun): its
// reports are served, and each run checks everything.
type Serve struct {
	Check
	Listen    string
	Interval  time.Duration
	History   int
	MaxSeries int
}

// Defaults of serve: Prometheus' registry of exporter ports has 9464 free
// for such a use; loopback, so that nothing is exposed unless asked.
const (
	DefaultListen    = "127.0.0.1:9464"
	DefaultInterval  = time.Minute
	DefaultHistory   = 100
	DefaultMaxSeries = 1000
	// Bounds of what serve holds: a run's changes are at most 64 KiB,
	// and a series is a few hundred bytes at each scrape.
	maxHistory = 10000
	maxSeries  = 100000
)

func (s *Serve) flags() *flag.FlagSet {
	fs := newFlagSet("serve")
	s.Check.registerRun(fs)
	// No report flags: the reports are served, and what a run annotates
	// no CI reads.
	s.Annotations = "none"
	fs.StringVar(&s.Listen, "listen", DefaultListen, "the `address` to serve on; another than loopback only when named here")
	fs.DurationVar(&s.Interval, "interval", DefaultInterval, "from the start of one run to the start of the next, at least 1s; a longer run is followed by the next at once")
	fs.IntVar(&s.History, "history", DefaultHistory, "how many runs' changes /changes keeps")
	fs.IntVar(&s.MaxSeries, "max-series", DefaultMaxSeries, "the most portspec_check_failing series; the rest are counted")
	return fs
}

// ParseServe parses serve's arguments.
func ParseServe(args []string) (*Serve, error) {
	s := &Serve{}
	paths, err := parse("serve", s.flags(), args)
	if err != nil {
		return nil, err
	}
	err = s.take(paths)
	if err == nil {
		err = s.validateServe()
	}
	if err != nil {
		return nil, usage("serve", err)
	}
	return s, nil
}

// validateServe refuses what serve cannot do: an interval under a
// second, a spec on stdin, which a reload could not read again, and an
// address that is none.
func (s *Serve) validateServe() error {
	switch {
	case s.Interval < time.Second:
		return fmt.Errorf("--interval is at least 1s; got %s", s.Interval)
	case s.History < 1 || s.History > maxHistory:
		return fmt.Errorf("--history is from 1 to %d runs; got %d", maxHistory, s.History)
	case s.MaxSeries < 1 || s.MaxSeries > maxSeries:
		return fmt.Errorf("--max-series is from 1 to %d; got %d", maxSeries, s.MaxSeries)
	}
	for _, p := range s.Paths {
		if p == "-" {
			return errors.New("serve reads its spec again on SIGHUP: give files, not - (stdin)")
		}
	}
	if _, _, err := net.SplitHostPort(s.Listen); err != nil {
		return fmt.Errorf("--listen is host:port, such as %s or :9464 for every address; got %q: %v", DefaultListen, s.Listen, err)
	}
	return nil
}
