package runner

import (
	"fmt"
	"net/netip"
	"sync"
	"time"
	"unsafe"

	"github.com/portspec/portspec/verdict"
)

// window holds the results of dispatched checks until each one's turn to
// be emitted, in check order. Its size bounds how far probing runs ahead
// of the oldest unfinished check, which may be a silence waiting for k
// proofs a refill of the target's budget apart: 3.4 s or more for the
// four that a silence needs before the target's own errors show their
// loss, in which a near host answers a hundred thousand probes. Halting
// then bounds the run's speed to the window over that wait (issue #23:
// 254 hosts of 4,096 ports each, four of them dropped, went from 30 s to
// 68 s when proofs came to need four refills), so the window is large
// and each result in it small: most are one try that a port answered at
// once, kept as a few numbers in memory the garbage collector need not
// scan (compactSlot), and the values they share with their neighbours,
// the address and the block's options, once (probeKeys). Where they
// share nothing (one port of each address of a /16: each address is a
// budget group of its own) a result costs three times as much, so the
// window is bounded in bytes too.
type window struct {
	mu      sync.Mutex
	changed sync.Cond
	size    uint64
	// maxBytes bounds what the results held cost: the slots (slotBytes
	// each), the keys (keyBytes each) and the whole results, whose cost
	// is wholeHeld.
	maxBytes, wholeHeld int
	head                uint64 // the oldest check not yet emitted
	next                uint64 // the number the next check to enter gets
	// chunks hold checks head-head%windowChunk onwards, windowChunk a
	// chunk; spare is a chunk the head has passed, kept for the next.
	chunks []*windowChunkOf
	spare  *windowChunkOf
	keys   probeKeys
	closed bool
}

// windowChunkOf is windowChunk checks' results: each compact in slots,
// or whole in whole. The slots hold no pointers, so the collector does
// not scan them.
type windowChunkOf struct {
	slots []compactSlot
	whole []*Result
}

// windowChunk is how many checks share one allocation of the window.
const windowChunk = 1024

// The costs the window counts against its maxBytes: a slot of a chunk;
// a probeKey, with its place in the index; a whole Result, and each of
// its tries.
const (
	slotBytes  = int(unsafe.Sizeof(compactSlot{}) + unsafe.Sizeof((*Result)(nil)))
	keyBytes   = int(unsafe.Sizeof(countedKey{})+unsafe.Sizeof(probeKey{})+unsafe.Sizeof(uint32(0))) * 5 / 4
	wholeBytes = int(unsafe.Sizeof(Result{}))
	tryBytes   = int(unsafe.Sizeof(Try{}))
)

// newWindow makes a window of at most size results, costing at most
// maxBytes; it always holds one.
func newWindow(size, maxBytes int) *window {
	w := &window{size: uint64(max(size, 1)), maxBytes: maxBytes}
	w.changed.L = &w.mu
	return w
}

// isFull reports whether the next check must wait to enter; w.mu is held.
func (w *window) isFull() bool {
	n := w.next - w.head
	return n >= w.size || n > 0 && int(n)*slotBytes+len(w.keys.index)*keyBytes+w.wholeHeld >= w.maxBytes
}

// enter makes room for the next check, waiting while the window is full,
// and returns its number.
func (w *window) enter() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.isFull() {
		w.changed.Wait()
	}
	n := w.next
	w.next++
	if n%windowChunk == 0 {
		c := w.spare
		w.spare = nil
		if c == nil {
			c = &windowChunkOf{slots: make([]compactSlot, windowChunk), whole: make([]*Result, windowChunk)}
		}
		w.chunks = append(w.chunks, c)
	}
	return n
}

// full reports whether the next check must wait to enter.
func (w *window) full() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.isFull()
}

// put stores check n's result.
func (w *window) put(n uint64, res Result) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, i := w.slot(n)
	if c.whole[i] != nil || c.slots[i].filled {
		panic(fmt.Sprintf("runner: check %d has two results", n))
	}
	if compact(&res) {
		c.slots[i] = w.keys.keep(&res)
	} else {
		// A copy, so that res itself stays off the heap when compact.
		whole := res
		c.whole[i] = &whole
		w.wholeHeld += wholeCost(&whole)
	}
	if n == w.head {
		w.changed.Broadcast()
	}
}

