//go:build !portspec_portable

package runner

import (
	"errors"
	"net/netip"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// tcpSockets makes the sockets of TCP connect tries, and keeps those
// whose connect a RST or an ICMP error refused before connect() returned,
// as a near target's does, to connect again: creating and closing a
// socket is about a quarter of what a refused port costs the kernel. A
// connect loop over P5's 1,038,352 closed ports from two threads took
// 11.7–12.0 s with a socket a port and 8.5 s with sockets disconnected
// and connected again (2026-12-04). A disconnected socket connects anew,
// from another ephemeral port. A refusal that comes later, to a socket
// the poller waited on, closes it as before.
//
// A kept socket serves one target address only. Linux draws no fresh
// initial sequence number for a socket that connects again: it counts on
// from the last (by three, on 6.18), so whoever saw one of its SYNs could
// forge the SYN-ACK of its next and make a closed port pass as listening.
// Kept for one target, a socket's SYNs are seen only by that target and
// the path to it, which could answer for the port anyway.
type tcpSockets struct {
	newSocket SocketFunc
	// keep is how many spare sockets may be held in all; 0 keeps none.
	keep int
	// limit bounds the spares and the sockets of the probes that hold a
	// slot (inUse) together: a new socket gives up a spare first when
	// they would pass it. 0 for no bound.
	limit int
	inUse func() int

	mu    sync.Mutex
	spare map[spareKey]*spareList
	held  int    // spare sockets held
	clock uint64 // counts takes and gives, to find the longest unused list
	// reused counts the connects made on a kept socket, for the tests.
	reused int
}

type spareKey struct {
	target netip.Addr
	src    netip.AddrPort
}

type spareList struct {
	fds  []int
	used uint64 // clock when last taken from or given to
}

// maxSparePerTarget is the most spare sockets kept for one target and
// source: no more connects than maxRunning are ever made at once without
// waiting, and only those end quick enough to be given back.
const maxSparePerTarget = maxRunning

// newTCPSockets makes sockets with newSocket and keeps at most keep
// spares; with limit set, no more than limit less inUse().
func newTCPSockets(newSocket SocketFunc, keep, limit int, inUse func() int) *tcpSockets {
	return &tcpSockets{newSocket: newSocket, keep: keep, limit: limit, inUse: inUse, spare: map[spareKey]*spareList{}}
}

// dial starts a connect to target from src on a spare socket kept for
// them, or on a new one.
func (s *tcpSockets) dial(target, src netip.AddrPort) (int, error) {
	domain := domainOf(target.Addr())
	fd, evicted := s.take(spareKey{target.Addr(), src})
	closeAll(evicted)
	if fd < 0 {
		var err error
		if fd, err = s.open(domain, src); err != nil {
			return -1, err
		}
	}
	return connect(fd, domain, target)
}

// open makes a new socket; when the process is out of file descriptors,
// the spares go first.
func (s *tcpSockets) open(domain int, src netip.AddrPort) (int, error) {
	fd, err := openSocket(s.newSocket, domain, unix.SOCK_STREAM, src)
	if (errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE)) && s.release() > 0 {
		fd, err = openSocket(s.newSocket, domain, unix.SOCK_STREAM, src)
	}
	return fd, err
}

// take returns a spare kept for key, or -1 and, under one lock, the
// spares to close to make room for a new socket: those past the limit of
// the probes' sockets and the spares together.
func (s *tcpSockets) take(key spareKey) (fd int, evicted []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.spare[key]
	if l == nil {
		for s.limit > 0 && s.held > 0 && s.inUse()+s.held >= s.limit {
			evicted = append(evicted, s.evictLocked(spareKey{}))
		}
		return -1, evicted
	}
	s.clock++
	l.used = s.clock
	fd = l.fds[len(l.fds)-1]
	l.fds = l.fds[:len(l.fds)-1]
	s.held--
	s.reused++
	if len(l.fds) == 0 {
		delete(s.spare, key)
	}
	return fd, nil
}

// give takes back fd, whose connect from src to target ended as out: a
// refused one is disconnected and kept, anything else closed. The error
// queue has been read to its end by then (queuedOr), so nothing of this
// connect is left to be taken for the next one's.
func (s *tcpSockets) give(fd int, target, src netip.AddrPort, out outcome) {
	if s.keep == 0 || out.signal != Reset && out.signal != ICMP || disconnect(fd) != nil {
		unix.Close(fd)
		return
	}
	key := spareKey{target.Addr(), src}
	s.mu.Lock()
	l := s.spare[key]
	if l == nil {
		l = &spareList{}
		s.spare[key] = l
	}
	if len(l.fds) >= maxSparePerTarget {
		s.mu.Unlock()
		unix.Close(fd)
		return
	}
	s.clock++
	l.used = s.clock
	l.fds = append(l.fds, fd)
	s.held++
	evicted := -1
	if s.held > s.keep {
		evicted = s.evictLocked(key)
	}
	s.mu.Unlock()
	if evicted >= 0 {
		unix.Close(evicted)
	}
}

// evictLocked takes a spare out to be closed, one of the list used
// longest ago other than keep's if there is one: a target done with has
// no more use for its sockets, and one swept with many others loses one
// socket, not all of them. s.held must be above 0.
func (s *tcpSockets) evictLocked(keep spareKey) int {
	var oldest spareKey
	var found *spareList
	for k, l := range s.spare {
		if k != keep && (found == nil || l.used < found.used) {
			oldest, found = k, l
		}
	}
	if found == nil {
		oldest, found = keep, s.spare[keep]
	}
	fd := found.fds[0]
	found.fds = found.fds[1:]
	if len(found.fds) == 0 {
		delete(s.spare, oldest)
	}
	s.held--
	return fd
}

// release closes every spare socket and says how many there were.
func (s *tcpSockets) release() int {
	s.mu.Lock()
	var fds []int
	for _, l := range s.spare {
		fds = append(fds, l.fds...)
	}
	clear(s.spare)
	s.held = 0
	s.mu.Unlock()
	closeAll(fds)
	return len(fds)
}

// close closes the spares at the end of a run.
func (s *tcpSockets) close() { s.release() }

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// disconnect ends a socket's association, as connect(2) with AF_UNSPEC
// does, so that it can connect again (x/sys/unix has no Sockaddr for it).
func disconnect(fd int) error {
	sa := unix.RawSockaddrInet4{Family: unix.AF_UNSPEC}
	_, _, errno := unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unsafe.Sizeof(sa))
	if errno != 0 {
		return errno
	}
	return nil
}
