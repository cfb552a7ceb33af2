package runner

import (
	"context"
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
// (budget.proofsNeeded), each a refill after the last. Each port that really answers with ICMP
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

// take takes up to n pending ports that may be tried now: a refill of
// the budget after their last proof, so that one lost error cannot make
// two proofs wrong. When none may, next is when the first will.
func (c *confirmer) take(n int, now time.Time) (batch []*probing, next time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := c.pending[:0]
	for _, p := range c.pending {
		due := p.provenEnd.Add(c.r.budget.interval)
		switch {
		case len(batch) < n && (p.provenEnd.IsZero() || !now.Before(due)):
			batch = append(batch, p)
		default:
			if !p.provenEnd.IsZero() && now.Before(due) && (next.IsZero() || due.Before(next)) {
				next = due
			}
			keep = append(keep, p)
		}
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
		if level := c.r.budget.Level(c.group); level < 1 {
			if !sleep(ctx, time.Duration((1-level)*float64(c.r.budget.interval))) {
				return
			}
			continue
		}
		now := time.Now()
		batch, next := c.take(maxRound, now)
		if len(batch) == 0 {
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

// round makes one confirmation try of each port in batch, at most the
// per-host cap of each address at once, and returns when every one is
// decided or back in the queue.
func (c *confirmer) round(ctx context.Context, batch []*probing) {
	var wg sync.WaitGroup
	for _, p := range batch {
		if err := p.host.acquire(ctx); err != nil {
			p.deliver(skipped(p.res.Probe))
			continue
		}
		// One for the try, one for the decision, which may come after it.
		wg.Add(2)
		go func() {
			defer wg.Done()
			c.confirm(ctx, p, wg.Done)
		}()
	}
	wg.Wait()
}

// confirm makes one confirmation try of p and calls decided once the port
// is decided or queued again.
func (c *confirmer) confirm(ctx context.Context, p *probing, decided func()) {
	var sock *udpSocket
	if p.udp {
		var err error
		if sock, err = openUDP(c.r.opts.Socket, p.target, c.r.source(p.res.Probe)); err != nil {
			p.host.release()
			p.deliver(c.r.finish(p.res, Try{Start: time.Now(), Signal: Local, Err: err}))
			decided()
			return
		}
	}
	t, tk, ok := c.r.try(ctx, p, sock, true, time.Time{})
	if sock != nil {
		sock.Close()
	}
	p.host.release()
	switch {
	case !ok:
		p.deliver(skipped(p.res.Probe))
		decided()
		return
	case t.Signal != Silence:
		p.host.observe(t, true)
		p.deliver(c.r.finish(p.res, t))
		decided()
		return
	case !p.res.Probe.options().ProveSilence:
		// A silence that fails its check counts tries, not proofs.
		c.r.settle(ctx, p)
		decided()
		return
	}
	c.r.call(c.r.budget.prove([]ticket{tk}, func(i int) {
		defer decided()
		if i < 0 {
			c.add(p)
			return
		}
		ev := &p.res.Evidence
		ev.Tries[len(ev.Tries)-1].Proven = true
		p.proofs++
		p.provenEnd = tk.end
		c.r.settle(ctx, p)
	}))
}
