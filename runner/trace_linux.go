//go:build !portspec_portable

package runner

import (
	"context"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/portspec/portspec/verdict"
)

// DefaultTraceLimit is how many failed checks a run traces.
const DefaultTraceLimit = 20

// TracesSupported says whether this OS can trace: a try with its TTL set
// whose ICMP time-exceeded, and its sender, the socket's error queue
// gives back. Linux's does.
const TracesSupported = true

// ttlTry makes one try of p's protocol to target with the TTL (hop limit)
// set on the socket before anything is sent.
func (r *Runner) ttlTry(ctx context.Context, p Probe, target netip.AddrPort, src netip.Addr, ttl int) outcome {
	newSocket := func(domain, typ, proto int) (int, error) {
		fd, err := r.opts.Socket(domain, typ, proto)
		if err != nil {
			return fd, err
		}
		level, opt := unix.IPPROTO_IP, unix.IP_TTL
		if domain == unix.AF_INET6 {
			level, opt = unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS
		}
		if err := unix.SetsockoptInt(fd, level, opt, ttl); err != nil {
			unix.Close(fd)
			return -1, err
		}
		return fd, nil
	}
	// The target's adaptive timeout: a router on the way is nearer.
	timeout, _ := r.host(p.Addr).timeout()
	if t := p.options().Timeout; t > 0 {
		timeout = t
	}
	if p.Proto == verdict.UDP {
		sock, err := openUDP(newSocket, target, bind(p, src))
		if err != nil {
			return localOutcome(err)
		}
		defer sock.Close()
		_, payload, _ := udpPayload(target.Port(), p.options().Payload, p.options().Community)
		out, _ := sock.try(ctx, payload, timeout, nil)
		return out
	}
	out, _ := tcpTry(ctx, newTCPSockets(newSocket, 0, 0, nil), target, bind(p, src), timeout, false, nil)
	return out
}
