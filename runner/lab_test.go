//go:build linux

package runner

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/verdict"
)

// The verdict-table lab: a port per row of the table, on both families.
const (
	tcpOpen = 1000 + iota
	tcpClosed
	tcpDrop
	tcpReset
	tcpPortUnreach
	tcpNetUnreach
	tcpHostUnreach
	tcpProtUnreach
	tcpNetProhib
	tcpHostProhib
	tcpAdminProhib
	tcpRouterPortUnreach
	tcpTTLExceeded
)

const (
	udpSilent = 2000 + iota
	udpClosed
	udpDrop
	_
	udpPortUnreach
	udpNetUnreach
	udpHostUnreach
	udpProtUnreach
	udpNetProhib
	udpHostProhib
	udpAdminProhib
	udpRouterPortUnreach
	udpTTLExceeded
)

// rejectRules returns nft rules rejecting port+offset with each ICMP code,
// for IPv4 and IPv6 (nft has no ICMPv6 twin for every ICMP code, so some
// rows use the nearest one).
func rejectRules(proto string, base int) string {
	v4 := []string{"port-unreachable", "net-unreachable", "host-unreachable", "prot-unreachable", "net-prohibited", "host-prohibited", "admin-prohibited"}
	v6 := []string{"port-unreachable", "no-route", "addr-unreachable", "policy-fail", "reject-route", "admin-prohibited", "admin-prohibited"}
	var b strings.Builder
	for i := range v4 {
		fmt.Fprintf(&b, "meta nfproto ipv4 %s dport %d reject with icmp type %s\n", proto, base+i, v4[i])
		fmt.Fprintf(&b, "meta nfproto ipv6 %s dport %d reject with icmpv6 type %s\n", proto, base+i, v6[i])
	}
	return b.String()
}

func verdictLab(t *testing.T) *lab.Lab {
	l := lab.New(t)
	server := fmt.Sprintf(`table inet lab {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport %d drop
    tcp dport %d reject with tcp reset
    udp dport %d drop
    %s
    %s
  }
}`, tcpDrop, tcpReset, udpDrop, rejectRules("tcp", tcpPortUnreach), rejectRules("udp", udpPortUnreach))
	router := fmt.Sprintf(`table inet lab {
  chain forward {
    type filter hook forward priority 0; policy accept;
    tcp dport %d reject with icmpx type port-unreachable
    udp dport %d reject with icmpx type port-unreachable
  }
  chain prerouting {
    type filter hook prerouting priority -150; policy accept;
    meta nfproto ipv4 th dport { %d, %d } ip ttl set 1
    meta nfproto ipv6 th dport { %d, %d } ip6 hoplimit set 1
  }
}`, tcpRouterPortUnreach, udpRouterPortUnreach, tcpTTLExceeded, udpTTLExceeded, tcpTTLExceeded, udpTTLExceeded)
	must(t, l.Nft(l.Server, server))
	must(t, l.Nft(l.Router, router))
	for _, a := range []netip.Addr{lab.Server4, lab.Server6} {
		must(t, l.ServeTCP(netip.AddrPortFrom(a, tcpOpen), "220 lab ESMTP\r\n"))
		must(t, l.ServeUDP(netip.AddrPortFrom(a, udpSilent), nil))
		must(t, l.ServeUDP(netip.AddrPortFrom(a, 53), lab.DNS))
		must(t, l.ServeUDP(netip.AddrPortFrom(a, 123), lab.NTP))
		must(t, l.ServeUDP(netip.AddrPortFrom(a, 161), lab.SNMP("portspec lab agent")))
		must(t, l.ServeUDP(netip.AddrPortFrom(a, 7), lab.Echo))
	}
	return l
}

// besideOthers lets a lab test whose time goes to waiting for a target's
// ICMP rate limit, not to the CPU, run beside the others that do (make
// test's -parallel 4), where that cannot change what it measures:
//   - the limits it waits for must be its server namespace's own: the one
//     a peer always is, and the host-wide credit is since Linux 6.12 (on
//     6.18, two namespaces drawing port unreachables at once got 165 and
//     161 errors in 0.13 s, one alone 175);
//   - four runs at their default concurrency, a socket a probe, must fit
//     the open-file limit with room for the listeners.
//
// Elsewhere it runs alone, as before. A test that counts the process's
// goroutines or descriptors, changes a package variable, bounds its own
// time or races a budget's refill never calls it.
func besideOthers(t *testing.T) {
	if sideBySide() {
		t.Parallel()
	}
}

