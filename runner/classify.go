package runner

import (
	"net/netip"

	"github.com/portspec/portspec/verdict"
)

// classify turns the deciding signal into a state. It is the table of
// docs/commands.md, "How a state is decided": a port unreachable counts
// as NOT LISTENING only when the target itself sent it; from a router,
// like every other ICMP error, it means a filter on the way.
func classify(proto verdict.Protocol, sig Signal, icmp *ICMPError, target netip.Addr) verdict.Status {
	switch sig {
	case SynAck, Reply:
		return verdict.Listening
	case Reset, Refused:
		return verdict.NotListening
	case ICMP:
		if icmp.portUnreachable() && icmp.From.Unmap() == target.Unmap() {
			return verdict.NotListening
		}
		return verdict.Filtered
	case Silence:
		if proto == verdict.UDP {
			return verdict.ListeningOrFiltered
		}
		return verdict.Filtered
	}
	return verdict.Error
}
