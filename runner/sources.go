package runner

import (
	"fmt"
	"net/netip"
	"time"
)

// maxSources is the most addresses of a prefix a run sends from. Past a
// few hundred, the targets' host-wide limit (hostWideInterval: 500 errors
// a second at the worst) binds before the per-address one does.
const maxSources = 256

// Sources are the addresses of prefix a run sends from, in order: at most
// maxSources, and in an IPv4 prefix of more than two addresses, not its
// first or last, which a network may take for itself or for broadcast.
func Sources(prefix netip.Prefix) []netip.Addr {
	prefix = prefix.Masked()
	a := prefix.Addr()
	skipEnds := a.Is4() && prefix.Bits() < 31
	if skipEnds {
		a = a.Next()
	}
	var out []netip.Addr
	for ; a.IsValid() && prefix.Contains(a) && len(out) < maxSources; a = a.Next() {
		if skipEnds && !prefix.Contains(a.Next()) {
			break // the last address
		}
		out = append(out, a)
	}
	return out
}

// checkTimeout is how long CheckSources waits for a datagram sent to
// itself.
const checkTimeout = 200 * time.Millisecond

// CheckSources makes sure, before the first probe, that this machine owns
// the addresses of each prefix a run sends from (the first and the last):
// a datagram sent to one must arrive here, or the targets' answers to a
// probe from it would go elsewhere and every port would look silent. It
// cannot tell whether the targets route the prefix back: only the routes
// on the way can.
func CheckSources(opts Options) error {
	opts.fill()
	families := map[bool]netip.Prefix{}
	for _, prefix := range opts.SourcePrefixes {
		if other, ok := families[prefix.Addr().Is4()]; ok {
			return fmt.Errorf("two source prefixes of one family, %s and %s: give one for IPv4 and one for IPv6 at most", other, prefix)
		}
		families[prefix.Addr().Is4()] = prefix
		srcs := Sources(prefix)
		if len(srcs) == 0 {
			return fmt.Errorf("source prefix %s holds no address to send from", prefix)
		}
		for _, a := range []netip.Addr{srcs[0], srcs[len(srcs)-1]} {
			if err := receivesAt(freebind(opts.Socket), a); err != nil {
				return fmt.Errorf("cannot send from %s: %s is not this machine's (%v), so answers to probes sent from it would not come back here; route the prefix to this machine, as with ip route add local %s dev lo, or put its addresses on an interface", prefix, a, err, prefix.Masked())
			}
		}
	}
	return nil
}