var sideBySide = sync.OnceValue(func() bool {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 4*(uint64(DefaultConcurrency())+512) {
		return false
	}
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	var major, minor int
	if _, err := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 6 || major == 6 && minor >= 12
})

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// labProbe is a probe of the lab's server, whose two addresses are one
// machine with one ICMP budget.
func labProbe(addr netip.Addr, proto verdict.Protocol, port uint16, opts ProbeOptions) Probe {
	return Probe{Addr: addr, Proto: proto, Port: port, Opts: &opts, Group: "host server"}
}

// portProbes probes ports from to to of addr, each with opts.
func portProbes(addr netip.Addr, proto verdict.Protocol, from, to uint16, opts ProbeOptions) []Probe {
	var out []Probe
	for p := from; p <= to; p++ {
		out = append(out, labProbe(addr, proto, p, opts))
	}
	return out
}

func runProbes(t *testing.T, l *lab.Lab, opts Options, probes []Probe) []Result {
	t.Helper()
	results, _ := runStats(t, l, opts, probes)
	return results
}

// runStats is runChecks with the run's stats.
func runStats(t *testing.T, l *lab.Lab, opts Options, checks []Probe) ([]Result, Stats) {
	t.Helper()
	results, r := runRunner(t, l, opts, checks)
	return results, r.Stats()
}

// runRunner is runStats with the runner, to look inside it after the run.
func runRunner(t *testing.T, l *lab.Lab, opts Options, checks []Probe) ([]Result, *Runner) {
	t.Helper()
	if opts.Socket == nil {
		opts.Socket = l.Socket
	}
	var results []Result
	r := New(opts)
	err := r.Run(context.Background(), slices.Values(checks), func(r Result) { results = append(results, r) })
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(checks) {
		t.Fatalf("%d results for %d checks", len(results), len(checks))
	}
	for i := range checks {
		if results[i].Probe.Port != checks[i].Port || results[i].Probe.Proto != checks[i].Proto || results[i].Probe.Addr != checks[i].Addr {
			t.Fatalf("result %d is for %s/%d, want %s/%d: out of order", i, results[i].Probe.Proto, results[i].Probe.Port, checks[i].Proto, checks[i].Port)
		}
	}
	return results, r
}

// TestLabVerdictTable probes one port per row of the verdict table, over
// IPv4 and IPv6, with real listeners and real nftables rules, all at once
// (so the server's ICMP rate limit is in play as well), with connects and
// with bare SYNs (Options.SYN): both must read every row alike.
func TestLabVerdictTable(t *testing.T) {
	besideOthers(t)
	l := verdictLab(t)
	t.Run("connect", func(t *testing.T) { verdictTable(t, l, false) })
	t.Run("SYN", func(t *testing.T) { verdictTable(t, l, true) })
}

