package runner

import (
	"context"
	"time"
)

// burstSpread divides a try's timeout into the gap between a burst's
// SYNs: at the 100 ms floor they go 12.5 ms apart.
const burstSpread = 8

// bursts says whether p's first tries go as one burst of SYNs (burst):
// when they go as SYNs, its silence needs no proof and fails nothing, so
// the tries are there only to find a listening port whose answer was
// lost, and its host has answered, so that their timeout is the host's
// own and not the ceiling that waits for the first answer. Not under
// --rate, which spaces every try.
func (r *Runner) bursts(p *probing, tries int) bool {
	o := p.res.Probe.options()
	if tries < 2 || o.ProveSilence || o.SilenceFails || r.limiter != nil || !r.sendsSYN(p) {
		return false
	}
	_, early := p.host.timeout()
	return !early
}

// burst makes p's first tries at once, as SYNs a fraction of their
// timeout apart rather than a timeout apart (synEngine.burst), and
// settles each as try does, in the order they were sent. A port that
// answers nothing then holds its slot for one timeout and two gaps (125
// ms at the floor) rather than three timeouts (300 ms): issue #23's I2,
// 65,535 ports rejected with muted errors, was bound by 4,096 slots held
// that long. Each SYN still waits its whole timeout for an answer unless
// another is answered first; what is given up is the spacing, against a
// loss that takes every packet for a while: three SYNs lost together
// within 25 ms would leave a listening port FILTERED, which passes a
// blocked check, where three timeouts apart they would have had to be
// lost over 200 ms (TestLabSYNBurstsUnderLoss).
func (r *Runner) burst(ctx context.Context, p *probing, tries int) ([]Try, []ticket, bool) {
	timeout := p.res.Probe.options().Timeout
	if timeout == 0 {
		timeout, _ = p.host.timeout()
	}
	p.mu.Lock()
	n := len(p.res.Evidence.Tries)
	if n == 0 {
		p.res.Evidence.Tries = make([]Try, 0, tries)
	}
	p.mu.Unlock()
	sent, tickets := make([]Try, 0, tries), make([]ticket, 0, tries)
	begin := func() bool {
		t, tk, _, ok := r.beginTry(ctx, p, p.src, false)
		if ok {
			t.Timeout = timeout
			sent, tickets = append(sent, t), append(tickets, tk)
		}
		return ok
	}
	outs := r.syn.burst(ctx, p.target, p.src, n, tries, timeout/burstSpread, timeout, p.waits, begin)
	for i := range sent {
		out := localOutcome(context.Canceled) // not sent: only when the run ended
		if i < len(outs) {
			out = outs[i]
		}
		var ok bool
		if sent[i], tickets[i], ok = r.endTry(ctx, p, sent[i], tickets[i], false, out, time.Time{}); !ok {
			return nil, nil, false
		}
	}
	return sent, tickets, len(sent) > 0
}
