package runner

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/localports"
	"github.com/portspec/portspec/verdict"
)

// TestWindowKeepsEveryResult: a result that waits its turn comes out as it
// went in, whether the window kept it compact or whole, and the common one,
// a port that answered the first try, is kept compact.
func TestWindowKeepsEveryResult(t *testing.T) {
	start := time.Now()
	probe := Probe{Addr: netip.MustParseAddr("198.18.0.2"), Port: 25, Proto: verdict.TCP}
	answered := func() Result {
		return Result{Probe: probe, Status: verdict.NotListening, Start: start, Duration: 3 * time.Millisecond,
			Evidence: Evidence{Signal: Reset, Timeout: time.Second,
				Tries: []Try{{Start: start.Add(time.Microsecond), Duration: time.Millisecond, Timeout: time.Second, Signal: Reset,
					Tokens: 0.75, Source: netip.MustParseAddr("198.18.9.7")}}}}
	}
	edits := map[string]func(*Result){
		"as answered":     func(*Result) {},
		"two tries":       func(r *Result) { r.Evidence.Tries = append(r.Evidence.Tries, r.Evidence.Tries[0]) },
		"an ICMP error":   func(r *Result) { r.Evidence.ICMP = &ICMPError{Type: 3, Code: 3} },
		"a try's ICMP":    func(r *Result) { r.Evidence.Tries[0].ICMP = &ICMPError{Type: 3, Code: 13} },
		"an error":        func(r *Result) { r.Err = errors.New("x") },
		"a try's error":   func(r *Result) { r.Evidence.Tries[0].Err = errors.New("x") },
		"a reply":         func(r *Result) { r.Evidence.Reply = []byte("SSH-2.0") },
		"an app":          func(r *Result) { r.Evidence.App = "DNS reply" },
		"a UDP probe":     func(r *Result) { r.Evidence.Probe = "DNS query" },
		"a confirmation":  func(r *Result) { r.Evidence.Tries[0].Confirm = true },
		"a proof":         func(r *Result) { r.Evidence.Tries[0].Proven = true },
		"a silence":       func(r *Result) { r.Evidence.Silence = SilenceProven },
		"another timeout": func(r *Result) { r.Evidence.Timeout = 2 * time.Second },
		"another signal":  func(r *Result) { r.Evidence.Signal = Silence },
		"skipped":         func(r *Result) { r.Skipped = true },
		"a trace":         func(r *Result) { r.Trace = &Trace{} },
		"no tries":        func(r *Result) { r.Evidence.Tries = nil },
	}
	for name, edit := range edits {
		res := answered()
		edit(&res)
		var s waiting
		s.store(res)
		if got := s.load(); !reflect.DeepEqual(got, res) {
			t.Errorf("%s: came out as\n%+v\nwent in as\n%+v", name, got, res)
		}
		if wantCompact := name == "as answered"; (s.state == slotCompact) != wantCompact {
			t.Errorf("%s: kept compact %v, want %v", name, s.state == slotCompact, wantCompact)
		}
	}
}

// TestWindowOrder: results put in any order, from many goroutines, are
// taken in check order, and a full window holds the next check back until
// the oldest is taken.
func TestWindowOrder(t *testing.T) {
	const checks, size = 10 * windowChunk, 3 * windowChunk / 2
	w := newWindow(size)
	go func() {
		var puts sync.WaitGroup
		batch := make([]uint64, 0, 64)
		flush := func() {
			rand.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
			for _, n := range batch {
				puts.Go(func() { w.put(n, Result{Probe: Probe{Port: uint16(n)}}) })
			}
			batch = batch[:0]
		}
		for range checks {
			n := w.enter()
			w.mu.Lock()
			if w.next-w.head > size {
				t.Errorf("check %d entered with %d waiting, more than %d", n, w.next-w.head, size)
			}
			w.mu.Unlock()
			if batch = append(batch, n); len(batch) == cap(batch) {
				flush()
			}
		}
		flush()
		puts.Wait()
		w.close()
	}()
	var n uint16
	for {
		res, ok := w.take()
		if !ok {
			break
		}
		if res.Probe.Port != n {
			t.Fatalf("result %d taken for check %d", n, res.Probe.Port)
		}
		n++
	}
	if n != checks {
		t.Errorf("%d results taken, want %d", n, checks)
	}
}

// TestRunDoesNotStallBehindUndispatched: probes that go straight into the
// window (an unresolved name, a local host's, every one after the run is
// cancelled) used to fill it while an older probe still waited to be
// dispatched, and Run waited for ever (found in review). A probe to a
// closed loopback port is followed by a window's worth of each kind.
func TestRunDoesNotStallBehindUndispatched(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	tcp := Probe{Addr: closed.Addr(), Port: closed.Port(), Proto: verdict.TCP}
	for _, tc := range []struct {
		name   string
		follow Probe
		cancel bool
	}{
		{"unresolved names", Probe{Proto: verdict.TCP, Port: 1, Unresolved: errors.New("no such host")}, false},
		{"a local host", Probe{Proto: verdict.TCP, Port: 1, Local: true}, false},
		{"a cancelled run", tcp, true},
	} {
		r := New(Options{Concurrency: 1, localSockets: func() ([]localports.Socket, error) { return nil, nil }})
		ctx, cancel := context.WithCancel(context.Background())
		emitted, done := 0, make(chan error, 1)
		go func() {
			done <- r.Run(ctx, func(yield func(Probe) bool) {
				if !yield(tcp) {
					return
				}
				for range 200 {
					if !yield(tc.follow) {
						return
					}
				}
			}, func(Result) {
				if emitted++; tc.cancel {
					cancel() // as --fail-fast does from its first failure
				}
			})
		}()
		select {
		case <-done:
			if emitted != 201 {
				t.Errorf("%s: %d results of 201", tc.name, emitted)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Run still running after 10 s: it waits on a probe it never dispatched", tc.name)
		}
		cancel()
	}
}
