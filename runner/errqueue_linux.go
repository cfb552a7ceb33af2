//go:build !portspec_portable

package runner

import (
	"encoding/binary"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// queuedError is one entry of a socket's error queue: an ICMP error, or a
// local one such as a message too big for the path.
type queuedError struct {
	icmp  *ICMPError
	errno unix.Errno
}

const extendedErrSize = int(unsafe.Sizeof(unix.SockExtendedErr{}))

// readErrQueue drains the socket's error queue (IP_RECVERR must be set) and
// returns its first ICMP error, else its first local error, else nil.
func readErrQueue(fd int) *queuedError {
	var first *queuedError
	var data [64]byte
	var oob [256]byte
	for {
		_, oobn, _, _, err := unix.Recvmsg(fd, data[:], oob[:], unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
		if err != nil {
			return first // EAGAIN: the queue is empty
		}
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			continue
		}
		for _, m := range msgs {
			e := parseExtendedErr(m)
			if e != nil && (first == nil || first.icmp == nil && e.icmp != nil) {
				first = e
			}
		}
	}
}

func parseExtendedErr(m unix.SocketControlMessage) *queuedError {
	isV4 := m.Header.Level == unix.SOL_IP && m.Header.Type == unix.IP_RECVERR
	isV6 := m.Header.Level == unix.SOL_IPV6 && m.Header.Type == unix.IPV6_RECVERR
	if !isV4 && !isV6 || len(m.Data) < extendedErrSize {
		return nil
	}
	ee := (*unix.SockExtendedErr)(unsafe.Pointer(&m.Data[0]))
	q := &queuedError{errno: unix.Errno(ee.Errno)}
	if ee.Origin != unix.SO_EE_ORIGIN_ICMP && ee.Origin != unix.SO_EE_ORIGIN_ICMP6 {
		return q
	}
	q.icmp = &ICMPError{
		V6:   ee.Origin == unix.SO_EE_ORIGIN_ICMP6,
		Type: ee.Type,
		Code: ee.Code,
		From: offender(m.Data[extendedErrSize:]),
	}
	return q
}

// offender decodes SO_EE_OFFENDER: the sockaddr of the ICMP's sender that
// the kernel places right after the extended error.
func offender(sa []byte) netip.Addr {
	if len(sa) < 2 {
		return netip.Addr{}
	}
	switch binary.NativeEndian.Uint16(sa) {
	case unix.AF_INET:
		if len(sa) >= 8 {
			return netip.AddrFrom4([4]byte(sa[4:8]))
		}
	case unix.AF_INET6:
		if len(sa) >= 24 {
			return netip.AddrFrom16([16]byte(sa[8:24]))
		}
	}
	return netip.Addr{}
}
