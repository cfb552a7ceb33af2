package runner

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/portspec/portspec/verdict"
)

// replyKept is how much of a reply the evidence keeps.
const replyKept = 64

// bind is where a try of p from our address src binds its socket: src
// (the unspecified address leaves the choice to the kernel) and the
// probe's source port.
func bind(p Probe, src netip.Addr) netip.AddrPort {
	return netip.AddrPortFrom(src, p.options().SourcePort)
}

// probing is one check being probed: its result so far and what its tries
// need.
type probing struct {
	res      Result
	group    string // budgetGroup
	target   netip.AddrPort
	udp      bool
	payload  []byte
	describe func([]byte) string
	host     *host
	deliver  func(Result)
	// waits is called whenever a try is about to wait on the network: the
	// first call lets Run start another probe (see Run's maxRunning).
	waits func()
	// src is our address the sweep's tries are sent from.
	src netip.Addr
	// mu guards the evidence while a confirmation round tries the port
	// from several addresses at once.
	mu sync.Mutex
	// proofs are the proofs of the port's silence so far: from which of
	// our addresses, and when the try ended. Two proofs from one address
	// count only a refill of the target's budget apart.
	proofs []proofAt
}

// proofAt is one proof of a silence: the try from src that ended at end,
// proven in the budget group's proof epoch epoch.
type proofAt struct {
	src   netip.Addr
	end   time.Time
	epoch uint64
}

// proofsIn counts the proofs of p that still count in epoch
// (budget.proofEpoch).
func (p *probing) proofsIn(epoch uint64) int {
	n := 0
	for _, pr := range p.proofs {
		if pr.epoch == epoch {
			n++
		}
	}
	return n
}

// provableFrom is the earliest time a try from src could add a proof that
// one lost error cannot make wrong together with an earlier one that
// still counts in epoch: a refill after the last proof from src, or any
// time (zero) when src has none.
func (p *probing) provableFrom(src netip.Addr, interval time.Duration, epoch uint64) time.Time {
	var at time.Time
	for _, pr := range p.proofs {
		if due := pr.end.Add(interval); pr.epoch == epoch && pr.src == src && due.After(at) {
			at = due
		}
	}
	return at
}

// probe makes the tries of one check and decides its state. A retry
// happens only after silence, until the configured tries are spent, or
// lossyTries on a host seen to lose packets. A silence whose verdict
// depends on it is then handed to the budget, which proves it or has the
// target's confirmer try again once its ICMP budget allows; the
// result is delivered when that is done. Every other result is delivered
// before probe returns.
func (r *Runner) probe(ctx context.Context, c Probe, h *host, waits func(), deliver func(Result)) {
	if r.opts.TraceLimit > 0 {
		deliver = r.withTrace(ctx, deliver)
	}
	p := &probing{res: Result{Probe: c, Start: time.Now()}, group: c.budgetGroup(), target: netip.AddrPortFrom(c.Addr, c.Port),
		udp: c.Proto == verdict.UDP, host: h, deliver: deliver, waits: waits, src: r.sweepSource(c.Addr)}
	ev := &p.res.Evidence
	var sock *udpSocket
	if p.udp {
		ev.Probe, p.payload, p.describe = udpPayload(c.Port, c.options().Payload, c.options().Community)
		var err error
		if sock, err = openUDP(r.opts.Socket, p.target, bind(c, p.src)); err != nil {
			deliver(r.finish(p.res, Try{Start: p.res.Start, Signal: Local, Err: err}))
			return
		}
		defer sock.Close()
	}

	tries := c.tries()
	// The sweep's proofs count in the epoch its first try was sent in.
	var epoch uint64
	var silent []ticket
	var firstSent time.Time
	// The first tries may go as one burst (burstGap), the others one at
	// a time; each is taken in here, in the order it was sent.
	var burst []Try
	var burstTickets []ticket
	if timeout, gap, ok := r.burstGap(p, tries); ok {
		if burst, burstTickets, ok = r.burst(ctx, p, tries, timeout, gap); !ok {
			deliver(skipped(c))
			return
		}
	}
	for n := 0; n < len(burst) || n < tries || n < lossyTries && h.isLossy(); n++ {
		var t Try
		var tk ticket
		if n < len(burst) {
			t, tk = burst[n], burstTickets[n]
		} else {
			var ok bool
			if t, tk, ok = r.try(ctx, p, sock, p.src, false, firstSent); !ok {
				deliver(skipped(c))
				return
			}
		}
		if n == 0 {
			firstSent, epoch = tk.start, tk.epoch
		}
		h.observe(t, n > 0)
		if r.opts.TraceLimit > 0 && !p.udp && (t.Signal == SynAck || t.Signal == Reset) {
			h.noteAnswer(c.Port) // a reference for traces
		}
		if t.Signal != Silence {
			deliver(r.finish(p.res, t))
			return
		}
		silent = append(silent, tk)
	}
	last := ev.Tries[len(ev.Tries)-1]
	opts := c.options()
	if !opts.ProveSilence && !opts.SilenceFails {
		p.res.Evidence.Silence = SilenceUnproven
		deliver(r.finish(p.res, last))
		return
	}
	// Held until it is delivered, whichever way: the time the budget adds
	// to the run is counted while checks are held.
	r.budget.hold(1)
	p.deliver = func(res Result) {
		r.budget.hold(-1)
		deliver(res)
	}
	if !opts.ProveSilence {
		r.settle(ctx, p)
		return
	}
	r.call(r.budget.prove(silent, func(i int) {
		if i >= 0 {
			ev.Tries[i].Proven = true
			p.proofs = append(p.proofs, proofAt{silent[i].src, silent[i].end, epoch})
		}
		r.settle(ctx, p)
	}))
}

