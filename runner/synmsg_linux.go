//go:build linux && !portspec_portable

package runner

import (
	"encoding/binary"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// synMessage is one SYN's sendmsg, built in place: the segment, the
// destination, and the source address it goes from (IP_PKTINFO). A sweep
// sends hundreds of thousands of them, and x/sys/unix's Sendmsg allocates
// the destination's and the control message's encodings for each; this
// is reused from try to try (synWait), so a send allocates nothing.
type synMessage struct {
	// One cmsghdr and an in_pktinfo or in6_pktinfo; first, so that the
	// header is aligned as the heap aligns the whole.
	oob   [64]byte
	msg   unix.Msghdr
	iov   unix.Iovec
	to    unix.RawSockaddrInet6 // or a RawSockaddrInet4 at its start
	seg   [24]byte
	errno unix.Errno
	// write is the raw socket's Write callback, made once so that a send
	// does not allocate a closure.
	write func(fd uintptr) bool
}

func newSYNMessage() *synMessage {
	m := &synMessage{}
	m.iov.Base = &m.seg[0]
	m.iov.SetLen(len(m.seg))
	m.msg.Iov = &m.iov
	m.msg.SetIovlen(1)
	m.msg.Name = (*byte)(unsafe.Pointer(&m.to))
	m.msg.Control = &m.oob[0]
	m.write = func(fd uintptr) bool {
		_, _, m.errno = unix.Syscall(unix.SYS_SENDMSG, fd, uintptr(unsafe.Pointer(&m.msg)), 0)
		return m.errno != unix.EAGAIN
	}
	return m
}

// build fills in the SYN from src and our port sport, with seq, to
// target. A raw socket's destination port must be 0: the port is the
// segment's.
func (m *synMessage) build(v6 bool, src netip.Addr, sport uint16, target netip.AddrPort, seq uint32) {
	seg := m.seg[:]
	clear(seg)
	binary.BigEndian.PutUint16(seg[0:], sport)
	binary.BigEndian.PutUint16(seg[2:], target.Port())
	binary.BigEndian.PutUint32(seg[4:], seq)
	seg[12] = 6 << 4 // a header of six words: one of options
	seg[13] = tcpSYN
	binary.BigEndian.PutUint16(seg[14:], 64240)
	seg[20], seg[21] = 2, 4 // MSS 1460, as a connect would say
	binary.BigEndian.PutUint16(seg[22:], 1460)
	binary.BigEndian.PutUint16(seg[16:], tcpChecksum(src, target.Addr(), seg))

	m.to = unix.RawSockaddrInet6{}
	clear(m.oob[:])
	h := (*unix.Cmsghdr)(unsafe.Pointer(&m.oob[0]))
	data := m.oob[unix.CmsgLen(0):]
	if v6 {
		m.to.Family = unix.AF_INET6
		m.to.Addr = target.Addr().As16()
		m.msg.Namelen = unix.SizeofSockaddrInet6
		h.Level, h.Type = unix.SOL_IPV6, unix.IPV6_PKTINFO
		h.SetLen(unix.CmsgLen(unix.SizeofInet6Pktinfo))
		*(*unix.Inet6Pktinfo)(unsafe.Pointer(&data[0])) = unix.Inet6Pktinfo{Addr: src.As16()}
		m.msg.SetControllen(unix.CmsgSpace(unix.SizeofInet6Pktinfo))
		return
	}
	to4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&m.to))
	to4.Family = unix.AF_INET
	to4.Addr = target.Addr().As4()
	m.msg.Namelen = unix.SizeofSockaddrInet4
	h.Level, h.Type = unix.SOL_IP, unix.IP_PKTINFO
	h.SetLen(unix.CmsgLen(unix.SizeofInet4Pktinfo))
	*(*unix.Inet4Pktinfo)(unsafe.Pointer(&data[0])) = unix.Inet4Pktinfo{Spec_dst: src.As4()}
	m.msg.SetControllen(unix.CmsgSpace(unix.SizeofInet4Pktinfo))
}

// recvSender reads one packet from fd into buf without waiting, and says
// who sent it, without allocating the socket address x/sys/unix's
// Recvfrom would.
func recvSender(fd int, buf []byte, from *unix.RawSockaddrAny) (int, netip.Addr, error) {
	size := uint32(unix.SizeofSockaddrAny)
	n, _, errno := unix.Syscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)),
		unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(from)), uintptr(unsafe.Pointer(&size)))
	if errno != 0 {
		return 0, netip.Addr{}, errno
	}
	switch from.Addr.Family {
	case unix.AF_INET:
		return int(n), netip.AddrFrom4((*unix.RawSockaddrInet4)(unsafe.Pointer(from)).Addr), nil
	case unix.AF_INET6:
		return int(n), netip.AddrFrom16((*unix.RawSockaddrInet6)(unsafe.Pointer(from)).Addr), nil
	}
	return int(n), netip.Addr{}, nil
}
