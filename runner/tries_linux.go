//go:build !portspec_portable

package runner

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// await calls fn whenever the socket may have news (readable, writable or
// an error queued), until fn reports done, the socket's deadline passes
// (os.ErrDeadlineExceeded) or ctx ends. The caller sets the deadline first,
// with SetDeadline, so that it can still be moved while the try waits.
func (s *probeSocket) await(ctx context.Context, write bool, fn func(fd int) bool) error {
	stop := context.AfterFunc(ctx, func() { s.file.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	f := func(fd uintptr) bool { return fn(int(fd)) }
	var err error
	if write {
		err = s.raw.Write(f)
	} else {
		err = s.raw.Read(f)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// queuedOr is the error queue's outcome if it holds an error, else
// otherwise: a socket error may come from an ICMP error or from elsewhere,
// and only the queue can tell.
func queuedOr(fd int, otherwise outcome) outcome {
	if q := readErrQueue(fd); q != nil {
		return fromQueue(q)
	}
	return otherwise
}

// fromQueue turns an error-queue entry into an outcome.
func fromQueue(q *queuedError) outcome {
	if q.icmp != nil {
		return outcome{signal: ICMP, icmp: q.icmp}
	}
	return outcome{signal: Local, err: q.errno}
}

// tcpTry makes one TCP connect to target. On SYN-ACK it returns the open
// socket when keep is set, for reading a banner; the caller closes it.
//
// On a near target the answer is often back before connect() returns, so
// the socket is looked at once at once: only a connect still in progress
// is handed to the network poller to wait on. That skips the poller's
// bookkeeping for most ports of a scan. A socket whose connect was refused
// there goes back to sockets, to connect again for the next try.
func tcpTry(ctx context.Context, sockets *tcpSockets, target, src netip.AddrPort, timeout time.Duration, keep bool, watch func(deadliner) func()) (outcome, *probeSocket) {
	deadline := time.Now().Add(timeout)
	var fd int
	for attempt := 1; ; attempt++ {
		var err error
		if fd, err = sockets.dial(target, src); err != nil {
			return localOutcome(err), nil
		}
		out, done := connectState(fd, target, true)
		if !done {
			break
		}
		// A connect from the target's own address to a port in the
		// ephemeral range can draw that very port as its source and
		// connect to itself, a SYN-ACK from nobody: such a socket is
		// thrown away and the connect made again, from another port.
		if out.err == errSelfConnect && attempt < 3 {
			unix.Close(fd)
			continue
		}
		switch {
		case out.signal != SynAck:
			sockets.give(fd, target, src, out)
			return out, nil
		case !keep:
			setLingerZero(fd)
			unix.Close(fd)
			return out, nil
		}
		break
	}
	sock, err := register(fd, "probe "+target.String())
	if err != nil {
		return localOutcome(err), nil
	}
	sock.file.SetDeadline(deadline)
	if watch != nil {
		defer watch(sock.file)()
	}
	var out outcome
	done := false
	look := func(fd int) bool {
		out, done = connectState(fd, target, false)
		return done
	}
	err = sock.await(ctx, true, look)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = sock.lastLook(look)
	}
	switch {
	case err != nil:
		sock.Close()
		return waitOutcome(err), nil
	case out.signal != SynAck:
		sock.Close()
		return out, nil
	case !keep:
		sock.closeWithReset()
		return out, nil
	}
	return out, sock
}

// selfConnected reports whether a connected socket's own end is target,
// its peer: a connection to itself.
func selfConnected(fd int, target netip.AddrPort) bool {
	local, err := unix.Getsockname(fd)
	if err != nil {
		return false
	}
	own := addrPortOf(local)
	if _, v4 := local.(*unix.SockaddrInet4); v4 {
		return own == netip.AddrPortFrom(target.Addr().Unmap(), target.Port())
	}
	return own.IsValid() && own == target
}

// connectState looks at a connecting socket and reports whether the
// connect has ended, and how. quick is the look right after connect(),
// which skips what cannot have happened yet.
func connectState(fd int, target netip.AddrPort, quick bool) (outcome, bool) {
	soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return outcome{signal: Local, err: err}, true
	}
	switch e := unix.Errno(soerr); {
	case e == 0:
		if _, err := unix.Getpeername(fd); err == nil {
			if selfConnected(fd, target) {
				return outcome{signal: Local, err: errSelfConnect}, true
			}
			return outcome{signal: SynAck}, true
		}
		if quick {
			return outcome{}, false
		}
		// Woken without a result: an ICMP error that did not end the
		// connect (Linux does not end an IPv6 one on an error nft sends)
		// is only on the error queue.
		if q := readErrQueue(fd); q != nil {
			return fromQueue(q), true
		}
		return outcome{}, false
	case e == unix.EINPROGRESS || e == unix.EALREADY || e == unix.EINTR:
		return outcome{}, false
	default:
		// Refused or unreachable: the error queue says whether an ICMP
		// error did it, and which; ECONNREFUSED without one is a RST.
		if e == unix.ECONNREFUSED {
			return queuedOr(fd, outcome{signal: Reset}), true
		}
		return queuedOr(fd, outcome{signal: Local, err: e}), true
	}
}

// readBanner reads what a server sends first, until the deadline or as
// soon as anything arrives.
func readBanner(ctx context.Context, sock *probeSocket, timeout time.Duration) []byte {
	buf := make([]byte, 512)
	var n int
	sock.file.SetDeadline(time.Now().Add(timeout))
	sock.await(ctx, false, func(fd int) bool {
		m, err := unix.Read(fd, buf)
		if err == unix.EAGAIN {
			return false
		}
		if err == nil {
			n = m
		}
		return true
	})
	return buf[:n]
}

// udpSocket is one UDP probe's socket. Every try of a port reuses it, so a
// reply or error that comes late still counts.
type udpSocket struct {
	*probeSocket
	buf []byte
}

func openUDP(newSocket SocketFunc, target, src netip.AddrPort) (*udpSocket, error) {
	fd, err := dial(newSocket, unix.SOCK_DGRAM, target, src)
	if err != nil {
		return nil, err
	}
	s, err := register(fd, "probe "+target.String())
	if err != nil {
		return nil, err
	}
	return &udpSocket{probeSocket: s}, nil
}

// try sends payload and waits for a datagram or an error.
func (u *udpSocket) try(ctx context.Context, payload []byte, timeout time.Duration, watch func(deadliner) func()) (outcome, []byte) {
	deadline := time.Now().Add(timeout)
	var out outcome
	sent := false
	u.file.SetDeadline(deadline)
	if watch != nil {
		defer watch(u.file)()
	}
	err := u.await(ctx, true, func(fd int) bool {
		_, err := unix.Write(fd, payload)
		switch {
		case err == unix.EAGAIN:
			return false
		case err == nil:
			sent = true
		default:
			// A pending error from an earlier try's ICMP surfaces here.
			out = queuedOr(fd, outcome{signal: Local, err: err})
		}
		return true
	})
	if err != nil {
		return waitOutcome(err), nil
	}
	if !sent {
		return out, nil
	}
	if u.buf == nil {
		u.buf = make([]byte, 2048)
	}
	var reply []byte
	look := func(fd int) bool {
		if q := readErrQueue(fd); q != nil {
			out = fromQueue(q)
			return true
		}
		n, err := unix.Read(fd, u.buf)
		switch {
		case err == unix.EAGAIN:
			return false
		case err == nil:
			out, reply = outcome{signal: Reply}, u.buf[:n]
		default:
			out = queuedOr(fd, outcome{signal: Local, err: err})
		}
		return true
	}
	err = u.await(ctx, false, look)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = u.lastLook(look)
	}
	if err != nil {
		return waitOutcome(err), nil
	}
	return out, reply
}

// lastLook looks at the socket once more after the deadline. On a busy
// machine the answer may have come in time and the goroutine waiting for
// it not; silence must mean nothing came, not that nobody looked.
func (s *probeSocket) lastLook(look func(fd int) bool) error {
	found := false
	s.raw.Control(func(fd uintptr) { found = look(int(fd)) })
	if found {
		return nil
	}
	return os.ErrDeadlineExceeded
}

// waitOutcome maps a failed wait: a deadline is silence; anything else,
// such as cancellation, is passed on as a local error.
func waitOutcome(err error) outcome {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return outcome{signal: Silence}
	}
	return localOutcome(err)
}