// settle decides a silence whose verdict depends on it. One that must be
// proven (ProveSilence) is proven once it has as many proofs as the path
// to its target needs (pathStats.proofsNeeded); one that fails its check
// (SilenceFails) is believed once it has had as many tries, so that
// answers lost on the way do not fail a listening port. Short of that,
// the port goes back to the target's confirmer for another try, a
// refill of the budget after the last proof. On a path that loses too
// much for any number to be trusted, it is an error: the verdict cannot
// rest on the silence.
func (r *Runner) settle(ctx context.Context, p *probing) {
	path := r.budget.path(p.group)
	k, ok := path.proofsNeeded()
	ev := &p.res.Evidence
	last := ev.Tries[len(ev.Tries)-1]
	have, silence := len(ev.Tries), SilenceUnproven
	if p.res.Probe.options().ProveSilence {
		have, silence = p.proofsIn(path.epoch), SilenceProven
	}
	switch {
	case !ok:
		ev.Silence = SilenceUnproven
		res := r.finish(p.res, last)
		res.Status, res.Err = verdict.Error, &LossError{Lost: path.lost, Answered: path.answered}
		p.deliver(res)
	case have >= k:
		ev.Silence = silence
		p.deliver(r.finish(p.res, last))
	default:
		r.confirmer(ctx, p.group).add(p)
	}
}

// call runs the proofs the budget decided.
func (r *Runner) call(calls []func()) {
	for _, f := range calls {
		f()
	}
}

// try makes one try of p from our address src, registered with the
// budget, and adds it to the evidence. sock is the UDP socket to send on,
// bound to src; firstSent is when its first try went out, zero for the
// first. ok is false when ctx ended.
func (r *Runner) try(ctx context.Context, p *probing, sock *udpSocket, src netip.Addr, confirm bool, firstSent time.Time) (Try, ticket, bool) {
	// t and tk are filled in place: as values passed and returned, they
	// made this frame, which waits on the network, 500 bytes larger, and
	// many workers' stacks outgrew 8 KB (P5 with --syn, 84 -> 100 MB).
	var t Try
	var tk ticket
	early, ok := r.beginTry(ctx, p, src, confirm, &t, &tk)
	if !ok {
		return Try{}, ticket{}, false
	}
	c, h, ev := p.res.Probe, p.host, &p.res.Evidence
	// A try sent before the host's first answer waits for the ceiling,
	// unless that answer comes and shortens it.
	start := t.Start
	watch := func(s deadliner) func() {
		p.waits()
		if early {
			return h.watchEarly(s, start)
		}
		return func() {}
	}
	var out outcome
	if p.udp {
		var reply []byte
		out, reply = sock.try(ctx, p.payload, t.Timeout, watch)
		if reply != nil {
			p.mu.Lock()
			ev.Reply = append([]byte(nil), reply[:min(len(reply), replyKept)]...)
			if p.describe != nil {
				ev.App = p.describe(reply)
			}
			p.mu.Unlock()
		}
	} else if r.sendsSYN(p) {
		p.mu.Lock()
		n := len(ev.Tries)
		p.mu.Unlock()
		out = r.syn.try(ctx, p.target, src, n, t.Timeout, watch)
	} else {
		var conn *probeSocket
		out, conn = tcpTry(ctx, r.tcp, p.target, bind(c, src), t.Timeout, c.options().ReadBanner, watch)
		if conn != nil {
			p.waits() // a banner may be a timeout away
			banner := readBanner(ctx, conn, t.Timeout)
			conn.closeWithReset()
			p.mu.Lock()
			ev.Reply = banner
			p.mu.Unlock()
		}
	}
	if !r.endTry(ctx, p, &t, &tk, early, out, firstSent, nil) {
		return Try{}, ticket{}, false
	}
	return t, tk, true
}

