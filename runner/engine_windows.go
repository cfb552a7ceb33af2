package runner

import (
	"net"
	"syscall"
	"unsafe"
)

// sioTCPInitialRTO is SIO_TCP_INITIAL_RTO (mstcpip.h), and
// noSYNRetransmissions its TCP_INITIAL_RTO_NO_SYN_RETRANSMISSIONS: a
// connect that draws a RST ends at once, rather than after Windows' own
// retries of about a second, which a probe's timeout would take for
// silence.
const (
	sioTCPInitialRTO     = syscall.IOC_IN | syscall.IOC_VENDOR | 17
	noSYNRetransmissions = 0xFE
	unspecifiedRTT       = 0xFFFF // TCP_INITIAL_RTO_UNSPECIFIED_RTT: the default
)

// controlTCP asks Windows to end a refused connect at once. Where the
// OS does not know the request (before Windows 10 1703), the connect
// fails instead of waiting: a probe must not mistake Windows' retries
// for silence.
func controlTCP(_, _ string, c syscall.RawConn) error {
	var ioctlErr error
	err := c.Control(func(fd uintptr) {
		params := struct {
			rtt                   uint16
			maxSynRetransmissions uint8
		}{rtt: unspecifiedRTT, maxSynRetransmissions: noSYNRetransmissions}
		var ret uint32
		ioctlErr = syscall.WSAIoctl(syscall.Handle(fd), sioTCPInitialRTO, (*byte)(unsafe.Pointer(&params)), uint32(unsafe.Sizeof(params)), nil, 0, &ret, nil, 0)
	})
	if err != nil {
		return err
	}
	return ioctlErr
}

// reportRefusals turns back on what Go turns off for every UDP socket on
// Windows (go.dev/issue/5834): an ICMP port unreachable reported as
// WSAECONNRESET, which is how PortQry says NOT LISTENING.
func reportRefusals(conn *net.UDPConn) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var ioctlErr error
	err = raw.Control(func(fd uintptr) {
		flag, ret := uint32(1), uint32(0)
		ioctlErr = syscall.WSAIoctl(syscall.Handle(fd), syscall.SIO_UDP_CONNRESET, (*byte)(unsafe.Pointer(&flag)), uint32(unsafe.Sizeof(flag)), nil, 0, &ret, nil, 0)
	})
	if err != nil {
		return err
	}
	return ioctlErr
}
