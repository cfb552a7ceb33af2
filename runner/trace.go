package runner

import (
	"context"
	"net/netip"
	"time"

	"github.com/portspec/portspec/verdict"
)

// Trace limits.
const (
	// maxTraceHops is as far as a trace goes, traceroute's default.
	maxTraceHops = 30
	// traceSilentHops ends a trace after this many silent hops in a row:
	// one may be a router that sends no time-exceeded, two is a drop.
	traceSilentHops = 2
	// traceAttempts is how often a silent hop is tried before it counts as
	// silent without a proof.
	traceAttempts = 3
)

// Hop is what one TTL of a trace drew.
type Hop struct {
	TTL int
	// Signal is ICMP (time exceeded, or an unreachable), an answer of the
	// target (SynAck, Reset, Reply), or Silence.
	Signal Signal
	ICMP   *ICMPError
	// From answered: the ICMP error's sender, or the target.
	From netip.Addr
	// Name is From's reverse name, when Options.ReverseName found one.
	Name string
	// Err is why a Local hop could not be sent.
	Err error
	RTT time.Duration
	// Tries is how many times the hop was sent: more than one after a
	// silence the budgets could not prove, such as a router whose rate
	// limit another scan had spent.
	Tries int
	// Proven says a silence is proven against the ICMP budgets of the
	// target and of every router heard from: whoever is at this hop had
	// a token to answer with.
	Proven bool
}

// TimeExceeded reports whether the hop was a router passing the probe on.
func (h Hop) TimeExceeded() bool {
	return h.Signal == ICMP && (h.ICMP.V6 && h.ICMP.Type == 3 || !h.ICMP.V6 && h.ICMP.Type == 11)
}

// Trace is where a failed check's probe dies: the probe sent again with a
// rising TTL (IP_TTL, IPV6_UNICAST_HOPS), each hop's ICMP error read from
// the socket's error queue, as an unprivileged traceroute does.
type Trace struct {
	Hops []Hop
	// Ref is a TCP port of the target that answered in this run, sent with
	// the TTL of the first silent hop after the last router: its answer
	// says whether the target itself is that hop. Nil when no port of the
	// target answered, or no hop went silent.
	Ref     *Hop
	RefPort uint16 // a TCP port
	// Incomplete says the run ended before the trace did.
	Incomplete bool
}

// wantsTrace reports whether a result should be traced: its check fails
// on a FILTERED (or UDP silent) port, which a trace can place.
func wantsTrace(res Result) bool {
	o := res.Probe.options()
	return o.SilenceFails && !res.Skipped && (res.Status == verdict.Filtered || res.Status == verdict.ListeningOrFiltered)
}

// withTrace wraps a probe's deliver: a result that wants a trace, while
// the run's limit allows, is traced first, one trace at a time, on a
// goroutine of its own so that a confirmer delivering it is not held.
func (r *Runner) withTrace(ctx context.Context, deliver func(Result)) func(Result) {
	return func(res Result) {
		if !wantsTrace(res) || r.traces.Add(1) > int64(r.opts.TraceLimit) {
			deliver(res)
			return
		}
		go func() {
			r.traceMu.Lock()
			res.Trace = r.trace(ctx, res.Probe)
			r.traceMu.Unlock()
			deliver(res)
		}()
	}
}

// trace sends p's probe with TTL 1, 2, ... until a hop rejects it, the
// target answers, traceSilentHops hops in a row are silent, or
// maxTraceHops.
func (r *Runner) trace(ctx context.Context, p Probe) *Trace {
	t := &Trace{}
	silent := 0
	for ttl := 1; ttl <= maxTraceHops && silent < traceSilentHops; ttl++ {
		hop, ok := r.hop(ctx, p, p.Port, ttl)
		if !ok {
			t.Incomplete = true
			break
		}
		t.Hops = append(t.Hops, hop)
		switch {
		case hop.Signal == Silence:
			if silent == 0 {
				r.refHop(ctx, p, t, ttl)
			}
			silent++
		case hop.TimeExceeded():
			silent = 0
		default:
			return r.named(t) // rejected, or the target answered
		}
	}
	return r.named(t)
}

// refHop sends a port of the target that answered in this run with the
// TTL of the first silent hop: if the target answers, it is that hop.
func (r *Runner) refHop(ctx context.Context, p Probe, t *Trace, ttl int) {
	port := r.host(p.Addr).answeringPort()
	if port == 0 {
		return
	}
	// The reference port is probed with the defaults: the traced block's
	// payload or timeout are not its own.
	ref := Probe{Addr: p.Addr, Proto: verdict.TCP, Port: port, Group: p.Group}
	if hop, ok := r.hop(ctx, ref, port, ttl); ok {
		t.Ref, t.RefPort = &hop, port
	}
}

// named fills in the hops' reverse names.
func (r *Runner) named(t *Trace) *Trace {
	if r.opts.ReverseName == nil {
		return t
	}
	names := map[netip.Addr]string{}
	for _, h := range append(t.Hops, refHops(t)...) {
		if h.From.IsValid() {
			if _, ok := names[h.From]; !ok {
				names[h.From] = r.opts.ReverseName(h.From)
			}
		}
	}
	for i := range t.Hops {
		t.Hops[i].Name = names[t.Hops[i].From]
	}
	if t.Ref != nil {
		t.Ref.Name = names[t.Ref.From]
	}
	return t
}

func refHops(t *Trace) []Hop {
	if t.Ref == nil {
		return nil
	}
	return []Hop{*t.Ref}
}

// hop sends p's probe to port with one TTL. A silence counts only once
// it is proven against the ICMP budgets of the target and of every router
// heard from (the router at this hop may be one that answered another
// trace, or the run): until then the hop is tried again, when the budgets
// have refilled, up to traceAttempts times. ok is false when ctx ended.
func (r *Runner) hop(ctx context.Context, p Probe, port uint16, ttl int) (Hop, bool) {
	target := netip.AddrPortFrom(p.Addr, port)
	group := p.budgetGroup()
	// One address for the whole trace: its hops are compared.
	src := r.sources(p.Addr)[0]
	var hop Hop
	for attempt := 0; attempt < traceAttempts; attempt++ {
		// After an unproven silence, wait, within a few refill
		// intervals, for a full budget, so that a silence can be proven.
		for wait := 0; attempt > 0 && r.budget.Level(group, src) < modelBurst && wait < 40; wait++ {
			if !sleep(ctx, r.opts.ICMPInterval/10) {
				return hop, false
			}
		}
		tk := r.budget.send(p.Addr, src, group, true)
		out := r.ttlTry(ctx, p, target, src, ttl)
		r.call(r.budget.finish(&tk, out.icmp, tk.start))
		if ctx.Err() != nil {
			return hop, false
		}
		hop = Hop{TTL: ttl, Signal: out.signal, ICMP: out.icmp, Err: out.err, RTT: tk.end.Sub(tk.start), Tries: attempt + 1}
		switch {
		case out.icmp != nil:
			hop.From = out.icmp.From.Unmap()
		case out.signal != Silence && out.signal != Local:
			hop.From = p.Addr.Unmap()
		}
		if out.signal != Silence {
			return hop, true
		}
		proven := make(chan bool, 1)
		r.call(r.budget.prove([]ticket{tk}, func(i int) { proven <- i >= 0 }))
		select {
		case hop.Proven = <-proven:
		case <-ctx.Done():
			return hop, false
		}
		if hop.Proven {
			return hop, true
		}
	}
	return hop, true
}
