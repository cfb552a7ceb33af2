package runner

import (
	"fmt"
	"github.com/portspec/portspec/internal/human"
	"net/netip"
	"strings"
	"time"

	"github.com/portspec/portspec/spec"
)

// Status is the state a probe found a port in.
type Status uint8

const (
	// Error means no verdict: the name did not resolve, or the probe
	// failed locally (no route, no permission).
	Error Status = iota
	Listening
	NotListening
	Filtered
	// ListeningOrFiltered is UDP silence: a listener that ignored the
	// datagram looks the same as a firewall that dropped it.
	ListeningOrFiltered
)

// String returns PortQry's words for the state.
func (s Status) String() string {
	switch s {
	case Listening:
		return "LISTENING"
	case NotListening:
		return "NOT LISTENING"
	case Filtered:
		return "FILTERED"
	case ListeningOrFiltered:
		return "LISTENING or FILTERED"
	}
	return "ERROR"
}

// Signal is what one try saw.
type Signal uint8

const (
	// SignalUnknown is the zero Signal: no try set it. It classifies as
	// an error, never as silence.
	SignalUnknown Signal = iota
	Silence              // nothing within the timeout
	SynAck               // the TCP handshake completed
	Reply                // a UDP datagram came back
	Reset                // the TCP connect was refused by a RST
	ICMP                 // an ICMP or ICMPv6 error came back
	Local                // the local stack refused (no route, permission)
)

func (s Signal) String() string {
	return [...]string{"unknown", "silence", "SYN-ACK", "reply", "RST", "ICMP", "local error"}[s]
}

// ICMPError is an ICMP or ICMPv6 error read from the socket's error queue.
type ICMPError struct {
	V6         bool
	Type, Code uint8
	From       netip.Addr // the sender: the target, or a router on the way
}

func (e ICMPError) String() string {
	family := "ICMP"
	if e.V6 {
		family = "ICMPv6"
	}
	return fmt.Sprintf("%s %d/%d (%s) from %s", family, e.Type, e.Code, e.describe(), e.From)
}

func (e ICMPError) describe() string {
	if e.V6 {
		switch {
		case e.Type == 1:
			return [...]string{"no route", "administratively prohibited", "beyond scope", "address unreachable", "port unreachable", "source address failed policy", "reject route"}[min(e.Code, 6)]
		case e.Type == 3:
			return "time exceeded"
		}
		return "error"
	}
	switch e.Type {
	case 3:
		names := map[uint8]string{0: "net unreachable", 1: "host unreachable", 2: "protocol unreachable", 3: "port unreachable",
			4: "fragmentation needed", 9: "net prohibited", 10: "host prohibited", 13: "administratively prohibited"}
		if n, ok := names[e.Code]; ok {
			return n
		}
		return "unreachable"
	case 11:
		return "time exceeded"
	case 12:
		return "parameter problem"
	}
	return "error"
}

// portUnreachable reports whether the error is a port unreachable.
func (e ICMPError) portUnreachable() bool {
	if e.V6 {
		return e.Type == 1 && e.Code == 4
	}
	return e.Type == 3 && e.Code == 3
}

// Try is one attempt at a port.
type Try struct {
	Start    time.Time
	Duration time.Duration
	Timeout  time.Duration // the timeout this try waited for
	Signal   Signal
	ICMP     *ICMPError
	Err      error // for Local
	// Confirm says the try was a confirmation: sent again, once the
	// target's ICMP budget allowed, to prove a silence.
	Confirm bool
	// Tokens is the lower bound the model had, when the try was sent, on
	// the ICMP errors the target (and any router answering for it) could
	// still send us: at most 1, see modelBurst.
	Tokens float64
	// Proven says the try's silence is proven: the target had a token
	// for its ICMP error all the while, so a rejecting port would have
	// answered.
	Proven bool
}

func (t Try) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s after %s", t.Signal, human.Duration(t.Duration))
	switch {
	case t.ICMP != nil:
		fmt.Fprintf(&b, ": %s", t.ICMP)
	case t.Err != nil:
		fmt.Fprintf(&b, ": %v", t.Err)
	case t.Signal == Silence:
		fmt.Fprintf(&b, " (%s timeout)", human.Duration(t.Timeout))
	}
	if t.Confirm {
		b.WriteString(", confirmation")
	}
	if t.Confirm || t.Signal == Silence {
		fmt.Fprintf(&b, ", ICMP budget ≥ %.2f", t.Tokens)
	}
	if t.Proven {
		b.WriteString(", silence proven")
	}
	return b.String()
}

// Evidence is why a probe decided what it did.
type Evidence struct {
	// Signal is the deciding signal: the last try's.
	Signal Signal
	ICMP   *ICMPError
	// Reply holds the first bytes the port sent: a UDP reply, or a TCP
	// banner when one was read.
	Reply []byte
	// App says what the reply means where that is cheap to tell, such as
	// "DNS reply, rcode NOERROR" or "NTP stratum 2".
	App   string
	Tries []Try
	// Probe names the UDP request sent, such as "DNS query" or "empty
	// datagram".
	Probe string
	// Timeout is the last timeout used.
	Timeout time.Duration
	// Silence says how a silence stands against the target's ICMP budget.
	Silence SilenceProof
}

// SilenceProof says whether a silent port's silence was proven against the
// target's ICMP rate limit, which can mute the error a rejecting port
// sends.
type SilenceProof uint8

const (
	// NotSilent: the port answered, or was not probed.
	NotSilent SilenceProof = iota
	// SilenceUnproven: not proven, because the verdict is the same
	// whether an error was muted or not.
	SilenceUnproven
	// SilenceProven: a try went out while the target had ICMP budget to
	// answer it, and none was spent before it arrived.
	SilenceProven
)

// String is the word the JSON report uses.
func (s SilenceProof) String() string {
	return [...]string{"", "unproven", "proven"}[s]
}

// Explain says it in a sentence, for reports; "" for NotSilent.
func (s SilenceProof) Explain() string {
	switch s {
	case SilenceUnproven:
		return "silence not confirmed against the target's ICMP rate limit: the verdict does not depend on it"
	case SilenceProven:
		return "silence confirmed against the target's ICMP rate limit: it had budget for an error, so a rejecting port would have answered"
	}
	return ""
}

// Summary is the evidence in one line, for a failure message: "no reply
// to 3 tries, 212ms timeout", or what answered, when, and on which try.
func (e Evidence) Summary() string {
	n := len(e.Tries)
	if n == 0 {
		return "not probed"
	}
	last := e.Tries[n-1]
	var what string
	switch e.Signal {
	case Silence:
		return fmt.Sprintf("no reply to %d %s, %s timeout", n, human.Plural(n, "try", "tries"), human.Duration(e.Timeout))
	case ICMP:
		what = e.ICMP.String()
	case Local:
		return fmt.Sprint(last.Err)
	case Reply:
		what = e.App
		if what == "" {
			what = fmt.Sprintf("%d-byte reply", len(e.Reply))
		}
	default:
		what = e.Signal.String()
	}
	what += " after " + human.Duration(last.Duration).String()
	if n > 1 {
		what += fmt.Sprintf(" on try %d", n)
	}
	return what
}

// Result is the outcome of one check at one address.
type Result struct {
	Check    spec.Check
	Status   Status
	Evidence Evidence
	// Err is why Status is Error.
	Err      error
	Start    time.Time
	Duration time.Duration
	// Skipped is set for a check that never ran because the run was
	// cancelled.
	Skipped bool
}
