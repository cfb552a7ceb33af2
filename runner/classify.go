package runner

import (
	"net/netip"

	"github.com/portspec/portspec/spec"
)

// classify turns the deciding signal into a state. It is the table of the
// README: a port unreachable counts as NOT LISTENING only when the target
// itself sent it; from a router, like every other ICMP error, it means a
// filter on the way.
func classify(proto spec.Protocol, sig Signal, icmp *ICMPError, target netip.Addr) Status {
	switch sig {
	case SynAck, Reply:
		return Listening
	case Reset:
		return NotListening
	case ICMP:
		if icmp.portUnreachable() && icmp.From.Unmap() == target.Unmap() {
			return NotListening
		}
		return Filtered
	case Silence:
		if proto == spec.UDP {
			return ListeningOrFiltered
		}
		return Filtered
	}
	return Error
}
