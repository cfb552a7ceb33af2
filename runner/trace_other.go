//go:build !linux || portspec_portable

package runner

import (
	"context"
	"errors"
	"net/netip"
)

// DefaultTraceLimit is how many failed checks a run traces: none where
// traces cannot be made.
const DefaultTraceLimit = 0

// TracesSupported says whether this OS can trace. A trace needs the ICMP
// time-exceeded a router sends and who sent it, which only Linux's error
// queue gives an unprivileged socket.
const TracesSupported = false

var errNoTraces = errors.New("traces need Linux's socket error queue")

// ttlTry cannot be made here; Run traces nothing when TracesSupported is
// false.
func (r *Runner) ttlTry(context.Context, Probe, netip.AddrPort, netip.Addr, int) outcome {
	return localOutcome(errNoTraces)
}
