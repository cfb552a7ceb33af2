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

// synEngine opens here only to refuse: CheckSYN says so before the first
// probe, and a run asked for SYNs anyway makes each TCP try that it would
// have sent the refusal, never a connect.
type synEngine struct{}

// errNoSYN is the refusal.
var errNoSYN = errors.New("SYN tries need Linux's raw sockets, which this build does not have")

func openSYN(SocketFunc) (*synEngine, error) { return &synEngine{}, errNoSYN }

func (*synEngine) close() {}

func (*synEngine) handles(netip.AddrPort, uint16) bool { return true }

func (*synEngine) try(context.Context, netip.AddrPort, netip.Addr, int, time.Duration, func(deadliner) func()) outcome {
	return localOutcome(errNoSYN)
}

func (*synEngine) burst(_ context.Context, _ netip.AddrPort, _ netip.Addr, _, _ int, _, _ time.Duration, _ func(), begin func()) ([]outcome, int) {
	begin()
	return []outcome{localOutcome(errNoSYN)}, -1
}
