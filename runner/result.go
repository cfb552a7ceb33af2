package runner

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/portspec/portspec/verdict"
)

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
	SocketTable          // read from this machine's sockets, not probed
	// Refused: the OS's ordinary sockets said refused, which is a RST or
	// an ICMP port unreachable, and do not say which, or by whom (every
	// OS but Linux; see errnoOutcome).
	Refused
)

func (s Signal) String() string {
	names := [...]string{"unknown", "silence", "SYN-ACK", "reply", "RST", "ICMP", "local error", "socket table", "refused"}
	if int(s) >= len(names) {
		return "unknown"
	}
	return names[s]
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
	// Timeout is the timeout this try waited for, or would have: a try
	// of a burst cut short by another's answer waited only Duration.
	Timeout time.Duration
	Signal  Signal
	ICMP    *ICMPError
	// Err is why a Local try failed; beside a silence, why the silence
	// says nothing (errAnswersDropped, see synEngine.burst).
	Err error
	// Source is our address the try was sent from, when the run chose
	// one (Options.SourceAddr, Options.SourcePrefixes); unset when the
	// kernel did.
	Source netip.Addr
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
	names := [...]string{"", "unproven", "proven"}
	if int(s) >= len(names) {
		return ""
	}
	return names[s]
}

// Result is what probing one Probe found.
type Result struct {
	Probe    Probe
	Status   verdict.Status
	Evidence Evidence
	// Err is why Status is Error.
	Err      error
	Start    time.Time
	Duration time.Duration
	// Skipped is set for a check that never ran because the run was
	// cancelled.
	Skipped bool
	// Trace places where a failed probe dies, when it was traced.
	Trace *Trace
	// Listeners are the sockets listening on the port, for a Local
	// probe: a pointer, since few results are local.
	Listeners *[]Listener
}

// Listener is a socket of this machine listening on a local probe's port,
// and the process that owns it.
type Listener struct {
	Local netip.AddrPort
	// PID and Process own the socket; Hidden says the owner could not be
	// seen (another user's process, without root). Process is the
	// kernel's name for it (comm), as any local user may have set it:
	// whoever prints it escapes it.
	PID     int
	Process string
	Hidden  bool
}

// LossError is a silence that cannot be trusted on a path that loses too
// many packets: so many proofs or tries would be needed that the check is
// an error rather than a verdict resting on a guess.
type LossError struct{ Lost, Answered int }

func (e *LossError) Error() string {
	return fmt.Sprintf("silence not trusted: the path to the target lost %d of %d tries, so lost answers or ICMP errors could fake it more often than once in a million checks, however many tries confirmed it", e.Lost, e.Lost+e.Answered)
}
