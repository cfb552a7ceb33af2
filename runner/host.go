package runner

import (
	"context"
	"sync"
	"time"
)

// host is what the runner learns about one target address as it probes
// it: its round-trip time and whether it loses packets. Its ICMP budget is
// the run's budget's to model.
type host struct {
	slots chan struct{} // the per-host cap

	mu  sync.Mutex
	rtt rttEstimator
	// lossy is set once a port answered only after a silent try: the path
	// drops packets, so silence needs more tries to be believed.
	lossy bool

	// floor and ceiling bound the adaptive timeout.
	floor, ceiling time.Duration
	// early are the tries waiting with the ceiling as their timeout, sent
	// before the host had answered anything: when its first answer comes,
	// they get the timeout it implies instead.
	early map[deadliner]time.Time
	// answered is a TCP port that answered (SYN-ACK or RST) in this run,
	// for a trace to tell whether the target is the hop where a probe
	// dies; 0 for none.
	answered uint16
}

// noteAnswer keeps a TCP port that answered: the lowest, so that a
// run's traces name one port however its probes were shuffled.
func (h *host) noteAnswer(port uint16) {
	h.mu.Lock()
	if h.answered == 0 || port < h.answered {
		h.answered = port
	}
	h.mu.Unlock()
}

// answeringPort is a TCP port that answered in this run, or 0.
func (h *host) answeringPort() uint16 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.answered
}

func newHost(perHost int, floor, ceiling time.Duration) *host {
	return &host{slots: make(chan struct{}, perHost), floor: floor, ceiling: ceiling}
}

func (h *host) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tryAcquire takes a slot if one is free at once, leaving acquire
// nothing to wait for.
func (h *host) tryAcquire() bool {
	select {
	case h.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (h *host) release() { <-h.slots }

// observe records what a try saw. afterSilence says an earlier try of the
// same port was silent: an answer now means the path lost a packet. An
// ICMP error after silence proves nothing of the kind, since the target's
// rate limit mutes those; nor does an answer to a confirmation try, which
// waited for the budget.
func (h *host) observe(t Try, afterSilence bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.Signal == Silence || t.Signal == Local {
		return
	}
	first := h.rtt.samples == 0
	h.rtt.sample(t.Duration)
	if first {
		timeout := h.rtt.timeout(h.floor, h.ceiling)
		for sock, start := range h.early {
			sock.SetDeadline(start.Add(timeout))
		}
		h.early = nil
	}
	if afterSilence && !t.Confirm && t.Signal != ICMP {
		h.lossy = true
	}
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

// roundTrip is the host's smoothed round-trip time; zero before its
// first answer.
func (h *host) roundTrip() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rtt.srtt
}

// watchEarly registers a waiting try that uses the provisional timeout,
// and returns the function that unregisters it.
func (h *host) watchEarly(sock deadliner, start time.Time) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rtt.samples > 0 {
		// The first answer came in the meantime.
		sock.SetDeadline(start.Add(h.rtt.timeout(h.floor, h.ceiling)))
		return func() {}
	}
	if h.early == nil {
		h.early = map[deadliner]time.Time{}
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

// deadliner is what the host's adaptive timeout moves: a try's deadline.
type deadliner interface{ SetDeadline(time.Time) error }
