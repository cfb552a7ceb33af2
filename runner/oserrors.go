package runner

// errnoKind is what a socket error means to a probe, whatever number an
// OS gives it.
type errnoKind uint8

const (
	errnoOther       errnoKind = iota
	errnoRefused               // ECONNREFUSED, WSAECONNREFUSED
	errnoReset                 // ECONNRESET, WSAECONNRESET
	errnoHostUnreach           // EHOSTUNREACH, WSAEHOSTUNREACH
	errnoNetUnreach            // ENETUNREACH, WSAENETUNREACH
	errnoHostDown              // EHOSTDOWN, WSAEHOSTDOWN
	errnoTimedOut              // ETIMEDOUT, WSAETIMEDOUT
)

// osErrnos are each OS's numbers for the errors a probe tells apart, from
// its headers: Linux's asm-generic/errno.h, the BSDs' and macOS's
// sys/errno.h, and Windows' winsock2.h.
var osErrnos = map[string]map[uintptr]errnoKind{
	"linux":   {111: errnoRefused, 104: errnoReset, 113: errnoHostUnreach, 101: errnoNetUnreach, 112: errnoHostDown, 110: errnoTimedOut},
	"darwin":  {61: errnoRefused, 54: errnoReset, 65: errnoHostUnreach, 51: errnoNetUnreach, 64: errnoHostDown, 60: errnoTimedOut},
	"freebsd": {61: errnoRefused, 54: errnoReset, 65: errnoHostUnreach, 51: errnoNetUnreach, 64: errnoHostDown, 60: errnoTimedOut},
	"windows": {10061: errnoRefused, 10054: errnoReset, 10065: errnoHostUnreach, 10051: errnoNetUnreach, 10064: errnoHostDown, 10060: errnoTimedOut},
}

// errnoOutcome is what an error from the OS's ordinary sockets says of
// a try, on goos: a TCP connect's (udp false), or a connected UDP
// socket's after a datagram was sent. The ordinary sockets do not say
// which ICMP error, or who sent it, so none is claimed:
//   - a TCP connect refused is a RST, or on macOS and the BSDs possibly
//     an ICMP port unreachable: both NOT LISTENING, and said as
//     "refused";
//   - a UDP socket refused (ECONNREFUSED; WSAECONNRESET on Windows, as
//     PortQry reads it) is an ICMP port unreachable from someone;
//   - unreachable host or network is an ICMP error from someone, or the
//     local stack's own: an error, never a state.
func errnoOutcome(goos string, udp bool, errno uintptr, err error) outcome {
	switch kind := osErrnos[goos][errno]; {
	case kind == errnoRefused && !udp:
		return outcome{signal: Refused}
	case kind == errnoRefused && udp, kind == errnoReset && udp:
		return outcome{signal: Refused}
	case kind == errnoTimedOut:
		return outcome{signal: Silence}
	}
	return outcome{signal: Local, err: err}
}
