//go:build linux

package runner

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/verdict"
)

// TestLabUDPRateLimit probes 12 closed UDP ports at once. The target
// answers the first 6 and then one a second, so 6 look silent at first;
// every one must still come out NOT LISTENING, on both families.
func TestLabUDPRateLimit(t *testing.T) {
	besideOthers(t)
	l := lab.New(t)
	// The target limits each destination address on its own, so both
	// families run at once.
	checks := append(portProbes(lab.Server4, verdict.UDP, 3000, 3011, ProbeOptions{ProveSilence: true}), portProbes(lab.Server6, verdict.UDP, 3000, 3011, ProbeOptions{ProveSilence: true})...)
	start := time.Now()
	results := runProbes(t, l, Options{}, checks)
	confirmed := map[netip.Addr]int{}
	for _, r := range results {
		if r.Status != verdict.NotListening {
			t.Errorf("%s udp/%d: %s, want NOT LISTENING; tries %v", r.Probe.Addr, r.Probe.Port, r.Status, r.Evidence.Tries)
		}
		if r.Evidence.Tries[len(r.Evidence.Tries)-1].Confirm {
			confirmed[r.Probe.Addr]++
		}
	}
	for _, addr := range []netip.Addr{lab.Server4, lab.Server6} {
		// Were the limit not in play, this test would prove nothing.
		if confirmed[addr] < 4 {
			t.Errorf("%s: only %d of 12 ports needed confirmation tries; the rate limit was not exercised", addr, confirmed[addr])
		}
	}
	t.Logf("2×12 closed UDP ports in %s; answered only to confirmation tries: %v", time.Since(start).Round(time.Millisecond), confirmed)
}

// TestLabLoss drops 10% of the packets to 300 TCP ports at random (nft
// numgen) and requires every verdict right: 100 listening, 100 dropped,
// 100 closed.
func TestLabLoss(t *testing.T) {
	besideOthers(t)
	l := lossyTarget(t)
	results := runProbes(t, l, Options{}, portProbes(lab.Server4, verdict.TCP, 3000, 3299, ProbeOptions{ProveSilence: true}))
	retried := wantLossyTruth(t, "", results)
	t.Logf("300 ports at 10%% loss: %d answering ports needed retries", retried)
}

// lossyTarget is a target of 300 TCP ports, 100 listening (3000-3099),
// 100 dropped (3100-3199) and 100 closed, that drops 10% of the packets
// to them at random (nft numgen).
func lossyTarget(t *testing.T) *lab.Lab {
	t.Helper()
	l := lab.New(t)
	must(t, l.Nft(l.Server, `table inet loss {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 3000-3299 numgen random mod 10 0 drop
    tcp dport 3100-3199 drop
  }
}`))
	for p := 3000; p < 3100; p++ {
		must(t, l.ServeTCP(netip.AddrPortFrom(lab.Server4, uint16(p)), ""))
	}
	return l
}

// wantLossyTruth checks a run against lossyTarget: every state right,
// every FILTERED after all its tries, and the loss felt. It returns how
// many answering ports needed a retry; run names the run in errors.
func wantLossyTruth(t *testing.T, run string, results []Result) (retried int) {
	t.Helper()
	for _, r := range results {
		want := verdict.Listening
		switch {
		case r.Probe.Port >= 3200:
			want = verdict.NotListening
		case r.Probe.Port >= 3100:
			want = verdict.Filtered
		}
		if r.Status != want {
			t.Errorf("%stcp/%d: %s, want %s; tries %v", run, r.Probe.Port, r.Status, want, r.Evidence.Tries)
		}
		if want != verdict.Filtered && len(r.Evidence.Tries) > 1 {
			retried++
		}
		if want == verdict.Filtered && len(r.Evidence.Tries) < DefaultTCPTries {
			t.Errorf("%stcp/%d: FILTERED after %d tries, fewer than the %d configured", run, r.Probe.Port, len(r.Evidence.Tries), DefaultTCPTries)
		}
	}
	// 10% of 200 answering ports: the loss must have been felt.
	if retried < 5 {
		t.Errorf("%sonly %d answering ports needed a retry; the loss did not bite", run, retried)
	}
	return retried
}

