package runner

import (
	"net/netip"
	"sync"
	"time"

	"github.com/portspec/portspec/verdict"
)

// window holds the results of dispatched checks until each one's turn to
// be emitted, in check order. Its size bounds how far probing runs ahead
// of the oldest unfinished check, which may be a silence waiting for k
// proofs a refill of the target's budget apart: more than a second, in
// which a near host answers tens of thousands of probes. Halting then
// would bound the run's speed to the window over that wait (issue #23:
// 254 hosts of 4,096 ports each went from 36 s to 55 s when proofs came
// to need two refills), so the window is large and each result in it
// small: most are one try that a port answered at once, which waits
// without its evidence's slice (waiting). Measured on that run: a window
// of 64 checks a slot took 36 s at a peak RSS of 78 MB, 128 a slot 28 s
// at 100 MB; Run takes 64, to stay within 80 MB.
type window struct {
	mu      sync.Mutex
	changed sync.Cond
	size    uint64
	head    uint64 // the oldest check not yet emitted
	next    uint64 // the number the next check to enter gets
	// chunks hold checks head-head%windowChunk onwards, windowChunk a
	// chunk; spare is a chunk the head has passed, kept for the next.
	chunks [][]waiting
	spare  []waiting
	closed bool
}

// windowChunk is how many checks share one allocation of the window.
const windowChunk = 1024

func newWindow(size int) *window {
	w := &window{size: uint64(max(size, 1))}
	w.changed.L = &w.mu
	return w
}

// enter makes room for the next check, waiting while the window is full,
// and returns its number.
func (w *window) enter() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.next-w.head >= w.size {
		w.changed.Wait()
	}
	n := w.next
	w.next++
	if n%windowChunk == 0 {
		c := w.spare
		w.spare = nil
		if c == nil {
			c = make([]waiting, windowChunk)
		}
		w.chunks = append(w.chunks, c)
	}
	return n
}

// full reports whether the next check must wait to enter.
func (w *window) full() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.next-w.head >= w.size
}

// put stores check n's result.
func (w *window) put(n uint64, res Result) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.slot(n).store(res)
	if n == w.head {
		w.changed.Broadcast()
	}
}

func (w *window) slot(n uint64) *waiting {
	first := w.head - w.head%windowChunk
	return &w.chunks[(n-first)/windowChunk][n%windowChunk]
}

// close says no check will enter any more.
func (w *window) close() {
	w.mu.Lock()
	w.closed = true
	w.changed.Broadcast()
	w.mu.Unlock()
}

// take waits for the oldest check's result and returns it; ok is false
// once the window is closed and every result taken.
func (w *window) take() (res Result, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		if w.head == w.next {
			if w.closed {
				return Result{}, false
			}
			w.changed.Wait()
			continue
		}
		s := w.slot(w.head)
		if s.state == slotEmpty {
			w.changed.Wait()
			continue
		}
		res = s.load()
		*s = waiting{}
		w.head++
		if w.head%windowChunk == 0 {
			w.spare = w.chunks[0]
			w.chunks[0] = nil
			w.chunks = w.chunks[1:]
		}
		w.changed.Broadcast()
		return res, true
	}
}

// waiting is a result waiting for its turn. One that a port answered at
// the first try, with nothing more to say, is kept as its few values
// (compact); any other is kept whole.
type waiting struct {
	state    slotState
	signal   Signal
	status   verdict.Status
	probe    Probe
	start    time.Time
	tryStart time.Time
	duration time.Duration
	tryTook  time.Duration
	timeout  time.Duration
	tokens   float64
	source   netip.Addr
	whole    *Result
}

type slotState uint8

const (
	slotEmpty slotState = iota
	slotCompact
	slotWhole
)

// compact reports whether res says nothing that waiting's own fields do
// not hold.
func compact(res *Result) bool {
	ev := &res.Evidence
	if len(ev.Tries) != 1 || res.Err != nil || res.Skipped || res.Trace != nil || res.Listeners != nil {
		return false
	}
	t := &ev.Tries[0]
	return t.ICMP == nil && t.Err == nil && !t.Confirm && !t.Proven &&
		ev.Signal == t.Signal && ev.ICMP == nil && ev.Reply == nil && ev.App == "" && ev.Probe == "" &&
		ev.Timeout == t.Timeout && ev.Silence == NotSilent
}

func (s *waiting) store(res Result) {
	if !compact(&res) {
		// A copy, so that res itself stays off the heap when compact.
		whole := res
		s.state, s.whole = slotWhole, &whole
		return
	}
	t := &res.Evidence.Tries[0]
	*s = waiting{state: slotCompact, signal: t.Signal, status: res.Status, probe: res.Probe,
		start: res.Start, tryStart: t.Start, duration: res.Duration, tryTook: t.Duration, timeout: t.Timeout, tokens: t.Tokens, source: t.Source}
}

func (s *waiting) load() Result {
	if s.state == slotWhole {
		return *s.whole
	}
	return Result{Probe: s.probe, Status: s.status, Start: s.start, Duration: s.duration,
		Evidence: Evidence{Signal: s.signal, Timeout: s.timeout,
			Tries: []Try{{Start: s.tryStart, Duration: s.tryTook, Timeout: s.timeout, Signal: s.signal, Tokens: s.tokens, Source: s.source}}}}
}