// slot is where check n's result goes: its chunk and its index there.
func (w *window) slot(n uint64) (*windowChunkOf, int) {
	first := w.head - w.head%windowChunk
	return w.chunks[(n-first)/windowChunk], int(n % windowChunk)
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
		c, i := w.slot(w.head)
		switch {
		case c.whole[i] != nil:
			res = *c.whole[i]
			c.whole[i] = nil
			w.wholeHeld -= wholeCost(&res)
		case c.slots[i].filled:
			res = w.keys.load(&c.slots[i])
			c.slots[i] = compactSlot{}
		default:
			w.changed.Wait()
			continue
		}
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

// wholeCost is what a result kept whole costs the window, about.
func wholeCost(res *Result) int {
	ev := &res.Evidence
	return wholeBytes + cap(ev.Tries)*tryBytes + len(ev.Reply) + len(ev.App)
}

// compactSlot is a result that a port answered at the first try, with
// nothing more to say (compact): its few values, with no pointer among
// them, in 48 bytes. Times are kept as Unix nanoseconds, as they are
// reported: their monotonic readings are not kept, so that check --wait's
// "passed after" reads the wall clock for these, as it does for an
// agent's results, which come as text. The try's start and the
// durations are kept in 32 bits of nanoseconds, up to 2.1 s: a result
// whose times do not fit is kept whole.
type compactSlot struct {
	start                                int64
	tokens                               float64
	ref                                  int32
	tryAfter, duration, tryTook, timeout int32  // ns; tryAfter from start
	key                                  uint32 // in probeKeys
	port                                 uint16
	proto                                verdict.Protocol
	status                               verdict.Status
	signal                               Signal
	local, filled                        bool
}

// compact reports whether res says nothing that a compactSlot and its
// probeKey do not hold.
func compact(res *Result) bool {
	ev := &res.Evidence
	if len(ev.Tries) != 1 || res.Err != nil || res.Skipped || res.Trace != nil || res.Listeners != nil ||
		res.Probe.Unresolved != nil || res.Start.IsZero() {
		return false
	}
	t := &ev.Tries[0]
	return t.ICMP == nil && t.Err == nil && !t.Confirm && !t.Proven && !t.Start.IsZero() &&
		ev.Signal == t.Signal && ev.ICMP == nil && ev.Reply == nil && ev.App == "" && ev.Probe == "" &&
		ev.Timeout == t.Timeout && ev.Silence == NotSilent &&
		fits32(int64(res.Probe.Ref)) && fits32(t.Start.UnixNano()-res.Start.UnixNano()) &&
		fits32(int64(res.Duration)) && fits32(int64(t.Duration)) && fits32(int64(t.Timeout))
}

// fits32 reports whether n survives a trip through an int32.
func fits32(n int64) bool { return n == int64(int32(n)) }

// probeKey is what a compact result shares with its neighbours: a
// block's checks of one address have one, from one source address.
type probeKey struct {
	addr, source netip.Addr
	opts         *ProbeOptions
	group        string
}

// probeKeys hold each probeKey the window's compact results use once,
// counted, so that a key goes when its last result is taken.
type probeKeys struct {
	index map[probeKey]uint32
	keys  []countedKey
	free  []uint32
	// last is the key the last result stored, which the next most
	// likely shares: found without hashing.
	last    probeKey
	lastIdx uint32
	hasLast bool
}

type countedKey struct {
	key  probeKey
	refs int
}

// keep keeps res, which compact accepts, as a compactSlot.
func (k *probeKeys) keep(res *Result) compactSlot {
	p, t := &res.Probe, &res.Evidence.Tries[0]
	start := res.Start.UnixNano()
	return compactSlot{ref: int32(p.Ref), start: start, tryAfter: int32(t.Start.UnixNano() - start),
		duration: int32(res.Duration), tryTook: int32(t.Duration), timeout: int32(t.Timeout), tokens: t.Tokens,
		key:  k.hold(probeKey{addr: p.Addr, source: t.Source, opts: p.Opts, group: p.Group}),
		port: p.Port, proto: p.Proto, status: res.Status, signal: t.Signal, local: p.Local, filled: true}
}

// load makes s's result again, and lets its key go.
func (k *probeKeys) load(s *compactSlot) Result {
	key := k.keys[s.key].key
	k.release(s.key)
	tryStart := time.Unix(0, s.start+int64(s.tryAfter))
	timeout := time.Duration(s.timeout)
	return Result{Probe: Probe{Addr: key.addr, Proto: s.proto, Port: s.port, Local: s.local, Opts: key.opts, Group: key.group, Ref: int(s.ref)},
		Status: s.status, Start: time.Unix(0, s.start), Duration: time.Duration(s.duration),
		Evidence: Evidence{Signal: s.signal, Timeout: timeout,
			Tries: []Try{{Start: tryStart, Duration: time.Duration(s.tryTook), Timeout: timeout, Signal: s.signal, Tokens: s.tokens, Source: key.source}}}}
}

// hold returns key's number, counting one more result that uses it.
func (k *probeKeys) hold(key probeKey) uint32 {
	if k.hasLast && k.last == key {
		k.keys[k.lastIdx].refs++
		return k.lastIdx
	}
	i, ok := k.index[key]
	if !ok {
		if n := len(k.free); n > 0 {
			i, k.free = k.free[n-1], k.free[:n-1]
		} else {
			i = uint32(len(k.keys))
			k.keys = append(k.keys, countedKey{})
		}
		k.keys[i].key = key
		if k.index == nil {
			k.index = map[probeKey]uint32{}
		}
		k.index[key] = i
	}
	k.keys[i].refs++
	k.last, k.lastIdx, k.hasLast = key, i, true
	return i
}

// release counts one result less that uses key i, and lets the key go
// with its last.
func (k *probeKeys) release(i uint32) {
	c := &k.keys[i]
	if c.refs--; c.refs > 0 {
		return
	}
	delete(k.index, c.key)
	if k.hasLast && k.lastIdx == i {
		k.hasLast = false
	}
	*c = countedKey{}
	k.free = append(k.free, i)
}
