package runner

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/portspec/portspec/verdict"
)

func BenchmarkClassify(b *testing.B) {
	target := netip.MustParseAddr("198.18.0.2")
	icmp := &ICMPError{Type: 3, Code: 3, From: target}
	for range b.N {
		classify(verdict.TCP, ICMP, icmp, target)
		classify(verdict.UDP, Silence, nil, target)
	}
}

// BenchmarkSchedulerLoopback runs the whole pipeline, from the check
// stream through the probes to the ordered results, on closed loopback
// ports: it measures portspec's own cost per check, not a network's.
func BenchmarkSchedulerLoopback(b *testing.B) { benchmarkScheduler(b, Options{}) }

// BenchmarkSchedulerLoopbackSYN is the same with --syn's engine: each
// try waits for the receiver to hand it its answer (root only).
func BenchmarkSchedulerLoopbackSYN(b *testing.B) {
	if err := CheckSYN(Options{}); err != nil {
		b.Skip(err)
	}
	benchmarkScheduler(b, Options{SYN: true})
}

func benchmarkScheduler(b *testing.B, opts Options) {
	lo := netip.MustParseAddr("127.0.0.1")
	const ports = 4096
	b.ReportAllocs()
	for range b.N {
		n := 0
		err := New(opts).Run(context.Background(), func(yield func(Probe) bool) {
			// High ports, in the range a loopback listener is least
			// likely to hold.
			for p := 60000; p < 60000+ports; p++ {
				if !yield(Probe{Addr: lo, Proto: verdict.TCP, Port: uint16(p), Opts: &ProbeOptions{ProveSilence: true}}) {
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

// BenchmarkBudgetTry is the ledger's work for one try of the sweep:
// register it, then finish it, from as many goroutines as there are
// CPUs, as the runner's workers do.
func BenchmarkBudgetTry(b *testing.B) {
	target := netip.MustParseAddr("198.18.1.2")
	bud := newBudget(time.Second, time.Now())
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tk := bud.send(target, ourAddr, "host server", false)
			tk.answered = true
			bud.finish(&tk, nil, tk.start)
		}
	})
}
