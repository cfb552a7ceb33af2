package runner

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/portspec/portspec/spec"
)

func BenchmarkClassify(b *testing.B) {
	target := netip.MustParseAddr("198.18.0.2")
	icmp := &ICMPError{Type: 3, Code: 3, From: target}
	for range b.N {
		classify(spec.TCP, ICMP, icmp, target)
		classify(spec.UDP, Silence, nil, target)
	}
}

func BenchmarkJudge(b *testing.B) {
	r := Result{
		Check:    spec.Check{Protocol: spec.TCP, Port: 587, Expect: &spec.Expectation{Protocol: spec.TCP, State: spec.Listening}},
		Status:   Filtered,
		Evidence: Evidence{Signal: Silence, Timeout: 212 * time.Millisecond, Tries: []Try{{}, {}, {}}},
	}
	b.ReportAllocs()
	for range b.N {
		Judge(r)
	}
}

// BenchmarkSchedulerLoopback runs the whole pipeline, from the check
// stream through the probes to the ordered results, on closed loopback
// ports: it measures portspec's own cost per check, not a network's.
func BenchmarkSchedulerLoopback(b *testing.B) {
	host := &spec.Host{Name: "loopback"}
	e := &spec.Expectation{Protocol: spec.TCP, State: spec.NotListening}
	lo := netip.MustParseAddr("127.0.0.1")
	const ports = 4096
	b.ReportAllocs()
	for range b.N {
		n := 0
		err := New(Options{}).Run(context.Background(), func(yield func(spec.Check) bool) {
			// High ports, in the range a loopback listener is least
			// likely to hold.
			for p := 60000; p < 60000+ports; p++ {
				if !yield(spec.Check{Host: host, Addr: lo, Protocol: spec.TCP, Port: uint16(p), Expect: e}) {
					return
				}
			}
		}, func(Result) { n++ })
		if err != nil || n != ports {
			b.Fatalf("%d results, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*ports), "ns/check")
}
