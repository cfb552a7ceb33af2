//go:build !linux || portspec_portable

package runner

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"syscall"
	"time"
)

// Every OS but Linux probes with its ordinary sockets, through Go's net
// package: a TCP connect, a connected UDP socket. They say SYN-ACK,
// reply, refused, silence or a local error, and hide which ICMP error
// came and who sent it (errnoOutcome), so nothing here claims one.

// probeSocket is a try's connection, or for a TCP connect still being
// made, nothing yet whose deadline could move.
type probeSocket struct {
	file deadliner
	conn net.Conn
}

// fixedDeadline stands in for a connect in progress: Go's dialer keeps
// its deadline, and the host's adaptive timeout cannot shorten it.
type fixedDeadline struct{}

func (fixedDeadline) SetDeadline(time.Time) error { return nil }

func (s *probeSocket) Close() error { return s.conn.Close() }

// closeWithReset closes a connected TCP socket with a RST rather than a
// FIN, so a port that answered leaves nothing in TIME_WAIT.
func (s *probeSocket) closeWithReset() error {
	if tc, ok := s.conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	return s.conn.Close()
}

// tcpSockets keeps nothing here: the net package makes each connect's
// socket.
type tcpSockets struct{}

func newTCPSockets(SocketFunc, int, int, func() int) *tcpSockets { return nil }

func (*tcpSockets) close() {}

// tcpTry makes one TCP connect to target. On SYN-ACK it returns the open
// connection when keep is set, for reading a banner; the caller closes
// it.
func tcpTry(ctx context.Context, _ *tcpSockets, target, src netip.AddrPort, timeout time.Duration, keep bool, watch func(deadliner) func()) (outcome, *probeSocket) {
	if watch != nil {
		defer watch(fixedDeadline{})()
	}
	d := net.Dialer{Timeout: timeout, Control: controlTCP}
	if src.Addr().IsValid() || src.Port() != 0 {
		d.LocalAddr = net.TCPAddrFromAddrPort(src)
	}
	var conn net.Conn
	for attempt := 1; ; attempt++ {
		var err error
		if conn, err = d.DialContext(ctx, "tcp", target.String()); err != nil {
			return dialOutcome(ctx, false, err), nil
		}
		if conn.LocalAddr().String() != conn.RemoteAddr().String() {
			break
		}
		// Connected to itself: thrown away and made again, from another
		// port; a fixed source port does it every time.
		conn.Close()
		if attempt == 3 {
			return localOutcome(errSelfConnect), nil
		}
	}
	sock := &probeSocket{file: conn, conn: conn}
	if !keep {
		sock.closeWithReset()
		return outcome{signal: SynAck}, nil
	}
	return outcome{signal: SynAck}, sock
}

// dialOutcome is what a failed connect, write or read says.
func dialOutcome(ctx context.Context, udp bool, err error) outcome {
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		return localOutcome(ctx.Err())
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return outcome{signal: Silence}
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errnoOutcome(runtime.GOOS, udp, uintptr(errno), err)
	}
	return localOutcome(err)
}

// readBanner reads what a server sends first, until the deadline or as
// soon as anything arrives.
func readBanner(_ context.Context, sock *probeSocket, timeout time.Duration) []byte {
	buf := make([]byte, 512)
	sock.conn.SetReadDeadline(time.Now().Add(timeout))
	n, _ := sock.conn.Read(buf)
	return buf[:max(n, 0)]
}

// udpSocket is one UDP probe's connected socket. Every try of a port
// reuses it, so a reply or error that comes late still counts.
type udpSocket struct {
	*probeSocket
	buf []byte
}

func openUDP(_ SocketFunc, target, src netip.AddrPort) (*udpSocket, error) {
	var local *net.UDPAddr
	if src.Addr().IsValid() || src.Port() != 0 {
		local = net.UDPAddrFromAddrPort(src)
	}
	conn, err := net.DialUDP("udp", local, net.UDPAddrFromAddrPort(target))
	if err != nil {
		return nil, err
	}
	if err := reportRefusals(conn); err != nil {
		conn.Close()
		return nil, err
	}
	return &udpSocket{probeSocket: &probeSocket{file: conn, conn: conn}}, nil
}

// try sends payload and waits for a datagram or an error.
func (u *udpSocket) try(ctx context.Context, payload []byte, timeout time.Duration, watch func(deadliner) func()) (outcome, []byte) {
	u.conn.SetDeadline(time.Now().Add(timeout))
	if watch != nil {
		defer watch(u.probeSocket.file)()
	}
	stop := context.AfterFunc(ctx, func() { u.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := u.conn.Write(payload); err != nil {
		// A refusal an earlier try drew may surface here.
		return dialOutcome(ctx, true, err), nil
	}
	if u.buf == nil {
		u.buf = make([]byte, 2048)
	}
	n, err := u.conn.Read(u.buf)
	if err != nil {
		return dialOutcome(ctx, true, err), nil
	}
	return outcome{signal: Reply}, u.buf[:n]
}
