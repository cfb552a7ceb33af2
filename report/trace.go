package report

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Trace is where a failed check's probe died: the probe sent again with a
// rising TTL, and what each hop answered.
type Trace struct {
	// Summary says it in a line: "dropped after hop 2 (198.18.4.2): hop
	// 3 never answered".
	Summary string     `json:"summary"`
	Hops    []TraceHop `json:"hops"`
	// Ref is a TCP port of the target that answered in the run, sent
	// with the TTL of the first silent hop: whether the target is that
	// hop.
	Ref *TraceRef `json:"ref,omitempty"`
	// Incomplete says the run ended before the trace did.
	Incomplete bool `json:"incomplete,omitempty"`
}

// TraceHop is what one TTL drew.
type TraceHop struct {
	TTL int `json:"ttl"`
	// Signal is "ICMP" (time exceeded, or an unreachable), the target's
	// answer ("SYN-ACK", "RST", "reply"), or "silence".
	Signal string `json:"signal"`
	ICMP   *ICMP  `json:"icmp,omitempty"`
	// Address answered; Name is its reverse name, unless -nr.
	Address string `json:"address,omitempty"`
	Name    string `json:"name,omitempty"`
	// Error is why a "local error" hop could not be sent.
	Error string  `json:"error,omitempty"`
	RTTMS float64 `json:"rtt_ms"`
	// Proven says a silence is proven against the ICMP budgets of the
	// target and of every router heard from.
	Proven bool `json:"proven,omitempty"`
	// Tries is how many times the hop was sent, when more than once:
	// after silences the budgets could not prove.
	Tries int `json:"tries,omitempty"`
}

// TraceRef is the reference port's hop.
type TraceRef struct {
	Port uint16   `json:"port"`
	Hop  TraceHop `json:"hop"`
}

// timeExceeded reports whether the hop was a router passing the probe on.
func (h TraceHop) timeExceeded() bool {
	e := h.ICMP
	return h.Signal == "ICMP" && e != nil && (e.Family == "icmpv6" && e.Type == 3 || e.Family == "icmp" && e.Type == 11)
}

// portUnreachable reports whether the hop is a port unreachable, which
// from the target is its answer that nothing listens.
func (h TraceHop) portUnreachable() bool {
	e := h.ICMP
	return h.Signal == "ICMP" && e != nil && (e.Family == "icmp" && e.Type == 3 && e.Code == 3 || e.Family == "icmpv6" && e.Type == 1 && e.Code == 4)
}

// who names the hop's sender: "r2.example.net (198.18.4.2)", or the
// address alone.
func (h TraceHop) who() string {
	if h.Name != "" {
		return fmt.Sprintf("%s (%s)", h.Name, h.Address)
	}
	return h.Address
}

// icmpWords is the ICMP error without its sender: "ICMP 3/13
// (administratively prohibited)".
func (h TraceHop) icmpWords() string {
	text, _, _ := strings.Cut(h.ICMP.Text, " from ")
	return text
}

// Line is what the hop drew: "198.18.4.2  ICMP 11/0 (time exceeded)  412µs".
func (h TraceHop) Line() string {
	took := Duration(fromMS(h.RTTMS))
	proven, retried := "proven", ""
	if h.Tries > 1 {
		proven = fmt.Sprintf("proven on try %d", h.Tries)
		retried = fmt.Sprintf(", on try %d (the silences before were not proven)", h.Tries)
	}
	switch {
	case h.Signal == SignalSilence && h.Proven:
		return fmt.Sprintf("*  no answer in %s (%s: whoever is there had ICMP budget to answer)", took, proven)
	case h.Signal == SignalSilence:
		return fmt.Sprintf("*  no answer in %s (unproven after %d tries: the ICMP budget never allowed a proof)", took, max(h.Tries, 1))
	case h.ICMP != nil:
		return fmt.Sprintf("%s  %s  %s%s", h.who(), h.icmpWords(), took, retried)
	case h.Signal == SignalLocal:
		return "could not send: " + h.Error
	}
	return fmt.Sprintf("%s  %s  %s%s", h.who(), h.Signal, took, retried)
}

// Lines are the trace for text, logs and JUnit bodies: the summary, then
// a line a hop.
func (t *Trace) Lines() []string {
	if t == nil {
		return nil
	}
	lines := []string{"trace: " + t.Summary}
	for _, h := range t.Hops {
		lines = append(lines, fmt.Sprintf("  %2d  %s", h.TTL, h.Line()))
	}
	if ref := t.Ref; ref != nil {
		lines = append(lines, fmt.Sprintf("  reference: tcp/%d, which answered in this run, at TTL %d: %s", ref.Port, ref.Hop.TTL, ref.Hop.Line()))
	}
	return lines
}

