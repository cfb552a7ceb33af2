//go:build !linux || portspec_portable

package runner

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// defaultSocket is never called here: probes use the OS's ordinary
// sockets (engine_other.go).
var defaultSocket SocketFunc

// freebind is Linux's: elsewhere an address must be on an interface to be
// sent from, which CheckSources finds out.
func freebind(newSocket SocketFunc) SocketFunc { return newSocket }

// receivesAt sends a datagram to a, from a socket bound to a, and reports
// whether it arrived.
func receivesAt(_ SocketFunc, a netip.Addr) error {
	recv, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, 0)))
	if err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	defer recv.Close()
	send, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(recv.LocalAddr().(*net.UDPAddr).AddrPort()))
	if err != nil {
		return err
	}
	defer send.Close()
	const hello = "portspec source check"
	if _, err := send.Write([]byte(hello)); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	recv.SetReadDeadline(time.Now().Add(checkTimeout))
	buf := make([]byte, len(hello))
	for {
		n, err := recv.Read(buf)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return errors.New("a datagram sent to it did not arrive")
		case err != nil:
			return err
		case string(buf[:n]) == hello:
			return nil
		}
	}
}
