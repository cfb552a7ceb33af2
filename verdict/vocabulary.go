package verdict

import "fmt"

// Protocol is the transport a port is probed with.
type Protocol uint8

const (
	TCP Protocol = iota + 1
	UDP
)

func (p Protocol) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	}
	return fmt.Sprintf("Protocol(%d)", uint8(p))
}

// ParseProtocol returns the protocol named name: "tcp" or "udp".
func ParseProtocol(name string) (Protocol, bool) {
	switch name {
	case "tcp":
		return TCP, true
	case "udp":
		return UDP, true
	}
	return 0, false
}

// State is the state a spec expects a port to be in: the label of an
// expectation block. The zero State is no expectation at all, as for
// query and snapshot, which only say what they found.
type State uint8

const (
	ExpectListening State = iota + 1
	ExpectNotListening
	ExpectFiltered
	// ExpectBlocked is anything but listening: NOT LISTENING or FILTERED.
	ExpectBlocked
)

var stateNames = [...]string{"", "listening", "not_listening", "filtered", "blocked"}

func (s State) String() string {
	if int(s) < len(stateNames) && s != 0 {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// ParseState returns the State whose label is name.
func ParseState(name string) (State, bool) {
	for s, n := range stateNames {
		if n == name && s != 0 {
			return State(s), true
		}
	}
	return 0, false
}

// Compatible reports whether some found status could satisfy both
// expectations. not_listening and filtered refine blocked; every other
// pair of different states contradicts itself.
func (s State) Compatible(o State) bool {
	if s == o {
		return true
	}
	return (s == ExpectBlocked && o != ExpectListening) || (o == ExpectBlocked && s != ExpectListening)
}

// NeedsProvenSilence reports whether a silence must be proven against the
// target's ICMP rate limit before a verdict on s can rest on it: only
// where a muted ICMP error would change the verdict. A muted error can
// only turn FILTERED (TCP) or LISTENING or FILTERED (UDP) into NOT
// LISTENING, which fails filtered and passes not_listening; listening
// fails and blocked passes either way.
func (s State) NeedsProvenSilence() bool {
	return s == ExpectFiltered || s == ExpectNotListening
}

// FailsOnSilence reports whether a silence (FILTERED, or UDP's LISTENING
// or FILTERED) fails a check expecting s, so that the runner must try
// again before it believes one: an answer lost on the way must not fail
// a listening port. filtered and blocked pass on a silence.
func (s State) FailsOnSilence() bool {
	return s == ExpectListening || s == ExpectNotListening
}

// Status is the state a probe found a port in.
type Status uint8

const (
	// Error means no status: the name did not resolve, or the probe
	// failed locally (no route, no permission). It is the zero Status.
	Error Status = iota
	Listening
	NotListening
	Filtered
	// ListeningOrFiltered is UDP silence: a listener that ignored the
	// datagram looks the same as a firewall that dropped it.
	ListeningOrFiltered
)

var statusNames = [...]string{"ERROR", "LISTENING", "NOT LISTENING", "FILTERED", "LISTENING or FILTERED"}

// String returns PortQry's words for the status.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// ParseStatus returns the Status whose words are name.
func ParseStatus(name string) (Status, bool) {
	for s, n := range statusNames {
		if n == name {
			return Status(s), true
		}
	}
	return 0, false
}

// Ambiguous reports whether the status leaves room for doubt: UDP
// silence, which a listener and a firewall both produce.
func (s Status) Ambiguous() bool { return s == ListeningOrFiltered }

// Expected is the state a snapshot writes for what it found, and false
// for Error. UDP silence is written as filtered, which a check passes
// for a silent port.
func (s Status) Expected() (State, bool) {
	switch s {
	case Listening:
		return ExpectListening, true
	case NotListening:
		return ExpectNotListening, true
	case Filtered, ListeningOrFiltered:
		return ExpectFiltered, true
	}
	return 0, false
}

// PortQryCode is PortQry's -q exit code for a status: 0 LISTENING, 1 NOT
// LISTENING, 2 FILTERED or LISTENING or FILTERED; -1 for Error, which
// PortQry has no code for.
func (s Status) PortQryCode() int {
	switch s {
	case Listening:
		return 0
	case NotListening:
		return 1
	case Filtered, ListeningOrFiltered:
		return 2
	}
	return -1
}
