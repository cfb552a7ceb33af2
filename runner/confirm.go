package runner

import (
	"context"
	"net/netip"
	"sync"
	"time"
)

// maxRound bounds the confirmation tries of one round, so that a target
// with tens of thousands of silent ports to prove is not sent a socket
// each at once; the rest wait for the next round, which follows at once
// if the budget allows.
const maxRound = 4096

// confirmer proves the silent ports of one target machine (a budget
// group) that the sweep could not, or not often enough: it waits until the
// model gives the machine (and every router that could answer for it) a
// token, then tries every pending port again in one round. A port that
// draws an ICMP error is decided by it; a silent one is proven if the
// round spent fewer errors than there were tokens, and waits for the next
// round otherwise. A port needs as many proofs as the path's loss asks
// (pathStats.proofsNeeded), each a refill after the last. Each port that really answers with ICMP
// costs one token, about one icmp_interval: the only cost that cannot be
// avoided. A port that stays silent costs none.
type confirmer struct {
	r     *Runner
	group string

	mu      sync.Mutex
	pending []*probing
	stopped bool // the run ended: what comes now is skipped
	wake    chan struct{}
	// takes counts the calls of take, for a test to see that the
	// confirmer sleeps between rounds rather than spin.
	takes int
}

// confirmer returns the budget group's confirmer, starting it on first
// use.
func (r *Runner) confirmer(ctx context.Context, group string) *confirmer {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.confirm[group]
	if c == nil {
		c = &confirmer{r: r, group: group, wake: make(chan struct{}, 1)}
		r.confirm[group] = c
		r.budget.confirming(group)
		r.confirmers.Add(1)
		go func() {
			defer r.confirmers.Done()
			c.run(ctx)
		}()
	}
	return c
}

func (c *confirmer) add(p *probing) {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		p.deliver(skipped(p.res.Probe))
		return
	}
	c.pending = append(c.pending, p)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// assignment is one port of a round and the addresses it is tried from.
type assignment struct {
	p    *probing
	srcs []netip.Addr
}

// refill is what the budget says of our addresses of one family: those
// ready, each with a token, and how long until the first of the others
// has one (zero when all are ready).
type refill struct {
	ready []netip.Addr
	wait  time.Duration
}

// take takes up to n pending ports to try in a round from the addresses
// ready of their family (each with a token), each from as many of them as
// it still needs proofs, spreading the ports over the addresses: only from
// an address where a proof cannot share a lost error with one it has
// (provableFrom). When none may be tried, next is when the first could
// be, or zero.
func (c *confirmer) take(n int, v4, v6 refill, now time.Time) (batch []assignment, next time.Time) {
	// One reading of the path: the proofs needed and the epoch they count in.
	path := c.r.budget.path(c.group)
	need, _ := path.proofsNeeded()
	epoch := path.epoch
	interval := c.r.budget.interval
	later := func(at time.Time) {
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.takes++
	keep := c.pending[:0]
	cursor := 0
	for _, p := range c.pending {
		if len(batch) == n {
			keep = append(keep, p)
			continue
		}
		want := 1
		if p.res.Probe.options().ProveSilence {
			want = max(need-p.proofsIn(epoch), 1)
		}
		family := v6
		if p.target.Addr().Unmap().Is4() {
			family = v4
		}
		if len(family.ready) == 0 {
			later(now.Add(family.wait))
			keep = append(keep, p)
			continue
		}
		var srcs []netip.Addr
		var soonest time.Time
		for i := 0; i < len(family.ready) && len(srcs) < want; i++ {
			src := family.ready[(cursor+i)%len(family.ready)]
			at := p.provableFrom(src, interval, epoch)
			if !now.Before(at) {
				srcs = append(srcs, src)
			} else if soonest.IsZero() || at.Before(soonest) {
				soonest = at
			}
		}
		cursor += len(srcs)
		if len(srcs) == 0 {
			// Every ready address gave a proof less than a refill
			// ago; an address not ready yet may have none.
			later(soonest)
			if family.wait > 0 {
				later(now.Add(family.wait))
			}
			keep = append(keep, p)
			continue
		}
		batch = append(batch, assignment{p, srcs})
	}
	c.pending = keep
	return batch, next
}

func (c *confirmer) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// run confirms until the run ends. When ctx ends, every pending port is
// delivered as skipped.
func (c *confirmer) run(ctx context.Context) {
	defer func() {
		c.mu.Lock()
		c.stopped = true
		rest := c.pending
		c.pending = nil
		c.mu.Unlock()
		for _, p := range rest {
			p.deliver(skipped(p.res.Probe))
		}
	}()
	for {
		n := c.waiting()
		if n == 0 {
			select {
			case <-c.wake:
				continue
			case <-c.r.done:
				return
			case <-ctx.Done():
				return
			}
		}
		var v4, v6 refill
		v4.ready, v4.wait = c.r.budget.refilled(c.group, c.r.sources4)
		v6.ready, v6.wait = c.r.budget.refilled(c.group, c.r.sources6)
		if len(v4.ready)+len(v6.ready) == 0 {
			if !sleep(ctx, min(v4.wait, v6.wait)) {
				return
			}
			continue
		}
		now := time.Now()
		batch, next := c.take(maxRound, v4, v6, now)
		if len(batch) == 0 {
			// next is in the future: a port waits for its family's
			// token, or for a refill after its last proof. (It was
			// the earliest of a port's proofs, long past once it had
			// two, and the confirmer spun until the latest was a
			// refill old: a third of P5's CPU.) A port added
			// meanwhile may be tried at once: it wakes the nap.
			if !c.nap(ctx, next.Sub(now)) {
				return
			}
			continue
		}
		c.round(ctx, batch)
		if ctx.Err() != nil {
			return
		}
	}
}

// nap waits d, or less if a port is added; false when ctx ended.
func (c *confirmer) nap(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.wake:
	case <-ctx.Done():
		return false
	}
	return true
}

