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

func openSYN(SocketFunc) (*synEngine, error) {
	return nil, errors.New("SYN tries need Linux's raw sockets; this build connects")
}

func (*synEngine) close() {}

func (*synEngine) handles(netip.AddrPort, uint16) bool { return false }

func (*synEngine) try(context.Context, netip.AddrPort, netip.Addr, int, time.Duration, func(deadliner) func()) outcome {
	return localOutcome(errors.New("SYN tries need Linux's raw sockets"))
}
