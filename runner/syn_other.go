//go:build !linux || portspec_portable

package runner

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// SYNSupported says whether this build can send TCP tries as bare SYNs
// (Options.SYN): only Linux's raw sockets do it here.
const SYNSupported = false

// synEngine is never opened here: openSYN refuses.
type synEngine struct{}

// errNoSYN is why: a refusal (CheckSYN), not a fallback to connects.
var errNoSYN = errors.New("SYN tries need Linux's raw sockets, which this build does not have")

func openSYN(SocketFunc) (*synEngine, error) { return nil, errNoSYN }

func (*synEngine) close() {}

func (*synEngine) handles(netip.AddrPort, uint16) bool { return false }

func (*synEngine) try(context.Context, netip.AddrPort, netip.Addr, int, time.Duration, func(deadliner) func()) outcome {
	return localOutcome(errNoSYN)
}
