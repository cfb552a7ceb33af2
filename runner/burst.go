package runner

import (
	"context"
	"time"
)

// burstSpread divides a try's timeout into the gap between a burst's
// SYNs: at the 100 ms floor they go 12.5 ms apart.
const burstSpread = 8

// burstGap is the gap between the SYNs of a burst of p's tries, and ok
// says whether they may go as one (burst): when they go as SYNs, its
// silence needs no proof and fails nothing, so that the tries are there
// only to find a listening port whose answer was lost, and its host has
// answered, so that the gap can be set from its round-trip time. The gap
// is an eighth of the timeout, or twice the round-trip time if that is
// longer, so that a SYN's answer has come before the next one goes; a
// host so far that the gap would be half the timeout gains too little,
// and is tried one try after another. Not under --rate, which spaces
// every try.
func (r *Runner) burstGap(p *probing, tries int) (timeout, gap time.Duration, ok bool) {
	o := p.res.Probe.options()
	if tries < 2 || o.ProveSilence || o.SilenceFails || r.limiter != nil || !r.sendsSYN(p) {
		return 0, 0, false
	}
	timeout, early := p.host.timeout()
	if early {
		return 0, 0, false
	}
	if o.Timeout > 0 {
		timeout = o.Timeout
	}
	gap = max(timeout/burstSpread, 2*p.host.roundTrip())
	return timeout, gap, gap < timeout/2
}

// burst makes p's first tries at once, as SYNs gap apart rather than a
// timeout apart (synEngine.burst), and settles each as try does, in the
// order they were sent. A port that answers nothing then holds its slot
// for one timeout and two gaps (125 ms at the floor) rather than three
// timeouts (300 ms): issue #23's I2, 65,535 ports rejected with muted
// errors, was bound by 4,096 slots held that long. Each SYN still waits
// its whole timeout for an answer unless another is answered first; what
// is given up is the spacing, against a loss that takes every packet for
// a while: three SYNs lost together within 25 ms would leave a listening
// port FILTERED, which passes a blocked check, where three timeouts
// apart they would have had to be lost over 200 ms
// (TestLabSYNBurstsUnderLoss).
//
// The SYNs sent after the one answered were not waited for, and are not
// tries of the check: their evidence would say silence where the port
// answered. The target saw them, though, so the budget learns of them;
// when the answer was an ICMP error, each of those, and each earlier SYN
// whose silence was cut short by it, is counted as having drawn one
// from its sender, which can only make a proof wait longer.
// Every ticket is finished, even when the run ends, or the budget would
// wait for it for ever.
func (r *Runner) burst(ctx context.Context, p *probing, tries int, timeout, gap time.Duration) ([]Try, []ticket, bool) {
	p.mu.Lock()
	n := len(p.res.Evidence.Tries)
	if n == 0 {
		p.res.Evidence.Tries = make([]Try, 0, tries)
	}
	p.mu.Unlock()
	sent, tickets := make([]Try, 0, tries), make([]ticket, 0, tries)
	begin := func() {
		// No limiter (burstGap), so beginTry cannot fail.
		sent, tickets = append(sent, Try{}), append(tickets, ticket{})
		i := len(sent) - 1
		r.beginTry(ctx, p, p.src, false, &sent[i], &tickets[i])
		sent[i].Timeout = timeout
	}
	outs, at := r.syn.burst(ctx, p.target, p.src, n, tries, gap, timeout, p.waits, begin)
	// The error an answer by ICMP says the other SYNs may have drawn too:
	// from the same sender, a router's or the target's, so that the
	// bucket it came from is the one charged.
	var assumed *ICMPError
	if at >= 0 && outs[at].signal == ICMP && outs[at].icmp != nil {
		e := *outs[at].icmp
		assumed = &e
	}
	ok := true
	for i := range sent {
		if at >= 0 && i > at {
			r.supersede(p, tickets[i], outs[i], assumed)
			continue
		}
		ok = r.endTry(ctx, p, &sent[i], &tickets[i], false, outs[i], time.Time{}, assumed) && ok
	}
	if at >= 0 {
		sent, tickets = sent[:at+1], tickets[:at+1]
	}
	return sent, tickets, ok && len(sent) > 0
}

// supersede finishes the ticket of a SYN of a burst sent after the one
// answered: not a try of the check, but sent to its target (see burst).
// It counts the error the SYN drew, if one came, or else the one the
// answer says it may have drawn.
func (r *Runner) supersede(p *probing, tk ticket, out outcome, assumed *ICMPError) {
	spent := assumed
	if out.signal == ICMP && out.icmp != nil {
		spent = out.icmp
	}
	r.call(r.budget.finish(&tk, spent, tk.start))
}
