package runner

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/spec"
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

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// labHost makes checks without a spec file.
var labHost = &spec.Host{Name: "server"}

func labCheck(addr netip.Addr, proto spec.Protocol, port uint16, e *spec.Expectation) spec.Check {
	if e == nil {
		e = &spec.Expectation{Protocol: proto}
	}
	return spec.Check{Host: labHost, Addr: addr, Protocol: proto, Port: port, Expect: e}
}

func runChecks(t *testing.T, l *lab.Lab, opts Options, checks []spec.Check) []Result {
	t.Helper()
	results, _ := runStats(t, l, opts, checks)
	return results
}

// runStats is runChecks with the run's stats.
func runStats(t *testing.T, l *lab.Lab, opts Options, checks []spec.Check) ([]Result, Stats) {
	t.Helper()
	opts.Socket = l.Socket
	var results []Result
	r := New(opts)
	err := r.Run(context.Background(), func(yield func(spec.Check) bool) {
		for _, c := range checks {
			if !yield(c) {
				return
			}
		}
	}, func(r Result) { results = append(results, r) })
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(checks) {
		t.Fatalf("%d results for %d checks", len(results), len(checks))
	}
	for i := range checks {
		if results[i].Check.Port != checks[i].Port || results[i].Check.Protocol != checks[i].Protocol || results[i].Check.Addr != checks[i].Addr {
			t.Fatalf("result %d is for %s/%d, want %s/%d: out of order", i, results[i].Check.Protocol, results[i].Check.Port, checks[i].Protocol, checks[i].Port)
		}
	}
	return results, r.Stats()
}

// TestLabVerdictTable probes one port per row of the verdict table, over
// IPv4 and IPv6, with real listeners and real nftables rules, all at once
// (so the server's ICMP rate limit is in play as well).
func TestLabVerdictTable(t *testing.T) {
	l := verdictLab(t)
	type row struct {
		proto      spec.Protocol
		port       uint16
		want       Status
		signal     Signal
		icmpType4  int // -1: no ICMP expected
		icmpCode4  int
		icmpType6  int
		icmpCode6  int
		fromRouter bool
	}
	rows := []row{
		{spec.TCP, tcpOpen, Listening, SynAck, -1, 0, -1, 0, false},
		{spec.TCP, tcpClosed, NotListening, Reset, -1, 0, -1, 0, false},
		{spec.TCP, tcpDrop, Filtered, Silence, -1, 0, -1, 0, false},
		{spec.TCP, tcpReset, NotListening, Reset, -1, 0, -1, 0, false},
		{spec.TCP, tcpPortUnreach, NotListening, ICMP, 3, 3, 1, 4, false},
		{spec.TCP, tcpNetUnreach, Filtered, ICMP, 3, 0, 1, 0, false},
		{spec.TCP, tcpHostUnreach, Filtered, ICMP, 3, 1, 1, 3, false},
		{spec.TCP, tcpProtUnreach, Filtered, ICMP, 3, 2, 1, 5, false},
		{spec.TCP, tcpNetProhib, Filtered, ICMP, 3, 9, 1, 6, false},
		{spec.TCP, tcpHostProhib, Filtered, ICMP, 3, 10, 1, 1, false},
		{spec.TCP, tcpAdminProhib, Filtered, ICMP, 3, 13, 1, 1, false},
		{spec.TCP, tcpRouterPortUnreach, Filtered, ICMP, 3, 3, 1, 4, true},
		{spec.TCP, tcpTTLExceeded, Filtered, ICMP, 11, 0, 3, 0, true},
		{spec.UDP, 53, Listening, Reply, -1, 0, -1, 0, false},
		{spec.UDP, 123, Listening, Reply, -1, 0, -1, 0, false},
		{spec.UDP, 161, Listening, Reply, -1, 0, -1, 0, false},
		{spec.UDP, 7, Listening, Reply, -1, 0, -1, 0, false},
		{spec.UDP, udpSilent, ListeningOrFiltered, Silence, -1, 0, -1, 0, false},
		{spec.UDP, udpClosed, NotListening, ICMP, 3, 3, 1, 4, false},
		{spec.UDP, udpDrop, ListeningOrFiltered, Silence, -1, 0, -1, 0, false},
		{spec.UDP, udpPortUnreach, NotListening, ICMP, 3, 3, 1, 4, false},
		{spec.UDP, udpNetUnreach, Filtered, ICMP, 3, 0, 1, 0, false},
		{spec.UDP, udpHostUnreach, Filtered, ICMP, 3, 1, 1, 3, false},
		{spec.UDP, udpProtUnreach, Filtered, ICMP, 3, 2, 1, 5, false},
		{spec.UDP, udpNetProhib, Filtered, ICMP, 3, 9, 1, 6, false},
		{spec.UDP, udpHostProhib, Filtered, ICMP, 3, 10, 1, 1, false},
		{spec.UDP, udpAdminProhib, Filtered, ICMP, 3, 13, 1, 1, false},
		{spec.UDP, udpRouterPortUnreach, Filtered, ICMP, 3, 3, 1, 4, true},
		{spec.UDP, udpTTLExceeded, Filtered, ICMP, 11, 0, 3, 0, true},
	}
	banner := &spec.Expectation{Protocol: spec.TCP, Banner: regexp.MustCompile("^220 ")}
	var checks []spec.Check
	for _, a := range []netip.Addr{lab.Server4, lab.Server6} {
		for _, r := range rows {
			var e *spec.Expectation
			if r.port == tcpOpen && r.proto == spec.TCP {
				e = banner
			}
			checks = append(checks, labCheck(a, r.proto, r.port, e))
		}
	}
	start := time.Now()
	results := runChecks(t, l, Options{ProveSilence: true}, checks)
	t.Logf("%d checks in %s", len(checks), time.Since(start).Round(time.Millisecond))
	for _, r := range results {
		t.Logf("%s %s/%d %s %s %v", r.Check.Addr, r.Check.Protocol, r.Check.Port, r.Status, r.Duration.Round(time.Millisecond), r.Evidence.Tries)
	}

	for i, res := range results {
		r := rows[i%len(rows)]
		v6 := res.Check.Addr.Is6()
		name := fmt.Sprintf("%s %s/%d", res.Check.Addr, r.proto, r.port)
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
		wantFrom := res.Check.Addr
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
		case res.Check.Protocol == spec.TCP && res.Check.Port == tcpOpen:
			if got := string(res.Evidence.Reply); got != "220 lab ESMTP\r\n" {
				t.Errorf("%s: banner %q", res.Check.Addr, got)
			}
		case res.Check.Port == 53:
			wantApp(t, res, "DNS reply, rcode NOERROR, 0 answers")
		case res.Check.Port == 123:
			wantApp(t, res, "NTP reply, stratum 2, reference 198.18.0.254")
		case res.Check.Port == 161:
			wantApp(t, res, "SNMP sysDescr: portspec lab agent")
		}
	}
}

func wantApp(t *testing.T, r Result, want string) {
	t.Helper()
	if r.Evidence.App != want {
		t.Errorf("%s udp/%d: app %q, want %q", r.Check.Addr, r.Check.Port, r.Evidence.App, want)
	}
}
