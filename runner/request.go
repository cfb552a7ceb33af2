package runner

import (
	"net/netip"
	"time"

	"github.com/portspec/portspec/verdict"
)

// Probe is one port at one address to probe: all the runner is told. The
// caller turns whatever asked for it (a spec's check, a query's port) into
// a Probe, and finds it again by Ref.
type Probe struct {
	Addr  netip.Addr
	Proto verdict.Protocol
	Port  uint16
	// Local says to read the port's state from this machine's socket
	// table rather than probe it; Addr is unused. (Here, beside Port, it
	// takes no room of its own.)
	Local bool
	// Opts are shared by every probe of a block, so a million probes
	// carry one pointer each rather than a copy; nil is the defaults.
	// The runner never changes them.
	Opts *ProbeOptions
	// Group names the machine whose ICMP error budget answers for Addr:
	// probes with one Group share one budget, as a dual-stack host's two
	// addresses do. "" is the address alone.
	Group string
	// Ref is the caller's, carried through untouched: an index back to
	// what asked for the probe.
	Ref int
	// Unresolved, when set, is why there is no address to probe: its DNS
	// name did not resolve. Nothing is sent; the result is an Error.
	Unresolved error
}

// ProbeOptions say how to probe one port. Zero values take the defaults.
type ProbeOptions struct {
	// Tries is how many silent tries make a silence: 0 is the protocol's
	// default, DefaultTCPTries or DefaultUDPTries.
	Tries int
	// Timeout is a fixed timeout per try; 0 is adaptive: srtt + 4·rttvar
	// within [MinTimeout, MaxTimeout].
	Timeout time.Duration
	// Payload is the UDP datagram to send; nil is the built-in probe for
	// the port, or an empty datagram.
	Payload []byte
	// Community is the SNMP community of the built-in udp/161 probe; ""
	// is "public".
	Community string
	// SourcePort binds the probe's socket to a port (PortQry's -sp); 0 is
	// any.
	SourcePort uint16
	// ReadBanner reads what a TCP listener sends first into the evidence.
	ReadBanner bool
	// ProveSilence proves a silence against the target's ICMP budget
	// before it is reported: a rejecting port whose error the target's
	// rate limit muted would otherwise look silent.
	ProveSilence bool
	// SilenceFails says a FILTERED (or UDP silent) result fails the check.
	// Such a silence is believed only after as many tries as the path's
	// loss asks (see pathStats.proofsNeeded), so that answers lost on the way
	// do not fail a listening port; and the runner traces where the probe
	// dies, within Options.TraceLimit.
	SilenceFails bool
}

var defaultOptions ProbeOptions

// options are the probe's options, the defaults for nil.
func (p Probe) options() *ProbeOptions {
	if p.Opts == nil {
		return &defaultOptions
	}
	return p.Opts
}

// tries is how many silent tries make a silence.
func (p Probe) tries() int {
	if t := p.options().Tries; t > 0 {
		return t
	}
	if p.Proto == verdict.UDP {
		return DefaultUDPTries
	}
	return DefaultTCPTries
}

// budgetGroup names the machine whose ICMP budget answers for the probe.
func (p Probe) budgetGroup() string {
	if p.Group != "" {
		return p.Group
	}
	return "address " + p.Addr.String()
}
