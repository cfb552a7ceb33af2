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
)

// host is what the runner learns about one target address as it probes
// it: its round-trip time, its ICMP budget, and whether it loses packets.
type host struct {
	slots chan struct{} // the per-host cap

	mu  sync.Mutex
	rtt rttEstimator
	// tokens models the target's ICMP bucket towards us: each ICMP error
	// we did not reserve spends one, time refills it, and a paced try
	// reserves one ahead (so it can go below zero).
	tokens     float64
	tokensAt   time.Time
	lastICMP   time.Time // the last unreserved ICMP error received
	sawRefusal bool      // a port unreachable, TCP or UDP
	// lossy is set once a port answered only after a silent try: the path
	// drops packets, so silence needs more tries to be believed.
	lossy bool
}

func newHost(perHost int) *host {
	return &host{slots: make(chan struct{}, perHost), tokens: icmpBurst}
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
		h.tokens = min(icmpBurst, h.tokens+float64(now.Sub(h.tokensAt))/float64(icmpInterval))
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
		h.rtt.sample(t.Duration)
		if afterSilence && !t.Paced && t.Signal != ICMP {
			h.lossy = true
		}
	}
	if t.Signal == ICMP {
		if t.ICMP.portUnreachable() {
			h.sawRefusal = true
		}
		if !t.Paced { // a paced try spent the token it reserved
			now := t.Start.Add(t.Duration)
			h.refill(now)
			h.tokens--
			h.lastICMP = now
		}
	}
}

// mayBeSuppressed reports whether a silent try could have been a port
// whose ICMP error the target's rate limit swallowed. An ordinary try could
// if the host sent ICMP errors within a refill before it or during it: its
// bucket may have been empty. A paced try had a token booked for it, so it
// could only if an ICMP error nobody booked came in while it waited, and
// took the token first. For TCP none of this matters until the host has
// refused a port with an ICMP error: a swallowed error could otherwise only
// have said FILTERED, which silence says too.
func (h *host) mayBeSuppressed(t Try, udp bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lastICMP.IsZero() || (!udp && !h.sawRefusal) {
		return false
	}
	if t.Paced {
		return h.lastICMP.After(t.Start)
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
		wait = time.Duration((1 - h.tokens) * float64(icmpInterval))
	}
	h.tokens--
	return wait
}

func (h *host) isLossy() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lossy
}

// timeout is the adaptive timeout for the host.
func (h *host) timeout(floor, ceiling time.Duration) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rtt.timeout(floor, ceiling)
}

// rttEstimator is RFC 6298's smoothed round-trip time.
type rttEstimator struct {
	srtt, rttvar time.Duration
	samples      int
}

func (e *rttEstimator) sample(r time.Duration) {
	if e.samples == 0 {
		e.srtt, e.rttvar = r, r/2
	} else {
		diff := e.srtt - r
		if diff < 0 {
			diff = -diff
		}
		e.rttvar = (3*e.rttvar + diff) / 4
		e.srtt = (7*e.srtt + r) / 8
	}
	e.samples++
}

// timeout is srtt + 4·rttvar clamped to [floor, ceiling]; with no sample
// yet, the ceiling.
func (e *rttEstimator) timeout(floor, ceiling time.Duration) time.Duration {
	if e.samples == 0 {
		return ceiling
	}
	return min(max(e.srtt+4*e.rttvar, floor), ceiling)
}
