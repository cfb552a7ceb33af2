package runner_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"testing/fstest"

	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

// The library's whole flow: a spec says what must be true, the runner
// probes, verdict judges, a report counts. portspec check does the same
// through internal/plan, which adds the ICMP budget's proofs and every
// reporter. This probes loopback only: a port that listens, and one that
// no longer does.
func Example() {
	open, _ := net.Listen("tcp", "127.0.0.1:0")
	defer open.Close()
	gone, _ := net.Listen("tcp", "127.0.0.1:0")
	gone.Close()
	l := spec.NewLoader()
	l.FS = fstest.MapFS{"self.hcl": {Data: fmt.Appendf(nil, `host "self" {
  address = "127.0.0.1"
  tcp "listening" { ports = [%d] }
  tcp "blocked"   { ports = [%d] }
}`, open.Addr().(*net.TCPAddr).Port, gone.Addr().(*net.TCPAddr).Port)}}
	s, diags := l.Load([]string{"self.hcl"}, spec.Options{})
	if diags.HasErrors() {
		log.Fatal(diags)
	}
	var checks []spec.Check
	for c := range s.Checks(spec.Selection{}) {
		checks = append(checks, c)
	}
	probes := func(yield func(runner.Probe) bool) {
		for i, c := range checks {
			if !yield(runner.Probe{Addr: c.Addr, Proto: c.Protocol, Port: c.Port, Ref: i}) {
				return
			}
		}
	}
	var sum report.Summary
	runner.New(runner.Options{}).Run(context.Background(), probes, func(res runner.Result) {
		c := checks[res.Probe.Ref]
		o := verdict.Judge(verdict.Expectation{State: c.State()}, verdict.Found{Status: res.Status, Err: res.Err})
		sum.Add(report.Record{Host: c.Host.Name, Expected: c.State().String(), Actual: res.Status.String(), Verdict: o.Verdict})
		fmt.Printf("%s %s: %s, %s\n", c.Protocol, c.State(), res.Status, o.Verdict)
	})
	fmt.Println(sum.Line())
	// Output:
	// tcp listening: LISTENING, pass
	// tcp blocked: NOT LISTENING, pass
	// 2 passed, 0 failed
}
