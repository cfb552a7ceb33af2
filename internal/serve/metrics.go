package serve

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The metrics: gauges of the last completed run (none before the first
// ends), counters of the runs since serve started.
var (
	checksDesc = prometheus.NewDesc("portspec_checks",
		"Checks of the last completed run, by verdict.", []string{"verdict"}, nil)
	failingDesc = prometheus.NewDesc("portspec_check_failing",
		"1 for each check that failed or errored in the last completed run, at most --max-series of them.",
		[]string{"host", "address", "protocol", "port", "expected", "actual", "vantage"}, nil)
	droppedDesc = prometheus.NewDesc("portspec_check_failing_dropped_series",
		"Failing checks of the last completed run left out of portspec_check_failing by --max-series.", nil, nil)
	lastRunDesc = prometheus.NewDesc("portspec_last_run_timestamp_seconds",
		"When the last completed run ended, in seconds since the epoch.", nil, nil)
	durationDesc = prometheus.NewDesc("portspec_last_run_duration_seconds",
		"How long the last completed run took.", nil, nil)
	icmpWaitDesc = prometheus.NewDesc("portspec_icmp_wait_seconds",
		"How long the last completed run had nothing to do but wait for targets' ICMP rate limits.", nil, nil)
	runErrorDesc = prometheus.NewDesc("portspec_last_run_error",
		"1 when the last run could not be made (its reports could not be written, say), else 0.", nil, nil)
	runsDesc = prometheus.NewDesc("portspec_runs_total",
		"Runs completed since serve started.", nil, nil)
	overrunsDesc = prometheus.NewDesc("portspec_run_overruns_total",
		"Runs that took longer than --interval, each followed by the next at once.", nil, nil)
)

// collector reads the server's state at each scrape: current values
// only, as a scrape of the last run, not sums across runs.
type collector struct{ s *Server }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{checksDesc, failingDesc, droppedDesc, lastRunDesc, durationDesc, icmpWaitDesc, runErrorDesc, runsDesc, overrunsDesc} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	ch <- prometheus.MustNewConstMetric(runsDesc, prometheus.CounterValue, float64(s.runs))
	ch <- prometheus.MustNewConstMetric(overrunsDesc, prometheus.CounterValue, float64(s.overruns))
	last := s.last
	if last == nil {
		return
	}
	failed := 0.0
	if last.err != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(runErrorDesc, prometheus.GaugeValue, failed)
	ch <- prometheus.MustNewConstMetric(lastRunDesc, prometheus.GaugeValue, float64(last.ended.UnixNano())/1e9)
	ch <- prometheus.MustNewConstMetric(durationDesc, prometheus.GaugeValue, last.took.Seconds())
	sum := last.summary
	ch <- prometheus.MustNewConstMetric(icmpWaitDesc, prometheus.GaugeValue, sum.ICMPWait.Seconds())
	for _, v := range []struct {
		verdict string
		n       int
	}{{"pass", sum.Passed}, {"fail", sum.Failed}, {"error", sum.Errors}, {"waived", sum.Waived}, {"skipped", sum.Skipped}} {
		ch <- prometheus.MustNewConstMetric(checksDesc, prometheus.GaugeValue, float64(v.n), v.verdict)
	}
	for _, f := range last.tally.failing {
		ch <- prometheus.MustNewConstMetric(failingDesc, prometheus.GaugeValue, 1, f.host, f.address, f.protocol, f.port, f.expected, f.actual, f.vantage)
	}
	ch <- prometheus.MustNewConstMetric(droppedDesc, prometheus.GaugeValue, float64(last.tally.dropped))
}