// TestLabSourcePort admits only source port 53, as a firewall that trusts
// DNS replies would: probes from another port are dropped.
func TestLabSourcePort(t *testing.T) {
	l := lab.New(t)
	must(t, l.Nft(l.Server, `table inet sp {
  chain input {
    type filter hook input priority 0; policy accept;
    th dport 4000 th sport != 53 drop
  }
}`))
	for _, a := range []netip.Addr{lab.Server4, lab.Server6} {
		must(t, l.ServeTCP(netip.AddrPortFrom(a, 4000), ""))
		must(t, l.ServeUDP(netip.AddrPortFrom(a, 4000), lab.Echo))
	}
	for _, a := range []netip.Addr{lab.Server4, lab.Server6} {
		probes := func(opts ProbeOptions) []Probe {
			return []Probe{labProbe(a, verdict.TCP, 4000, opts), labProbe(a, verdict.UDP, 4000, opts)}
		}
		plain := runProbes(t, l, Options{}, probes(ProbeOptions{Timeout: 200 * time.Millisecond}))
		from53 := runProbes(t, l, Options{}, probes(ProbeOptions{SourcePort: 53}))
		if plain[0].Status != verdict.Filtered || plain[1].Status != verdict.ListeningOrFiltered {
			t.Errorf("%s without source port 53: %s, %s; want FILTERED, LISTENING or FILTERED", a, plain[0].Status, plain[1].Status)
		}
		if from53[0].Status != verdict.Listening || from53[1].Status != verdict.Listening {
			t.Errorf("%s from source port 53: %s, %s; want LISTENING twice", a, from53[0].Status, from53[1].Status)
		}
	}
}

// TestLabNoTimeWait probes 100 listening ports and finds no socket of the
// prober's left in TIME_WAIT: connections end with a RST.
func TestLabNoTimeWait(t *testing.T) {
	l := lab.New(t)
	for p := 5000; p < 5100; p++ {
		must(t, l.ServeTCP(netip.AddrPortFrom(lab.Server4, uint16(p)), ""))
	}
	for _, r := range runProbes(t, l, Options{}, portProbes(lab.Server4, verdict.TCP, 5000, 5099, ProbeOptions{})) {
		if r.Status != verdict.Listening {
			t.Fatalf("tcp/%d: %s", r.Probe.Port, r.Status)
		}
	}
	out, err := exec.Command("ip", "netns", "exec", l.Client.Name, "ss", "-Htan", "state", "time-wait").CombinedOutput()
	if err != nil {
		t.Fatalf("ss: %v: %s", err, out)
	}
	if n := strings.Count(string(out), "\n"); n > 0 {
		t.Errorf("%d sockets in TIME_WAIT in the client namespace:\n%s", n, out)
	}
}

// TestLabCaps checks the per-host and global caps from the tries' own
// timings: never more probes in flight than allowed.
func TestLabCaps(t *testing.T) {
	l := lab.New(t)
	must(t, l.Nft(l.Server, `table inet caps {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 6000-6099 drop
  }
}`))
	type span struct{ start, end time.Time }
	for _, tc := range []struct {
		name string
		opts Options
		cap  int
	}{
		{"per host", Options{PerHost: 5}, 5},
		{"global", Options{Concurrency: 3}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var spans []span
			results := runProbes(t, l, tc.opts, portProbes(lab.Server4, verdict.TCP, 6000, 6029, ProbeOptions{Timeout: 50 * time.Millisecond, Tries: 1}))
			for _, r := range results {
				for _, try := range r.Evidence.Tries {
					spans = append(spans, span{try.Start, try.Start.Add(try.Duration)})
				}
			}
			peak := 0
			for _, s := range spans {
				n := 0
				for _, o := range spans {
					if !o.start.After(s.start) && o.end.After(s.start) {
						n++
					}
				}
				peak = max(peak, n)
			}
			if peak > tc.cap {
				t.Errorf("%d tries in flight at once, cap %d", peak, tc.cap)
			}
			if peak < tc.cap {
				t.Errorf("at most %d tries in flight; the cap of %d was never reached, so the test proves nothing", peak, tc.cap)
			}
		})
	}
}

