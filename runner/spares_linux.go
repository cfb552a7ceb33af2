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
// whose connect a RST or an ICMP error refused, to connect again:
// creating and closing a socket is about a quarter of what a refused port
// costs the kernel. A connect loop over P5's 1,038,352 closed ports from
// two threads took 11.7–12.0 s with a socket a port and 8.5 s with
// sockets disconnected and connected again (2026-12-04). A disconnected
// socket connects anew, from another ephemeral port.
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
// spares.
func newTCPSockets(newSocket SocketFunc, keep int) *tcpSockets {
	return &tcpSockets{newSocket: newSocket, keep: keep, spare: map[spareKey]*spareList{}}
}

// dial starts a connect to target from src on a spare socket kept for
// them, or on a new one.
func (s *tcpSockets) dial(target, src netip.AddrPort) (int, error) {
	domain := domainOf(target.Addr())
	fd, ok := s.take(spareKey{target.Addr(), src})
	if !ok {
		var err error
		if fd, err = s.open(domain, src); err != nil {
			return -1, err
		}
	}
	return connect(fd, domain, target)
}

// open makes a new socket. When the process is out of file descriptors,
// the spares are given up first.
func (s *tcpSockets) open(domain int, src netip.AddrPort) (int, error) {
	fd, err := openSocket(s.newSocket, domain, unix.SOCK_STREAM, src)
	if (errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE)) && s.release() > 0 {
		fd, err = openSocket(s.newSocket, domain, unix.SOCK_STREAM, src)
	}
	return fd, err
}

func (s *tcpSockets) take(key spareKey) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.spare[key]
	if l == nil {
		return -1, false
	}
	fd := l.fds[len(l.fds)-1]
	l.fds = l.fds[:len(l.fds)-1]
	s.held--
	s.reused++
	if len(l.fds) == 0 {
		delete(s.spare, key)
	}
	return fd, true
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
	s.clock++
	l := s.spare[key]
	if l == nil {
		l = &spareList{}
		s.spare[key] = l
	}
	if len(l.fds) >= maxSparePerTarget {
		s.mu.Unlock()
		s.closeAll([]int{fd})
		return
	}
	l.fds = append(l.fds, fd)
	l.used = s.clock
	s.held++
	var evicted []int
	if s.held > s.keep {
		evicted = s.evictLocked(key)
	}
	s.mu.Unlock()
	s.closeAll(evicted)
}

// evictLocked drops the spares of the list used longest ago, other than
// keep's, and returns them to be closed: a target that is done with has
// no more use for its sockets.
func (s *tcpSockets) evictLocked(keep spareKey) []int {
	var oldest spareKey
	var found *spareList
	for k, l := range s.spare {
		if k != keep && (found == nil || l.used < found.used) {
			oldest, found = k, l
		}
	}
	if found == nil {
		// Every spare is keep's: it gives up its oldest.
		l := s.spare[keep]
		fd := l.fds[0]
		l.fds = append(l.fds[:0], l.fds[1:]...)
		s.held--
		return []int{fd}
	}
	delete(s.spare, oldest)
	s.held -= len(found.fds)
	return found.fds
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
	s.closeAll(fds)
	return len(fds)
}

// close closes the spares at the end of a run.
func (s *tcpSockets) close() { s.release() }

// closeAll closes spares, which have left the list.
func (s *tcpSockets) closeAll(fds []int) {
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
