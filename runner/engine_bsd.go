//go:build !windows && (!linux || portspec_portable)

package runner

import (
	"net"
	"syscall"
)

// controlTCP has nothing to ask of macOS and the BSDs: a refused connect
// ends at once.
func controlTCP(string, string, syscall.RawConn) error { return nil }

// reportRefusals has nothing to turn on: a connected UDP socket reports
// an ICMP port unreachable as ECONNREFUSED.
func reportRefusals(*net.UDPConn) error { return nil }
