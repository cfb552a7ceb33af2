//go:build linux && !portspec_portable

package runner

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestTCPSocketsKeepForOneTarget: a refused socket is connected again
// only to the target it was refused by, and the spares stay within their
// bounds, the longest unused going first.
func TestTCPSocketsKeepForOneTarget(t *testing.T) {
	// A port nothing listens on, on three loopback addresses.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).AddrPort().Port()
	ln.Close()
	target := func(last byte) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, last}), port)
	}
	a, b, c := target(1), target(2), target(3)
	s := newTCPSockets(unix.Socket, 2, 0, nil)
	refuse := func(to netip.AddrPort) {
		t.Helper()
		out, conn := tcpTry(context.Background(), s, to, netip.AddrPort{}, time.Second, false, nil)
		if conn != nil || out.signal != Reset {
			t.Fatalf("%s: %s, want a RST", to, out.signal)
		}
	}
	spares := func(to netip.AddrPort) int {
		if l := s.spare[spareKey{to.Addr(), netip.AddrPort{}}]; l != nil {
			return len(l.fds)
		}
		return 0
	}

	refuse(a)
	refuse(b)
	if s.reused != 0 || spares(a) != 1 || spares(b) != 1 {
		t.Fatalf("after a and b: %d reused, spares a %d b %d; want 0, 1, 1: a's socket went to b", s.reused, spares(a), spares(b))
	}
	kept := s.spare[spareKey{a.Addr(), netip.AddrPort{}}].fds[0]
	refuse(a)
	if s.reused != 1 || spares(a) != 1 {
		t.Fatalf("a again: %d reused, %d spares for a; want 1 and 1", s.reused, spares(a))
	}
	// Two are kept at most: c's spare pushes out b's, used longest ago
	// (a's was taken and given since).
	refuse(c)
	if s.held != 2 || spares(b) != 0 || spares(a) != 1 || spares(c) != 1 {
		t.Fatalf("after c: %d held, spares a %d b %d c %d; want 2: 1, 0, 1", s.held, spares(a), spares(b), spares(c))
	}
	s.close()
	if s.held != 0 || len(s.spare) != 0 {
		t.Fatalf("closed, yet %d spares held", s.held)
	}
	if _, err := unix.FcntlInt(uintptr(kept), unix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("a's kept socket is still open after close (%v)", err)
	}

	// Within a limit of 3 sockets, with 2 probes in their slots, one
	// spare fits; a new socket gives it up first.
	s = newTCPSockets(unix.Socket, 2, 3, func() int { return 2 })
	defer s.close()
	refuse(a)
	if s.held != 1 {
		t.Fatalf("%d spares held under the limit, want 1", s.held)
	}
	refuse(b)
	if spares(a) != 0 || spares(b) != 1 {
		t.Fatalf("at the limit: spares a %d b %d, want 0 and 1: b's socket did not make room", spares(a), spares(b))
	}
}