// Summarize says where the probe of port ("tcp/9000") to target died.
func (t *Trace) Summarize(target, port string) string {
	if len(t.Hops) == 0 {
		return "not traced: the run ended first"
	}
	last := t.Hops[len(t.Hops)-1]
	routerHop := func(addr string) string {
		for _, h := range t.Hops {
			if h.timeExceeded() && h.Address == addr {
				return fmt.Sprintf("hop %d", h.TTL)
			}
		}
		return fmt.Sprintf("TTL %d", last.TTL)
	}
	lastRouter := -1
	for i, h := range t.Hops {
		if h.timeExceeded() {
			lastRouter = i
		}
	}
	// UDP silence is also a service that ignores the datagram.
	targetDrops, unanswered := "the target filters it", "never answered"
	if strings.HasPrefix(port, "udp/") {
		targetDrops, unanswered = "the target filters it or ignores the datagram", "never answered (a drop, or for UDP a target that ignores the datagram)"
	}
	var s string
	switch {
	case t.Incomplete:
		return fmt.Sprintf("not finished: the run ended during TTL %d, so where the probe dies is unknown", last.TTL+1)
	case last.Signal == SignalLocal:
		return fmt.Sprintf("could not trace: the probe with TTL %d could not be sent: %s", last.TTL, last.Error)
	case last.portUnreachable() && sameAddr(last.Address, target):
		s = fmt.Sprintf("reached the target at hop %d, which answered %s this time: %s is not filtered now (a change still converging, or a path that flaps)", last.TTL, last.icmpWords(), port)
	case last.Signal == "ICMP" && !last.timeExceeded() && sameAddr(last.Address, target):
		s = fmt.Sprintf("rejected by the target itself (hop %d): %s", last.TTL, last.icmpWords())
	case last.Signal == "ICMP" && !last.timeExceeded():
		s = fmt.Sprintf("rejected by %s (%s): %s", last.who(), routerHop(last.Address), last.icmpWords())
	case last.Signal != SignalSilence:
		s = fmt.Sprintf("reached the target at hop %d, which answered %s this time: %s is not filtered now (a change still converging, or a path that flaps)", last.TTL, last.Signal, port)
	case t.Ref != nil && t.Ref.Hop.Signal != SignalSilence && sameAddr(t.Ref.Hop.Address, target) && lastRouter >= 0:
		r := t.Hops[lastRouter]
		s = fmt.Sprintf("dropped at hop %d, the target: tcp/%d on it answers with TTL %d, %s never does; %s, or hop %d (%s) drops it as it forwards",
			t.Ref.Hop.TTL, t.Ref.Port, t.Ref.Hop.TTL, port, targetDrops, r.TTL, r.who())
	case lastRouter >= 0:
		r := t.Hops[lastRouter]
		s = fmt.Sprintf("dropped after hop %d (%s): hop %d %s", r.TTL, r.who(), r.TTL+1, unanswered)
	default:
		s = "dropped before any hop answered: nothing came back from TTL 1 on (a local firewall, or a first hop that sends no time-exceeded)"
	}
	for _, h := range t.Hops {
		if h.Signal == SignalSilence && !h.Proven {
			return s + "; a silent hop is unproven: the ICMP budget never allowed a proof, so a rate-limited router may have been muted"
		}
	}
	return s
}

func sameAddr(a, b string) bool {
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	return err1 == nil && err2 == nil && x.Unmap() == y.Unmap()
}

// check refuses a trace whose words a report cannot mean.
func (t *Trace) validate() error {
	if t.Summary == "" {
		return errors.New("a trace without its summary")
	}
	hops := t.Hops
	if t.Ref != nil {
		hops = append(append([]TraceHop(nil), hops...), t.Ref.Hop)
	}
	for _, h := range hops {
		if err := validateSignal(h.Signal, h.ICMP); err != nil {
			return fmt.Errorf("hop %d: %v", h.TTL, err)
		}
		if _, err := netip.ParseAddr(h.Address); h.Address != "" && err != nil {
			return fmt.Errorf("hop %d: address %s is not an IP address", h.TTL, quoteCut(h.Address))
		}
	}
	return nil
}
