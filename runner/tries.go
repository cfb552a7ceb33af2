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
// an error queued), until fn reports done, the deadline passes
// (os.ErrDeadlineExceeded) or ctx ends.
func (s *probeSocket) await(ctx context.Context, deadline time.Time, write bool, fn func(fd int) bool) error {
	if write {
		s.file.SetWriteDeadline(deadline)
	} else {
		s.file.SetReadDeadline(deadline)
	}
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

// outcome is what one try decided, before it becomes a Try.
type outcome struct {
	signal Signal
	icmp   *ICMPError
	err    error
}

// fromQueue turns an error-queue entry into an outcome.
func fromQueue(q *queuedError) outcome {
	if q.icmp != nil {
		return outcome{signal: ICMP, icmp: q.icmp}
	}
	return outcome{signal: Local, err: q.errno}
}

// tcpTry makes one TCP connect to target. On SYN-ACK it returns the open
// socket, for reading a banner; the caller closes it.
func tcpTry(ctx context.Context, newSocket SocketFunc, target, src netip.AddrPort, timeout time.Duration) (outcome, *probeSocket) {
	sock, err := openSocket(newSocket, unix.SOCK_STREAM, target, src)
	if err != nil {
		return localOutcome(err), nil
	}
	var out outcome
	err = sock.await(ctx, time.Now().Add(timeout), true, func(fd int) bool {
		if q := readErrQueue(fd); q != nil {
			out = fromQueue(q)
			return true
		}
		soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			out = outcome{signal: Local, err: err}
			return true
		}
		switch e := unix.Errno(soerr); e {
		case 0:
			if _, err := unix.Getpeername(fd); err == nil {
				out = outcome{signal: SynAck}
				return true
			}
			return false
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			return false
		case unix.ECONNREFUSED:
			// The ICMP that refused it may have been queued since the
			// first look; only an empty queue means a RST.
			if q := readErrQueue(fd); q != nil {
				out = fromQueue(q)
			} else {
				out = outcome{signal: Reset}
			}
			return true
		default:
			if q := readErrQueue(fd); q != nil {
				out = fromQueue(q)
			} else {
				out = outcome{signal: Local, err: e}
			}
			return true
		}
	})
	if err != nil {
		sock.Close()
		return waitOutcome(err), nil
	}
	if out.signal != SynAck {
		sock.Close()
		return out, nil
	}
	return out, sock
}

// readBanner reads what a server sends first, until the deadline or as
// soon as anything arrives.
func readBanner(ctx context.Context, sock *probeSocket, timeout time.Duration) []byte {
	buf := make([]byte, 512)
	var n int
	sock.await(ctx, time.Now().Add(timeout), false, func(fd int) bool {
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
	s, err := openSocket(newSocket, unix.SOCK_DGRAM, target, src)
	if err != nil {
		return nil, err
	}
	return &udpSocket{probeSocket: s}, nil
}

// try sends payload and waits for a datagram or an error.
func (u *udpSocket) try(ctx context.Context, payload []byte, timeout time.Duration) (outcome, []byte) {
	deadline := time.Now().Add(timeout)
	var out outcome
	sent := false
	err := u.await(ctx, deadline, true, func(fd int) bool {
		_, err := unix.Write(fd, payload)
		switch {
		case err == unix.EAGAIN:
			return false
		case err == nil:
			sent = true
		default:
			// A pending error from an earlier try's ICMP surfaces here.
			if q := readErrQueue(fd); q != nil {
				out = fromQueue(q)
			} else {
				out = outcome{signal: Local, err: err}
			}
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
	err = u.await(ctx, deadline, false, func(fd int) bool {
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
			if q := readErrQueue(fd); q != nil {
				out = fromQueue(q)
			} else {
				out = outcome{signal: Local, err: err}
			}
		}
		return true
	})
	if err != nil {
		return waitOutcome(err), nil
	}
	return out, reply
}

func localOutcome(err error) outcome { return outcome{signal: Local, err: err} }

// waitOutcome maps a failed wait: a deadline is silence; anything else,
// such as cancellation, is passed on as a local error.
func waitOutcome(err error) outcome {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return outcome{signal: Silence}
	}
	return localOutcome(err)
}