// TestLabCancel cancels a slow run and requires a prompt return, every
// check accounted for in order, and the unfinished ones marked skipped.
func TestLabCancel(t *testing.T) {
	l := lab.New(t)
	must(t, l.Nft(l.Server, `table inet slow {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 7000-7999 drop
  }
}`))
	checks := portProbes(lab.Server4, verdict.TCP, 7000, 7999, ProbeOptions{Timeout: 2 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	var results []Result
	start := time.Now()
	err := New(Options{Socket: l.Socket, PerHost: 10}).Run(ctx, slices.Values(checks), func(r Result) { results = append(results, r) })
	took := time.Since(start)
	if err != context.Canceled {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if took > time.Second {
		t.Errorf("Run took %s to stop after cancellation at 300ms", took)
	}
	if len(results) != len(checks) {
		t.Fatalf("%d results for %d checks", len(results), len(checks))
	}
	for i, r := range results {
		if r.Probe.Port != checks[i].Port {
			t.Fatalf("result %d is for port %d, want %d", i, r.Probe.Port, checks[i].Port)
		}
		if !r.Skipped {
			t.Errorf("tcp/%d finished (%s) though every try needed 2s", r.Probe.Port, r.Status)
		}
	}
}

// TestUnresolved: a probe with no address is an error result that says
// why, and sends nothing.
func TestUnresolved(t *testing.T) {
	var results []Result
	p := Probe{Proto: verdict.TCP, Port: 80, Unresolved: errors.New("lookup www.example.com: no such host")}
	if err := New(Options{}).Run(context.Background(), slices.Values([]Probe{p}), func(r Result) { results = append(results, r) }); err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Status != verdict.Error || !strings.Contains(fmt.Sprint(results[0].Err), "no such host") || len(results[0].Evidence.Tries) != 0 {
		t.Fatalf("results %+v, want one error naming the failed lookup, with no try", results)
	}
}

// TestLabBoundedResources probes 254 addresses × 256 ports, 65024 checks,
// and samples the goroutines and file descriptors all along: neither may
// grow past the caps, whatever the number of checks.
func TestLabBoundedResources(t *testing.T) {
	l := lab.New(t)
	scan := netip.MustParsePrefix("198.18.2.0/24")
	addrs, err := l.AddServerAddrs(scan)
	must(t, err)
	must(t, l.Nft(l.Server, `table inet resources {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 100-101 drop
  }
}`))
	const concurrency = 200
	baseGoroutines, baseFDs := runtime.NumGoroutine(), openFDs(t)
	stop := make(chan struct{})
	var peakGoroutines, peakFDs int
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			peakGoroutines = max(peakGoroutines, runtime.NumGoroutine())
			peakFDs = max(peakFDs, openFDs(t))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	n := 0
	err = New(Options{Socket: l.Socket, Concurrency: concurrency}).Run(context.Background(), func(yield func(Probe) bool) {
		for _, a := range addrs {
			for p := 1; p <= 256; p++ {
				if !yield(Probe{Addr: a, Proto: verdict.TCP, Port: uint16(p), Opts: &ProbeOptions{Timeout: 50 * time.Millisecond}}) {
					return
				}
			}
		}
	}, func(r Result) {
		n++
		if r.Status == verdict.Error {
			t.Errorf("%s tcp/%d: %v", r.Probe.Addr, r.Probe.Port, r.Err)
		}
	})
	close(stop)
	<-sampled
	must(t, err)
	if n != len(addrs)*256 {
		t.Fatalf("%d results for %d checks", n, len(addrs)*256)
	}
	// The workers, the emitter and the sampler: a constant, whatever n.
	if extra := peakGoroutines - baseGoroutines; extra > concurrency+10 {
		t.Errorf("%d goroutines beyond the %d at the start, for a cap of %d", extra, baseGoroutines, concurrency)
	}
	if extra := peakFDs - baseFDs; extra > concurrency+10 {
		t.Errorf("%d file descriptors beyond the %d at the start, for a cap of %d", extra, baseFDs, concurrency)
	}
	t.Logf("%d checks: at most %d goroutines (%d at start) and %d fds (%d at start), cap %d",
		n, peakGoroutines, baseGoroutines, peakFDs, baseFDs, concurrency)
}

func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestLabBackToBack runs the same UDP checks twice in a row, as a snapshot
// followed at once by a check does. The first run spends the target's ICMP
// budget; the second starts with it empty and must still find every
// closed port closed, not LISTENING or FILTERED.
func TestLabBackToBack(t *testing.T) {
	besideOthers(t)
	l := lab.New(t)
	// A closed TCP port first: its RST gives the host a round-trip time,
	// so the UDP tries wait 100 ms rather than a second, in which the
	// budget would have refilled by a token anyway.
	checks := append(portProbes(lab.Server4, verdict.TCP, 1, 1, ProbeOptions{ProveSilence: true}), portProbes(lab.Server4, verdict.UDP, 3000, 3007, ProbeOptions{ProveSilence: true})...)
	for run := 1; run <= 2; run++ {
		for _, r := range runProbes(t, l, Options{}, checks) {
			if r.Status != verdict.NotListening {
				t.Errorf("run %d: %s/%d: %s, want NOT LISTENING; tries %v", run, r.Probe.Proto, r.Probe.Port, r.Status, r.Evidence.Tries)
			}
		}
	}
}

// TestLabSYNBurstsUnderLoss: with --syn, a port whose silence needs no
// proof and fails nothing (blocked) has its tries sent as one burst, a
// fraction of a timeout apart (Runner.burst). The target drops one in ten
// of the SYNs to every port at random, besides 100 ports it drops
// outright: every listening port must still read LISTENING, every
// dropped one FILTERED after all its tries, twice back to back.
func TestLabSYNBurstsUnderLoss(t *testing.T) {
	besideOthers(t)
	l := lossyTarget(t)
	for run := 1; run <= 2; run++ {
		// 32 slots: the probes after the first 32 start once one has
		// ended, and so after the host's first answer.
		const slots = 32
		results := runProbes(t, l, Options{SYN: true, Concurrency: slots}, portProbes(lab.Server4, verdict.TCP, 3000, 3299, ProbeOptions{}))
		retried := wantLossyTruth(t, fmt.Sprintf("run %d: ", run), results)
		burst := 0
		for _, r := range results {
			tries := r.Evidence.Tries
			if r.Status != verdict.Filtered {
				continue
			}
			for _, try := range tries {
				if try.Duration < try.Timeout {
					t.Errorf("run %d: tcp/%d: a silent try waited %s of its %s timeout", run, r.Probe.Port, try.Duration, try.Timeout)
				}
			}
			if len(tries) > 1 && tries[1].Start.Before(tries[0].Start.Add(tries[0].Timeout)) {
				burst++
			}
		}
		// The tries sent before the host's first answer wait for the
		// ceiling one after another; every later port's are a burst.
		if burst < 100-slots {
			t.Errorf("run %d: %d of 100 dropped ports had their tries in a burst; want all but the first %d", run, burst, slots)
		}
		t.Logf("run %d: 300 ports at 10%% loss, %d dropped ports tried in a burst, %d answering ports retried", run, burst, retried)
	}
}
