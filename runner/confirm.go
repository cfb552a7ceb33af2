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

// take takes up to n pending ports to try in a round from the addresses
// ready of their family (each with a token), each from as many of them as
// it still needs proofs, spreading the ports over the addresses: only from
// an address where a proof cannot share a lost error with one it has
// (mayProve). When none may be tried, next is when the first could be, or
// zero.
func (c *confirmer) take(n int, ready4, ready6 []netip.Addr, now time.Time) (batch []assignment, next time.Time) {
	// One reading of the path: the proofs needed and the epoch they count in.
	path := c.r.budget.path(c.group)
	need, _ := path.proofsNeeded()
	epoch := path.epoch
	interval := c.r.budget.interval
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := c.pending[:0]
	cursor := 0
	for _, p := range c.pending {
		if len(batch) == n {
			keep = append(keep, p)
			continue
		}
		want := 1
		if p.res.Probe.options().ProveSilence {
			want = max(need-len(p.current(epoch)), 1)
		}
		ready := ready6
		if p.target.Addr().Unmap().Is4() {
			ready = ready4
		}
		var srcs []netip.Addr
		for i := 0; i < len(ready) && len(srcs) < want; i++ {
			src := ready[(cursor+i)%len(ready)]
			if p.mayProve(src, now, interval, epoch) {
				srcs = append(srcs, src)
			}
		}
		cursor += len(srcs)
		if len(srcs) == 0 {
			for _, pr := range p.current(epoch) {
				if due := pr.end.Add(interval); next.IsZero() || due.Before(next) {
					next = due
				}
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
		ready4, wait4 := c.r.budget.refilled(c.group, c.r.sources4)
		ready6, wait6 := c.r.budget.refilled(c.group, c.r.sources6)
		if len(ready4)+len(ready6) == 0 {
			if !sleep(ctx, min(wait4, wait6)) {
				return
			}
			continue
		}
		// Ports of a family with no address ready wait for that family.
		wait := max(wait4, wait6)
		now := time.Now()
		batch, next := c.take(maxRound, ready4, ready6, now)
		if len(batch) == 0 {
			if next.IsZero() {
				next = now.Add(wait)
			}
			if !sleep(ctx, next.Sub(now)) {
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
