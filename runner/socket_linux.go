//go:build !portspec_portable

package runner

import (
	"fmt"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// probeSocket is a non-blocking socket registered with Go's network
// poller, so that thousands of probes wait without a thread each.
type probeSocket struct {
	file *os.File
	raw  syscall.RawConn
}

// dial creates a non-blocking socket of typ for target with the error
// queue on, binds it to src when src is set, and starts connecting it. For
// TCP the connect is usually still in progress when it returns.
func dial(newSocket SocketFunc, typ int, target netip.AddrPort, src netip.AddrPort) (int, error) {
	domain := domainOf(target.Addr())
	fd, err := openSocket(newSocket, domain, typ, src)
	if err != nil {
		return -1, err
	}
	return connect(fd, domain, target)
}

// domainOf is the socket domain of a's family.
func domainOf(a netip.Addr) int {
	if a.Unmap().Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// openSocket creates a non-blocking socket of domain and typ with the
// error queue on, bound to src when src is set.
func openSocket(newSocket SocketFunc, domain, typ int, src netip.AddrPort) (int, error) {
	level, recverr := unix.SOL_IP, unix.IP_RECVERR
	if domain == unix.AF_INET6 {
		level, recverr = unix.SOL_IPV6, unix.IPV6_RECVERR
	}
	fd, err := newSocket(domain, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	fail := func(what string, err error) (int, error) {
		unix.Close(fd)
		return -1, fmt.Errorf("%s: %w", what, err)
	}
	if err := unix.SetsockoptInt(fd, level, recverr, 1); err != nil {
		return fail("IP_RECVERR", err)
	}
	if src.Port() != 0 || src.Addr().IsValid() {
		// Several probes may share a fixed source port towards different
		// ports; the connected 4-tuples stay distinct.
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		if err := unix.Bind(fd, sockaddr(domain, src)); err != nil {
			return fail(fmt.Sprintf("bind to %s", src), err)
		}
	}
	return fd, nil
}

// connect starts fd connecting to target, or closes it if it cannot.
func connect(fd, domain int, target netip.AddrPort) (int, error) {
	if err := unix.Connect(fd, sockaddr(domain, target)); err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return -1, fmt.Errorf("connect: %w", err)
	}
	return fd, nil
}

// register hands fd to Go's network poller, which owns it from then on;
// name is the file's, for errors.
func register(fd int, name string) (*probeSocket, error) {
	file := os.NewFile(uintptr(fd), name)
	raw, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return nil, err
	}
	return &probeSocket{file: file, raw: raw}, nil
}

func sockaddr(domain int, ap netip.AddrPort) unix.Sockaddr {
	if domain == unix.AF_INET {
		a := ap.Addr().Unmap()
		if !a.IsValid() {
			a = netip.IPv4Unspecified()
		}
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}
	}
	a := ap.Addr()
	if !a.IsValid() {
		a = netip.IPv6Unspecified()
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
}

// addrPortOf is an IPv4 or IPv6 socket address as an AddrPort; the zero
// AddrPort for any other.
func addrPortOf(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

func (s *probeSocket) Close() error { return s.file.Close() }

// closeWithReset closes a connected TCP socket with a RST rather than a
// FIN, so a port that answered leaves nothing in TIME_WAIT: a big scan
// must not exhaust local ports. Sockets that never connected have no
// TIME_WAIT, and are spared the system call.
func (s *probeSocket) closeWithReset() error {
	s.raw.Control(func(fd uintptr) { setLingerZero(int(fd)) })
	return s.file.Close()
}

func setLingerZero(fd int) {
	unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
}
