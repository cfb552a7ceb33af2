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
	"unsafe"

	"github.com/portspec/portspec/internal/localports"
	"github.com/portspec/portspec/verdict"
)

// TestWindowKeepsEveryResult: a result that waits its turn comes out as it
// went in, whether the window kept it compact or whole, and the common one,
// a port that answered the first try, is kept compact.
func TestWindowKeepsEveryResult(t *testing.T) {
	// A compact result's times come out as wall clock alone: no report
	// reads their monotonic clock.
	start := time.Now().Round(0)
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
		"another probe": func(r *Result) {
			r.Probe = Probe{Addr: netip.MustParseAddr("2001:db8::1%eth0"), Proto: verdict.UDP, Port: 53, Local: true,
				Opts: &ProbeOptions{Tries: 5}, Group: "dc1", Ref: 7}
		},
		"an unresolved name": func(r *Result) { r.Probe.Unresolved = errors.New("no such host") },
		"no start":           func(r *Result) { r.Start = time.Time{} },
		// What 32 bits of nanoseconds cannot hold is kept whole.
		"a 3 s wait":     func(r *Result) { r.Duration = 3 * time.Second },
		"a try 3 s late": func(r *Result) { r.Evidence.Tries[0].Start = r.Start.Add(3 * time.Second) },
		"a 3 s try": func(r *Result) {
			r.Evidence.Tries[0].Duration = 3 * time.Second
		},
		"a 3 s timeout": func(r *Result) {
			r.Evidence.Timeout, r.Evidence.Tries[0].Timeout = 3*time.Second, 3*time.Second
		},
		"a ref past 32 bits": func(r *Result) { r.Probe.Ref = 1 << 40 },
		"an early try":       func(r *Result) { r.Evidence.Tries[0].Start = r.Start.Add(-time.Millisecond) },
	}
	for name, edit := range edits {
		res := answered()
		edit(&res)
		w := newWindow(1, 1<<30)
		n := w.enter()
		w.put(n, res)
		c, i := w.slot(n)
		kept := c.slots[i].filled
		if got, _ := w.take(); !reflect.DeepEqual(got, res) {
			t.Errorf("%s: came out as\n%+v\nwent in as\n%+v", name, got, res)
		}
		if wantCompact := name == "as answered" || name == "another probe" || name == "an early try"; kept != wantCompact {
			t.Errorf("%s: kept compact %v, want %v", name, kept, wantCompact)
		}
		if len(w.keys.index) != 0 {
			t.Errorf("%s: %d keys kept after the result was taken", name, len(w.keys.index))
		}
	}
	if size := unsafe.Sizeof(compactSlot{}); size != 48 {
		t.Errorf("a compact result takes %d bytes, not 48", size)
	}
	// compact and probeKeys name every field a compact result may have;
	// one more must be taught to them, or to compact to refuse it.
	for typ, fields := range map[reflect.Type]int{
		reflect.TypeFor[Result](): 9, reflect.TypeFor[Probe](): 8,
		reflect.TypeFor[Evidence](): 8, reflect.TypeFor[Try](): 10,
	} {
		if got := typ.NumField(); got != fields {
			t.Errorf("%s has %d fields, not %d: does the window keep the new one?", typ, got, fields)
		}
	}
}

// TestWindowSharesKeys: results of one address and block share one key,
// which goes with the last of them; a key let go is used again.
func TestWindowSharesKeys(t *testing.T) {
	opts := &ProbeOptions{Tries: 2}
	result := func(addr string, port uint16) Result {
		start := time.Now().Round(0)
		return Result{Probe: Probe{Addr: netip.MustParseAddr(addr), Port: port, Proto: verdict.TCP, Opts: opts, Group: "g", Ref: int(port)},
			Status: verdict.NotListening, Start: start, Evidence: Evidence{Signal: Reset,
				Tries: []Try{{Start: start, Signal: Reset}}}}
	}
	w := newWindow(windowChunk, 1<<30)
	var in []Result
	for port := range uint16(6) {
		addr := "198.18.0.1"
		if port%2 == 1 {
			addr = "198.18.0.2"
		}
		res := result(addr, port)
		in = append(in, res)
		w.put(w.enter(), res)
	}
	if n := len(w.keys.index); n != 2 {
		t.Fatalf("%d keys for two addresses", n)
	}
	for _, want := range in {
		if got, _ := w.take(); !reflect.DeepEqual(got, want) {
			t.Errorf("came out as\n%+v\nwent in as\n%+v", got, want)
		}
	}
	if n, free := len(w.keys.index), len(w.keys.free); n != 0 || free != 2 {
		t.Errorf("%d keys held and %d free after every result was taken, want 0 and 2", n, free)
	}
	w.put(w.enter(), result("198.18.0.3", 9))
	if n := len(w.keys.keys); n != 2 {
		t.Errorf("%d keys made, want the 2 let go used again", n)
	}
}

// TestWindowOrder: results put in any order, from many goroutines, are
// taken in check order, and a full window holds the next check back until
// the oldest is taken.
func TestWindowOrder(t *testing.T) {
	const checks, size = 10 * windowChunk, 3 * windowChunk / 2
	w := newWindow(size, 1<<30)
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

// TestWindowBoundedInBytes: results that share their key fill the window
// by count; results that share none fill it by bytes first, and taking
// the oldest makes room again; a result is never put twice.
func TestWindowBoundedInBytes(t *testing.T) {
	const size = 100
	result := func(i int, shared bool) Result {
		addr := netip.MustParseAddr("198.18.0.1")
		if !shared {
			addr = netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)})
		}
		start := time.Now()
		return Result{Probe: Probe{Addr: addr, Port: 80, Proto: verdict.TCP, Ref: i}, Status: verdict.NotListening, Start: start,
			Evidence: Evidence{Signal: Reset, Tries: []Try{{Start: start, Signal: Reset}}}}
	}
	fill := func(w *window, shared bool) int {
		n := 0
		for !w.full() {
			w.put(w.enter(), result(n, shared))
			n++
		}
		return n
	}
	budget := size * (slotBytes + keyBytes) / 2
	w := newWindow(size, budget)
	if n := fill(w, true); n != size {
		t.Errorf("%d results with one key filled the window, want %d", n, size)
	}
	w = newWindow(size, budget)
	n := fill(w, false)
	if n >= size || n < size/3 {
		t.Errorf("%d results with a key each filled the window, want fewer than %d, by bytes", n, size)
	}
	if w.take(); w.full() {
		t.Error("still full with the oldest result taken")
	}
	defer func() {
		if recover() == nil {
			t.Error("a check's second result was taken in")
		}
	}()
	w.put(w.head, result(0, false))
}