func verdictTable(t *testing.T, l *lab.Lab, syn bool) {
	type row struct {
		proto      verdict.Protocol
		port       uint16
		want       verdict.Status
		signal     Signal
		icmpType4  int // -1: no ICMP expected
		icmpCode4  int
		icmpType6  int
		icmpCode6  int
		fromRouter bool
	}
	rows := []row{
		{verdict.TCP, tcpOpen, verdict.Listening, SynAck, -1, 0, -1, 0, false},
		{verdict.TCP, tcpClosed, verdict.NotListening, Reset, -1, 0, -1, 0, false},
		{verdict.TCP, tcpDrop, verdict.Filtered, Silence, -1, 0, -1, 0, false},
		{verdict.TCP, tcpReset, verdict.NotListening, Reset, -1, 0, -1, 0, false},
		{verdict.TCP, tcpPortUnreach, verdict.NotListening, ICMP, 3, 3, 1, 4, false},
		{verdict.TCP, tcpNetUnreach, verdict.Filtered, ICMP, 3, 0, 1, 0, false},
		{verdict.TCP, tcpHostUnreach, verdict.Filtered, ICMP, 3, 1, 1, 3, false},
		{verdict.TCP, tcpProtUnreach, verdict.Filtered, ICMP, 3, 2, 1, 5, false},
		{verdict.TCP, tcpNetProhib, verdict.Filtered, ICMP, 3, 9, 1, 6, false},
		{verdict.TCP, tcpHostProhib, verdict.Filtered, ICMP, 3, 10, 1, 1, false},
		{verdict.TCP, tcpAdminProhib, verdict.Filtered, ICMP, 3, 13, 1, 1, false},
		{verdict.TCP, tcpRouterPortUnreach, verdict.Filtered, ICMP, 3, 3, 1, 4, true},
		{verdict.TCP, tcpTTLExceeded, verdict.Filtered, ICMP, 11, 0, 3, 0, true},
		{verdict.UDP, 53, verdict.Listening, Reply, -1, 0, -1, 0, false},
		{verdict.UDP, 123, verdict.Listening, Reply, -1, 0, -1, 0, false},
		{verdict.UDP, 161, verdict.Listening, Reply, -1, 0, -1, 0, false},
		{verdict.UDP, 7, verdict.Listening, Reply, -1, 0, -1, 0, false},
		{verdict.UDP, udpSilent, verdict.ListeningOrFiltered, Silence, -1, 0, -1, 0, false},
		{verdict.UDP, udpClosed, verdict.NotListening, ICMP, 3, 3, 1, 4, false},
		{verdict.UDP, udpDrop, verdict.ListeningOrFiltered, Silence, -1, 0, -1, 0, false},
		{verdict.UDP, udpPortUnreach, verdict.NotListening, ICMP, 3, 3, 1, 4, false},
		{verdict.UDP, udpNetUnreach, verdict.Filtered, ICMP, 3, 0, 1, 0, false},
		{verdict.UDP, udpHostUnreach, verdict.Filtered, ICMP, 3, 1, 1, 3, false},
		{verdict.UDP, udpProtUnreach, verdict.Filtered, ICMP, 3, 2, 1, 5, false},
		{verdict.UDP, udpNetProhib, verdict.Filtered, ICMP, 3, 9, 1, 6, false},
		{verdict.UDP, udpHostProhib, verdict.Filtered, ICMP, 3, 10, 1, 1, false},
		{verdict.UDP, udpAdminProhib, verdict.Filtered, ICMP, 3, 13, 1, 1, false},
		{verdict.UDP, udpRouterPortUnreach, verdict.Filtered, ICMP, 3, 3, 1, 4, true},
		{verdict.UDP, udpTTLExceeded, verdict.Filtered, ICMP, 11, 0, 3, 0, true},
	}
	if syn {
		// SYNs change nothing of UDP's.
		rows = slices.DeleteFunc(rows, func(r row) bool { return r.proto == verdict.UDP })
	}
	var checks []Probe
	for _, a := range []netip.Addr{lab.Server4, lab.Server6} {
		for _, r := range rows {
			// A banner needs a connection: with SYN tries, the open port
			// must answer the SYN alone.
			opts := ProbeOptions{ProveSilence: true, ReadBanner: !syn && r.port == tcpOpen && r.proto == verdict.TCP}
			checks = append(checks, labProbe(a, r.proto, r.port, opts))
		}
	}
	start := time.Now()
	var streams atomic.Int64
	socket := func(domain, typ, proto int) (int, error) {
		if typ&0xf == unix.SOCK_STREAM {
			streams.Add(1)
		}
		return l.Socket(domain, typ, proto)
	}
	r := New(Options{SYN: syn, Socket: socket})
	var results []Result
	if err := r.Run(context.Background(), slices.Values(checks), func(res Result) { results = append(results, res) }); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d checks in %s, %d TCP sockets", len(checks), time.Since(start).Round(time.Millisecond), streams.Load())
	// SYN tries make no TCP socket but those that hold each family's
	// source ports; connects make one a try.
	tcpChecks := 0
	for _, c := range checks {
		if c.Proto == verdict.TCP {
			tcpChecks++
		}
	}
	if syn && streams.Load() != 2*synPorts || !syn && streams.Load() < int64(tcpChecks) {
		t.Errorf("%d TCP sockets for %d TCP checks", streams.Load(), tcpChecks)
	}
	for _, r := range results {
		t.Logf("%s %s/%d %s %s %v", r.Probe.Addr, r.Probe.Proto, r.Probe.Port, r.Status, r.Duration.Round(time.Millisecond), r.Evidence.Tries)
	}

	for i, res := range results {
		r := rows[i%len(rows)]
		v6 := res.Probe.Addr.Is6()
		name := fmt.Sprintf("%s %s/%d", res.Probe.Addr, r.proto, r.port)
		if res.Status != r.want || res.Evidence.Signal != r.signal {
			t.Errorf("%s: %s (%s), want %s (%s); tries: %v", name, res.Status, res.Evidence.Signal, r.want, r.signal, res.Evidence.Tries)
			continue
		}
		typ, code := r.icmpType4, r.icmpCode4
		if v6 {
			typ, code = r.icmpType6, r.icmpCode6
		}
		if typ < 0 {
			continue
		}
		ic := res.Evidence.ICMP
		wantFrom := res.Probe.Addr
		if r.fromRouter {
			wantFrom = lab.Router4
			if v6 {
				wantFrom = lab.Router6
			}
		}
		if ic == nil || int(ic.Type) != typ || int(ic.Code) != code || ic.V6 != v6 || ic.From != wantFrom {
			t.Errorf("%s: ICMP %v, want type %d code %d from %s", name, ic, typ, code, wantFrom)
		}
	}
	for _, res := range results {
		switch {
		case res.Probe.Proto == verdict.TCP && res.Probe.Port == tcpOpen && !syn:
			if got := string(res.Evidence.Reply); got != "220 lab ESMTP\r\n" {
				t.Errorf("%s: banner %q", res.Probe.Addr, got)
			}
		case res.Probe.Port == 53:
			wantApp(t, res, "DNS reply, rcode NOERROR, 0 answers")
		case res.Probe.Port == 123:
			wantApp(t, res, "NTP reply, stratum 2, reference 198.18.0.254")
		case res.Probe.Port == 161:
			wantApp(t, res, "SNMP sysDescr: portspec lab agent")
		}
	}
}