// sendsSYN says whether p's TCP tries go as bare SYNs (Options.SYN).
func (r *Runner) sendsSYN(p *probing) bool {
	o := p.res.Probe.options()
	return !p.udp && r.opts.SYN && !o.ReadBanner && r.syn.handles(p.target, o.SourcePort)
}

// beginTry starts a try of p from src into t and tk: it waits its turn
// under --rate, takes its timeout and registers it with the budget. early
// says the timeout is the ceiling only because the host has not answered
// yet. ok is false when ctx ended.
func (r *Runner) beginTry(ctx context.Context, p *probing, src netip.Addr, confirm bool, t *Try, tk *ticket) (early, ok bool) {
	if r.limiter != nil && r.limiter.Wait(ctx) != nil {
		return false, false
	}
	timeout := p.res.Probe.options().Timeout
	if timeout == 0 {
		timeout, early = p.host.timeout()
	}
	*tk = r.budget.send(p.target.Addr(), src, p.group, confirm)
	*t = Try{Start: tk.start, Timeout: timeout, Confirm: confirm, Tokens: tk.tokens, Source: src}
	return early, true
}

// endTry settles a try begun by beginTry with its outcome: the budget
// learns what it drew, and the evidence gets it. assumed is the error a
// silence is counted as having drawn: a try of a burst whose silence was
// cut short by an ICMP error to a later one (Runner.burst); nil for any
// other.
func (r *Runner) endTry(ctx context.Context, p *probing, t *Try, tk *ticket, early bool, out outcome, firstSent time.Time, assumed *ICMPError) bool {
	c, h, ev := p.res.Probe, p.host, &p.res.Evidence
	t.Signal, t.ICMP, t.Err = out.signal, out.icmp, out.err
	p.mu.Lock()
	tk.answered, tk.lost = t.Signal != Silence && t.Signal != Local, lostBefore(p, *t)
	if tk.round = t.Confirm; t.Confirm && t.Signal == ICMP {
		tk.contradicted = p.proofsIn(r.budget.proofEpoch(p.group))
	}
	p.mu.Unlock()
	// A late error on a UDP socket may answer any of its earlier tries.
	sent := tk.start
	if p.udp && !firstSent.IsZero() {
		sent = firstSent
	}
	spent := spentBy(*t, p.target.Addr())
	if spent == nil && assumed != nil && t.Signal == Silence {
		spent = assumed
	}
	r.call(r.budget.finish(tk, spent, sent))
	if ctx.Err() != nil {
		return false
	}
	t.Duration = tk.end.Sub(t.Start)
	if early && t.Signal == Silence {
		// The timeout the try ended up with, if the first answer
		// shortened it.
		if now, _ := h.timeout(); now < t.Timeout {
			t.Timeout = now
		}
	}
	p.mu.Lock()
	ev.Tries = append(ev.Tries, *t)
	p.mu.Unlock()
	if r.opts.OnTry != nil {
		r.opts.OnTry(c, *t)
	}
	return true
}

// spentBy is the ICMP error a try's budget counts: the one seen, or, for
// a refusal the OS does not attribute or a SYN whose answer this machine
// may have dropped, one from the target, which is the count that can
// only make a proof wait longer.
func spentBy(t Try, target netip.Addr) *ICMPError {
	if t.Signal == Refused || errors.Is(t.Err, errAnswersDropped) {
		return &ICMPError{From: target}
	}
	return t.ICMP
}

// lostBefore counts the earlier tries of p that t shows were lost: the
// silent ones before a TCP or UDP answer, which no rate limit mutes; and,
// before an ICMP error, the proofs of silence it contradicts, each of
// which a lost error made. An ICMP error after a plain silence says
// nothing of loss: the target's rate limit mutes such errors.
func lostBefore(p *probing, t Try) int {
	switch t.Signal {
	case SynAck, Reset, Reply:
		return len(p.res.Evidence.Tries)
	case ICMP, Refused:
		return len(p.proofs)
	}
	return 0
}

// finish fills in the verdict from the deciding try.
func (r *Runner) finish(res Result, last Try) Result {
	ev := &res.Evidence
	if len(ev.Tries) == 0 {
		ev.Tries = []Try{last}
	}
	ev.Signal, ev.ICMP, ev.Timeout = last.Signal, last.ICMP, last.Timeout
	if last.Signal != Silence {
		ev.Silence = NotSilent
	}
	res.Status = classify(res.Probe.Proto, last.Signal, last.ICMP, res.Probe.Addr)
	if res.Status == verdict.Error {
		res.Err = last.Err
	}
	res.Duration = time.Since(res.Start)
	return res
}

// sleep waits for d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
