package runner

import (
	"context"
	"sync"
	"time"
)

// Linux limits the ICMP errors a host sends to one destination with a
// token bucket: a burst of 6, then one per icmp_ratelimit (1000 ms by
// default). Loopback is exempt; every real interface is not.
const (
	icmpBurst    = 6
	icmpInterval = time.Second
	// icmpRefill is how long an emptied bucket takes to fill again.
	icmpRefill = icmpBurst * icmpInterval
	// modelInterval is the refill the model assumes: a little slower than
	// the target's, since the target counts in jiffies and a paced try
	// that lands a millisecond before its token is muted all the same.
	modelInterval = icmpInterval + 30*time.Millisecond
)

// host is what the runner learns about one target address as it probes
// it: its round-trip time, its ICMP budget, and whether it loses packets.
type host struct {
	slots chan struct{} // the per-host cap

	mu  sync.Mutex
	rtt rttEstimator
	// tokens is a lower bound on the target's ICMP bucket towards us,
	// less the tokens booked by paced tries (so it can go below zero).
	// It starts at zero: another run, or another tool, may have spent the
	// bucket just before this one. Time refills it; each ICMP error that
	// no paced try booked spends one.
	tokens     float64
	tokensAt   time.Time
	booked     int       // paced tries waiting for, or using, a booked token
	started    time.Time // when the runner first probed the host
	lastICMP   time.Time // the last unbooked ICMP error received
	sawRefusal bool      // a port unreachable, TCP or UDP
	// lossy is set once a port answered only after a silent try: the path
	// drops packets, so silence needs more tries to be believed.
	lossy bool

	// floor and ceiling bound the adaptive timeout.
	floor, ceiling time.Duration
	// early are the tries waiting with the ceiling as their timeout, sent
	// before the host had answered anything: when its first answer comes,
	// they get the timeout it implies instead.
	early map[*probeSocket]time.Time
}

func newHost(perHost int, floor, ceiling time.Duration) *host {
	now := time.Now()
	return &host{slots: make(chan struct{}, perHost), floor: floor, ceiling: ceiling, started: now, tokensAt: now}
}

func (h *host) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *host) release() { <-h.slots }

func (h *host) refill(now time.Time) {
	if !h.tokensAt.IsZero() {
		h.tokens = min(icmpBurst, h.tokens+float64(now.Sub(h.tokensAt))/float64(modelInterval))
	}
	h.tokensAt = now
}

// observe records what a try saw. afterSilence says an earlier try of the
// same port was silent: an answer now means the path lost a packet. An
// ICMP error after silence proves nothing of the kind, since the target's
// rate limit mutes those; nor does an answer to a paced try.
func (h *host) observe(t Try, afterSilence bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.Signal != Silence && t.Signal != Local {
		first := h.rtt.samples == 0
		h.rtt.sample(t.Duration)
		if first {
			timeout := h.rtt.timeout(h.floor, h.ceiling)
			for sock, start := range h.early {
				sock.file.SetDeadline(start.Add(timeout))
			}
			h.early = nil
		}
		if afterSilence && !t.Paced && t.Signal != ICMP {
			h.lossy = true
		}
	}
	if t.Paced {
		h.booked--
	}
	if t.Signal == ICMP {
		if t.ICMP.portUnreachable() {
			h.sawRefusal = true
		}
		if !t.Paced { // a paced try spent the token it booked
			now := t.Start.Add(t.Duration)
			h.refill(now)
			if h.booked > 0 {
				// It may have taken a token a paced try counts on.
				h.tokens--
			} else {
				// It proves the bucket held a token: the bound rises,
				// if anything.
				h.tokens = max(h.tokens-1, 0)
			}
			h.lastICMP = now
		}
	}
}

// mayBeSuppressed reports whether a silent try could have been a port
// whose ICMP error the target's rate limit swallowed.
//
//   - A paced try had a token booked for it: only an ICMP error nobody
//     booked, coming in while it waited, could have taken that token.
//   - Any other try could, if the host sent ICMP errors within a refill
//     (six seconds) before it or during it, or if it came within the first
//     refill of the run, when the bucket may still be empty from whatever
//     probed the host before this run did.
//
// For TCP none of this matters until the host has refused a port with an
// ICMP port unreachable: otherwise a swallowed error could only have said
// FILTERED, which silence says too.
func (h *host) mayBeSuppressed(t Try, udp bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !udp && !h.sawRefusal {
		return false
	}
	if t.Paced {
		return h.lastICMP.After(t.Start)
	}
	if t.Start.Before(h.started.Add(icmpRefill)) {
		return true
	}
	return h.lastICMP.After(t.Start.Add(-icmpRefill))
}

// reserve books one token of the target's ICMP budget and returns how long
// to wait before sending, so that the try's answer, if any, is not
// suppressed.
func (h *host) reserve(now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refill(now)
	var wait time.Duration
	if h.tokens < 1 {
		wait = time.Duration((1 - h.tokens) * float64(modelInterval))
	}
	h.tokens--
	h.booked++
	return wait
}

func (h *host) isLossy() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lossy
}

// timeout is the adaptive timeout for the host. early says it is the
// ceiling only because the host has not answered yet: the try should
// register its socket with watchEarly once it waits.
func (h *host) timeout() (d time.Duration, early bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rtt.timeout(h.floor, h.ceiling), h.rtt.samples == 0
}

// watchEarly registers a waiting try that uses the provisional timeout,
// and returns the function that unregisters it.
func (h *host) watchEarly(sock *probeSocket, start time.Time) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rtt.samples > 0 {
		// The first answer came in the meantime.
		sock.file.SetDeadline(start.Add(h.rtt.timeout(h.floor, h.ceiling)))
		return func() {}
	}
	if h.early == nil {
		h.early = map[*probeSocket]time.Time{}
	}
	h.early[sock] = start
	return func() {
		h.mu.Lock()
		delete(h.early, sock)
		h.mu.Unlock()
	}
}

// rttEstimator is RFC 6298's smoothed round-trip time, with a guard: a
// sample is the time until the prober saw the answer, which on a busy
// machine includes the wait for a goroutine to run. Those waits (tens of
// milliseconds while thousands of probes queue) are not the network's,
// and rttvar amplifies them fourfold, so the timeout is also held under
// four times the fastest answer seen, plus the floor. An answer that sits
// unread past the deadline is still found: the runner looks once more
// before calling a port silent.
type rttEstimator struct {
	srtt, rttvar, fastest time.Duration
	samples               int
}

func (e *rttEstimator) sample(r time.Duration) {
	if e.samples == 0 {
		e.srtt, e.rttvar, e.fastest = r, r/2, r
	} else {
		diff := e.srtt - r
		if diff < 0 {
			diff = -diff
		}
		e.rttvar = (3*e.rttvar + diff) / 4
		e.srtt = (7*e.srtt + r) / 8
		e.fastest = min(e.fastest, r)
	}
	e.samples++
}

// timeout is srtt + 4·rttvar, at most floor + 4·fastest, clamped to
// [floor, ceiling]; with no sample yet, the ceiling.
func (e *rttEstimator) timeout(floor, ceiling time.Duration) time.Duration {
	if e.samples == 0 {
		return ceiling
	}
	t := min(e.srtt+4*e.rttvar, floor+4*e.fastest)
	return min(max(t, floor), ceiling)
}