func wantApp(t *testing.T, r Result, want string) {
	t.Helper()
	if r.Evidence.App != want {
		t.Errorf("%s udp/%d: app %q, want %q", r.Probe.Addr, r.Probe.Port, r.Evidence.App, want)
	}
}

// TestLabSYNDroppedAnswers: with the raw socket's receive buffer at the
// kernel's least, a sweep of closed ports overflows it, and the kernel
// drops RSTs here that the target sent. Such a silence is this machine's,
// not the network's: no closed port may be called FILTERED. Each is NOT
// LISTENING or an error that says why. Before the drops were read, 2,528
// of the 3,000 were FILTERED.
func TestLabSYNDroppedAnswers(t *testing.T) {
	l := lab.New(t)
	defer func(n int) { synBuffer = n }(synBuffer)
	synBuffer = 1
	// One try a port, as a spec may ask: no second try hides a lost
	// answer.
	checks := portProbes(lab.Server4, verdict.TCP, 20000, 22999, ProbeOptions{Tries: 1})
	results := runProbes(t, l, Options{SYN: true}, checks)
	notListening, dropped := 0, 0
	for _, r := range results {
		switch {
		case r.Status == verdict.NotListening:
			notListening++
		case r.Status == verdict.Error && errors.Is(r.Err, errAnswersDropped):
			dropped++
		default:
			t.Errorf("tcp/%d: %s (%v), want NOT LISTENING or dropped answers; tries %v", r.Probe.Port, r.Status, r.Err, r.Evidence.Tries)
		}
	}
	t.Logf("%d closed ports: %d NOT LISTENING, %d errors for dropped answers", len(checks), notListening, dropped)
	if dropped == 0 {
		t.Error("no answer was dropped: the test's buffer did not overflow, and proves nothing")
	}
}

// TestLabSYNRetryAfterLostSYNACK: the target loses one SYN-ACK in four on
// its way out. The listener then holds the half-open request of a try
// whose answer was lost, and answers a later SYN on the same 4-tuple
// with a bare ACK, not a SYN-ACK: a retry from the same source port
// would be silent, and a listening port FILTERED. Each try of a check
// goes from the next port of the engine's block, so every port is
// LISTENING.
func TestLabSYNRetryAfterLostSYNACK(t *testing.T) {
	l := lab.New(t)
	for port := uint16(7000); port < 7040; port++ {
		must(t, l.ServeTCP(netip.AddrPortFrom(lab.Server4, port), ""))
	}
	must(t, l.Nft(l.Server, `table inet loss {
  chain output {
    type filter hook output priority 0; policy accept;
    tcp flags & (syn | ack) == syn | ack numgen random mod 4 0 drop
  }
}`))
	results := runProbes(t, l, Options{SYN: true}, portProbes(lab.Server4, verdict.TCP, 7000, 7039, ProbeOptions{}))
	retried := 0
	for _, r := range results {
		if r.Status != verdict.Listening {
			t.Errorf("tcp/%d: %s, want LISTENING; tries %v", r.Probe.Port, r.Status, r.Evidence.Tries)
		}
		if len(r.Evidence.Tries) > 1 {
			retried++
		}
	}
	t.Logf("40 listening ports, %d of them answered only a retry", retried)
	if retried == 0 {
		t.Error("no SYN-ACK was lost: the test proves nothing")
	}
}
