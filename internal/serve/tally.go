package serve

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

// failing is one failing or erroring check, as its metric's labels.
type failing struct {
	host, address, protocol, port, expected, actual, vantage string
}

// tally is a report.Reporter that keeps the failing checks of a run for
// the metrics, up to maxSeries, counting the rest.
type tally struct {
	maxSeries int
	failing   []failing
	// seen are the failing label sets already taken: two blocks can
	// check one port (a profile's range and a host's block), and one
	// series each is all Prometheus takes.
	seen    map[failing]bool
	dropped int
}

func (t *tally) Begin(report.Meta) error { return nil }

func (t *tally) Resolved(string, string, []netip.Addr, error, time.Duration) {}

func (t *tally) Try(report.Attempt) {}

func (t *tally) Result(r report.Record) error {
	if !r.Verdict.Failing() {
		return nil
	}
	actual := r.Actual
	if r.Verdict == verdict.Unknown || actual == "" {
		actual = "none"
	}
	f := failing{host: r.Host, address: r.Address, protocol: r.Protocol, port: strconv.Itoa(int(r.Port)),
		expected: r.Expected, actual: actual, vantage: r.Vantage}
	switch {
	case t.seen[f]:
	case len(t.failing) == t.maxSeries:
		t.dropped++
	default:
		if t.seen == nil {
			t.seen = map[failing]bool{}
		}
		t.seen[f] = true
		t.failing = append(t.failing, f)
	}
	return nil
}

// End: the run's summary is what its RunFunc returns (completed.summary).
func (t *tally) End(report.Summary) error { return nil }

var _ report.Reporter = (*tally)(nil)
