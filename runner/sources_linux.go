//go:build !portspec_portable

package runner

import (
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// defaultSocket creates the probes' sockets.
var defaultSocket SocketFunc = unix.Socket

// freebind wraps a SocketFunc so that its sockets may bind to an address
// of a prefix this machine routes to itself (ip route add local PREFIX
// dev lo) without holding it on an interface: Linux binds IPv6 there
// only with IPV6_FREEBIND. CheckSources makes sure such an address is
// this machine's before any probe goes from it.
func freebind(newSocket SocketFunc) SocketFunc {
	return func(domain, typ, proto int) (int, error) {
		fd, err := newSocket(domain, typ, proto)
		if err != nil {
			return fd, err
		}
		level, opt := unix.SOL_IP, unix.IP_FREEBIND
		if domain == unix.AF_INET6 {
			level, opt = unix.SOL_IPV6, unix.IPV6_FREEBIND
		}
		if err := unix.SetsockoptInt(fd, level, opt, 1); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("freebind: %w", err)
		}
		return fd, nil
	}
}

// receivesAt sends a datagram to a, from a socket bound to a, and reports
// whether it arrived.
func receivesAt(newSocket SocketFunc, a netip.Addr) error {
	domain := unix.AF_INET
	if a.Is6() && !a.Is4In6() {
		domain = unix.AF_INET6
	}
	recv, err := newSocket(domain, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(recv)
	if err := unix.Bind(recv, sockaddr(domain, netip.AddrPortFrom(a, 0))); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	local, err := unix.Getsockname(recv)
	if err != nil {
		return err
	}
	tv := unix.NsecToTimeval(checkTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(recv, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	send, err := newSocket(domain, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(send)
	const hello = "portspec source check"
	if err := unix.Sendto(send, []byte(hello), 0, local); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	buf := make([]byte, len(hello))
	for {
		n, _, err := unix.Recvfrom(recv, buf, 0)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return errors.New("a datagram sent to it did not arrive")
		case err != nil:
			return err
		case string(buf[:n]) == hello:
			return nil
		}
	}
}
