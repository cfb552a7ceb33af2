package runner

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/portspec/portspec/verdict"
)

// TestErrnoOutcome holds each OS's numbers for the errors its ordinary
// sockets give to what a try saw, and what that makes of the port: a
// refusal is NOT LISTENING on every OS and protocol, said as "refused"
// since no OS but Linux says by whom; a timeout is silence; an unreachable
// host or network is an error, never FILTERED, for the OS does not say
// whether a router sent it or the local stack decided it.
func TestErrnoOutcome(t *testing.T) {
	type want struct {
		signal Signal
		status verdict.Status
	}
	refused := want{Refused, verdict.NotListening}
	silence := want{Silence, verdict.Filtered}
	local := want{Local, verdict.Error}
	for _, tc := range []struct {
		goos    string
		udp     bool
		errno   uintptr
		name    string
		outcome want
	}{
		{"windows", false, 10061, "WSAECONNREFUSED", refused},
		{"windows", true, 10054, "WSAECONNRESET", refused}, // PortQry's NOT LISTENING for UDP
		{"windows", false, 10054, "WSAECONNRESET", local},  // a connection reset by its peer is no connect's answer
		{"windows", false, 10060, "WSAETIMEDOUT", silence},
		{"windows", false, 10065, "WSAEHOSTUNREACH", local},
		{"windows", true, 10051, "WSAENETUNREACH", local},
		{"darwin", false, 61, "ECONNREFUSED", refused},
		{"darwin", true, 61, "ECONNREFUSED", refused},
		{"darwin", false, 60, "ETIMEDOUT", silence},
		{"darwin", false, 65, "EHOSTUNREACH", local},
		{"darwin", true, 64, "EHOSTDOWN", local},
		{"darwin", false, 111, "(Linux's ECONNREFUSED)", local},
		{"freebsd", false, 61, "ECONNREFUSED", refused},
		{"freebsd", true, 61, "ECONNREFUSED", refused},
		{"freebsd", false, 51, "ENETUNREACH", local},
		{"linux", false, 111, "ECONNREFUSED", refused},
		{"linux", true, 111, "ECONNREFUSED", refused},
		{"linux", false, 110, "ETIMEDOUT", silence},
		{"linux", false, 113, "EHOSTUNREACH", local},
		{"linux", false, 61, "(the BSDs' ECONNREFUSED)", local},
	} {
		err := errors.New(tc.name)
		out := errnoOutcome(tc.goos, tc.udp, tc.errno, err)
		proto := verdict.TCP
		if tc.udp {
			proto = verdict.UDP
		}
		status := classify(proto, out.signal, out.icmp, netip.MustParseAddr("198.18.0.2"))
		if out.signal != tc.outcome.signal || status != tc.outcome.status || out.icmp != nil {
			t.Errorf("%s %s %s (%d): %s, %s; want %s, %s", tc.goos, proto, tc.name, tc.errno, out.signal, status, tc.outcome.signal, tc.outcome.status)
		}
		if out.signal == Local && !errors.Is(out.err, err) {
			t.Errorf("%s %s: the error is lost: %v", tc.goos, tc.name, out.err)
		}
	}
}
