package runner

import (
	"context"
	"net/netip"
	"time"

	"github.com/portspec/portspec/spec"
)

// replyKept is how much of a reply the evidence keeps.
const replyKept = 64

func (r *Runner) tries(c spec.Check) int {
	e := c.Expect
	if c.Protocol == spec.UDP {
		return firstNonZero(r.opts.UDPTries, e.Tries, r.opts.Settings.UDPTries, DefaultUDPTries)
	}
	return firstNonZero(r.opts.TCPTries, e.Tries, r.opts.Settings.TCPTries, DefaultTCPTries)
}

func (r *Runner) fixedTimeout(c spec.Check) time.Duration {
	return firstNonZero(r.opts.Timeout, c.Expect.Timeout, r.opts.Settings.Timeout)
}

func (r *Runner) source(c spec.Check) netip.AddrPort {
	port := firstNonZero(c.Expect.SourcePort, r.opts.SourcePort)
	return netip.AddrPortFrom(r.opts.SourceAddr, port)
}

// probe makes the tries of one check and decides its state. A retry
// happens only after silence. Silence counts once the configured tries are
// spent, with two exceptions that make it trustworthy: on a host seen to
// lose packets it takes lossyTries; and a silent try that the target's ICMP
// rate limit may have muted is tried again, paced so the target has an ICMP
// error to spend on the answer. Once a paced try is silent too, the port
// is known not to answer with ICMP, and any tries left are plain retries
// against loss.
func (r *Runner) probe(ctx context.Context, c spec.Check, h *host) Result {
	res := Result{Check: c, Start: time.Now()}
	target := netip.AddrPortFrom(c.Addr, c.Port)
	udp := c.Protocol == spec.UDP
	ev := &res.Evidence

	var sock *udpSocket
	var payload []byte
	var describe func([]byte) string
	if udp {
		ev.Probe, payload, describe = udpPayload(c.Port, c.Expect.Payload, firstNonZero(c.Expect.Community, r.opts.Community))
		var err error
		if sock, err = openUDP(r.opts.Socket, target, r.source(c)); err != nil {
			return r.finish(res, Try{Start: res.Start, Signal: Local, Err: err})
		}
		defer sock.Close()
	}

	tries := r.tries(c)
	fixed := r.fixedTimeout(c)
	var last Try
	pace, confirmed := false, false
	for n := 1; ; n++ {
		if pace {
			if !sleep(ctx, h.reserve(time.Now())) {
				return skipped(c)
			}
		}
		if r.limiter != nil && r.limiter.Wait(ctx) != nil {
			return skipped(c)
		}
		timeout, early := fixed, false
		if timeout == 0 {
			timeout, early = h.timeout()
		}
		t := Try{Start: time.Now(), Timeout: timeout, Paced: pace}
		// A try sent before the host's first answer waits for the
		// ceiling, unless that answer comes and shortens it.
		var watch func(*probeSocket) func()
		if early {
			watch = func(s *probeSocket) func() { return h.watchEarly(s, t.Start) }
		}
		var out outcome
		if udp {
			var reply []byte
			out, reply = sock.try(ctx, payload, timeout, watch)
			if reply != nil {
				ev.Reply = append([]byte(nil), reply[:min(len(reply), replyKept)]...)
				if describe != nil {
					ev.App = describe(reply)
				}
			}
		} else {
			var conn *probeSocket
			out, conn = tcpTry(ctx, r.opts.Socket, target, r.source(c), timeout, c.Expect.Banner != nil, watch)
			if conn != nil {
				ev.Reply = readBanner(ctx, conn, timeout)
				conn.closeWithReset()
			}
		}
		if ctx.Err() != nil {
			return skipped(c)
		}
		t.Duration = time.Since(t.Start)
		if early {
			// The timeout the try ended up with, if the first answer
			// shortened it.
			if now, _ := h.timeout(); t.Signal == Silence && now < t.Timeout {
				t.Timeout = now
			}
		}
		t.Signal, t.ICMP, t.Err = out.signal, out.icmp, out.err
		h.observe(t, n > 1)
		ev.Tries = append(ev.Tries, t)
		if r.opts.OnTry != nil {
			r.opts.OnTry(c, t)
		}
		last = t
		if t.Signal != Silence {
			break
		}
		need := tries
		if h.isLossy() {
			need = max(tries, lossyTries)
		}
		suspect := h.mayBeSuppressed(t, udp)
		if t.Paced && !suspect {
			confirmed = true
		}
		pace = suspect && !confirmed
		if n >= need && !pace || n >= need+maxPacedTries {
			break
		}
	}
	return r.finish(res, last)
}

// finish fills in the verdict from the deciding try.
func (r *Runner) finish(res Result, last Try) Result {
	ev := &res.Evidence
	if len(ev.Tries) == 0 {
		ev.Tries = []Try{last}
	}
	ev.Signal, ev.ICMP, ev.Timeout = last.Signal, last.ICMP, last.Timeout
	res.Status = classify(res.Check.Protocol, last.Signal, last.ICMP, res.Check.Addr)
	if res.Status == Error {
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