// round makes the confirmation tries of each port in batch, at most the
// per-host cap of each address at once, and returns when every port is
// decided or back in the queue.
func (c *confirmer) round(ctx context.Context, batch []assignment) {
	// The round's proofs count in the epoch it began in: an error any of
	// its tries draws ends it, and with it their proofs too.
	epoch := c.r.budget.proofEpoch(c.group)
	var wg sync.WaitGroup
	for _, a := range batch {
		wg.Add(1)
		rp := &roundPort{c: c, p: a.p, left: len(a.srcs), done: wg.Done, epoch: epoch}
		for _, src := range a.srcs {
			if err := a.p.host.acquire(ctx); err != nil {
				rp.tried(ctx, nil, ticket{}, false)
				continue
			}
			go c.confirm(ctx, rp, src)
		}
	}
	wg.Wait()
}

// roundPort gathers a port's tries of one round, from one address or
// several at once, and decides the port once all of them are: by the
// first answer any drew, else by the proofs they made.
type roundPort struct {
	c     *confirmer
	p     *probing
	done  func()
	epoch uint64 // the proof epoch the round began in

	mu      sync.Mutex
	left    int
	stopped bool // a try found the run ended
	answer  *Try
	proven  []ticket
}

// tried records one try's outcome, once it is decided: t is nil for a
// try that could not be made because the run ended; proven says whether
// its silence was proven.
func (rp *roundPort) tried(ctx context.Context, t *Try, tk ticket, proven bool) {
	rp.mu.Lock()
	switch {
	case t == nil:
		rp.stopped = true
	case t.Signal != Silence && rp.answer == nil:
		rp.answer = t
	case proven:
		rp.proven = append(rp.proven, tk)
	}
	rp.left--
	last := rp.left == 0
	rp.mu.Unlock()
	if last {
		rp.decide(ctx)
	}
}

func (rp *roundPort) decide(ctx context.Context) {
	defer rp.done()
	p, r := rp.p, rp.c.r
	switch {
	case rp.answer != nil:
		p.host.observe(*rp.answer, true)
		p.deliver(r.finish(p.res, *rp.answer))
	case rp.stopped:
		p.deliver(skipped(p.res.Probe))
	default:
		ev := &p.res.Evidence
		for _, tk := range rp.proven {
			for i := range ev.Tries {
				if ev.Tries[i].Start.Equal(tk.start) && ev.Tries[i].Confirm && ev.Tries[i].Source == tk.src {
					ev.Tries[i].Proven = true
				}
			}
			p.proofs = append(p.proofs, proofAt{tk.src, tk.end, rp.epoch})
		}
		r.settle(ctx, p)
	}
}

// confirm makes one confirmation try of rp's port from our address src,
// and records it in rp once it is decided.
func (c *confirmer) confirm(ctx context.Context, rp *roundPort, src netip.Addr) {
	p := rp.p
	var sock *udpSocket
	if p.udp {
		var err error
		if sock, err = openUDP(c.r.opts.Socket, p.target, bind(p.res.Probe, src)); err != nil {
			p.host.release()
			t := Try{Start: time.Now(), Signal: Local, Err: err, Source: src}
			rp.tried(ctx, &t, ticket{}, false)
			return
		}
	}
	t, tk, ok := c.r.try(ctx, p, sock, src, true, time.Time{})
	if sock != nil {
		sock.Close()
	}
	p.host.release()
	switch {
	case !ok:
		rp.tried(ctx, nil, tk, false)
	case t.Signal != Silence || !p.res.Probe.options().ProveSilence:
		// An answer decides the port; a silence that fails its check
		// counts tries, not proofs.
		rp.tried(ctx, &t, tk, false)
	default:
		c.r.call(c.r.budget.prove([]ticket{tk}, func(i int) { rp.tried(ctx, &t, tk, i >= 0) }))
	}
}
