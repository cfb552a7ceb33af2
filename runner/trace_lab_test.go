//go:build linux

package runner

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/verdict"
)

// hopsText is a trace as one line a hop: "1 ICMP 11/0 198.18.0.254",
// "3 silence proven".
func hopsText(t *Trace) string {
	var lines []string
	for _, h := range append(append([]Hop(nil), t.Hops...), refHops(t)...) {
		line := fmt.Sprintf("%d %s", h.TTL, h.Signal)
		if h.ICMP != nil {
			line += fmt.Sprintf(" %d/%d", h.ICMP.Type, h.ICMP.Code)
		}
		if h.From.IsValid() {
			line += " " + h.From.String()
		}
		if h.Signal == Silence && h.Proven {
			line += " proven"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// TestTraceLab traces failed checks through the chain lab, client → r1 →
// r2 → server, on both families: r2 dropping all traffic to one of the
// server's addresses, and one port to the other (where the reference
// port, answering at TTL 3, shows that the probe dies at hop 3, whether
// at r2's forwarding or the server: from outside the two are one), a
// reject at r1 (which
// answers TTL 1 with time-exceeded before its forward chain sees the
// probe), and a server that drops the port itself while another port
// answers, which the reference hop shows to be hop 3. Checks that pass,
// or whose expectation is met by FILTERED, are not traced; nor are more
// than the limit.
func TestTraceLab(t *testing.T) {
	besideOthers(t)
	l := lab.NewChain(t)
	const (
		dropAtR2   = 9001
		rejectAtR1 = 9002
		dropAtSrv  = 9003
		listening  = 22
	)
	rules := func(chain, hook, body string) string {
		return fmt.Sprintf("table inet lab {\n  chain %s {\n    type filter hook %s priority 0; policy accept;\n%s\n  }\n}", chain, hook, body)
	}
	if err := l.Nft(l.Router, rules("forward", "forward", fmt.Sprintf("    tcp dport %d reject with icmpx type admin-prohibited", rejectAtR1))); err != nil {
		t.Fatal(err)
	}
	if err := l.Nft(l.Router2, rules("forward", "forward", fmt.Sprintf("    tcp dport %d drop\n    ip daddr %s drop\n    ip6 daddr %s drop", dropAtR2, lab.CutServer4, lab.CutServer6))); err != nil {
		t.Fatal(err)
	}
	if err := l.Nft(l.Server, rules("input", "input", fmt.Sprintf("    tcp dport %d drop", dropAtSrv))); err != nil {
		t.Fatal(err)
	}
	for _, a := range []netip.Addr{lab.Server4, lab.Server6} {
		if err := l.ServeTCP(netip.AddrPortFrom(a, listening), ""); err != nil {
			t.Fatal(err)
		}
	}
	traced := &ProbeOptions{Timeout: 200 * time.Millisecond, SilenceFails: true}
	untraced := &ProbeOptions{Timeout: 200 * time.Millisecond}
	var probes []Probe
	for _, a := range []netip.Addr{lab.CutServer4, lab.CutServer6} {
		probes = append(probes, Probe{Addr: a, Proto: verdict.TCP, Port: listening, Opts: traced}, Probe{Addr: a, Proto: verdict.UDP, Port: 53, Opts: traced})
	}
	for _, a := range []netip.Addr{lab.Server4, lab.Server6} {
		probes = append(probes,
			Probe{Addr: a, Proto: verdict.TCP, Port: listening, Opts: traced},
			Probe{Addr: a, Proto: verdict.TCP, Port: dropAtR2, Opts: traced},
			Probe{Addr: a, Proto: verdict.TCP, Port: rejectAtR1, Opts: traced},
			Probe{Addr: a, Proto: verdict.TCP, Port: dropAtSrv, Opts: traced},
			Probe{Addr: a, Proto: verdict.TCP, Port: dropAtSrv, Opts: untraced})
	}
	// Hops are named by Options.ReverseName: here a table, not DNS.
	names := map[netip.Addr]string{lab.Router4: "r1.lab.example", lab.Transit2_6: "r2.lab.example"}
	results := runProbes(t, l, Options{TraceLimit: 20, ReverseName: func(a netip.Addr) string { return names[a] }}, probes)

	want := map[string]string{
		"198.18.1.3 22":    "1 ICMP 11/0 198.18.0.254\n2 ICMP 11/0 198.18.4.2\n3 silence proven\n4 silence proven",
		"198.18.1.3 53":    "1 ICMP 11/0 198.18.0.254\n2 ICMP 11/0 198.18.4.2\n3 silence proven\n4 silence proven",
		"2001:db8:2::3 22": "1 ICMP 3/0 2001:db8:1::fe\n2 ICMP 3/0 2001:db8:4::2\n3 silence proven\n4 silence proven",
		"2001:db8:2::3 53": "1 ICMP 3/0 2001:db8:1::fe\n2 ICMP 3/0 2001:db8:4::2\n3 silence proven\n4 silence proven",
		"198.18.1.2 9001":  "1 ICMP 11/0 198.18.0.254\n2 ICMP 11/0 198.18.4.2\n3 silence proven\n4 silence proven\n3 SYN-ACK 198.18.1.2",
		"198.18.1.2 9002":  "1 ICMP 11/0 198.18.0.254\n2 ICMP 3/13 198.18.0.254",
		// The reference port, tcp/22, answers at TTL 3: the server is hop 3.
		"198.18.1.2 9003":    "1 ICMP 11/0 198.18.0.254\n2 ICMP 11/0 198.18.4.2\n3 silence proven\n4 silence proven\n3 SYN-ACK 198.18.1.2",
		"2001:db8:2::2 9001": "1 ICMP 3/0 2001:db8:1::fe\n2 ICMP 3/0 2001:db8:4::2\n3 silence proven\n4 silence proven\n3 SYN-ACK 2001:db8:2::2",
		"2001:db8:2::2 9002": "1 ICMP 3/0 2001:db8:1::fe\n2 ICMP 1/1 2001:db8:1::fe",
		"2001:db8:2::2 9003": "1 ICMP 3/0 2001:db8:1::fe\n2 ICMP 3/0 2001:db8:4::2\n3 silence proven\n4 silence proven\n3 SYN-ACK 2001:db8:2::2",
	}
	for _, res := range results {
		if res.Trace == nil || res.Probe.Port != rejectAtR1 {
			continue
		}
		for _, h := range res.Trace.Hops {
			if want := names[h.From]; h.Name != want {
				t.Errorf("%s: hop %d (%s) named %q, want %q", res.Probe.Addr, h.TTL, h.From, h.Name, want)
			}
		}
	}
	for i, res := range results {
		key := fmt.Sprintf("%s %d", res.Probe.Addr, res.Probe.Port)
		w, wanted := want[key]
		switch {
		case res.Probe.Opts == untraced || !wanted:
			if res.Trace != nil {
				t.Errorf("%s (probe %d): traced, but it was not to be:\n%s", key, i, hopsText(res.Trace))
			}
		case res.Trace == nil:
			t.Errorf("%s: %s, not traced", key, res.Status)
		case hopsText(res.Trace) != w:
			t.Errorf("%s: trace\n%s\nwant\n%s", key, hopsText(res.Trace), w)
		}
	}
}

// TestTraceAfterAnotherScan: another scan has just spent r1's ICMP
// budget (twenty datagrams with TTL 1: Linux answers a burst of six, then
// one a second), so the trace's TTL 1 draws nothing at first. A trace
// that believed that silence would say nothing answered from hop 1 on;
// this one cannot prove it against r1's budget, sends TTL 1 again once
// the budget has refilled, and finds r1.
func TestTraceAfterAnotherScan(t *testing.T) {
	l := lab.NewChain(t)
	if err := l.Nft(l.Router2, "table inet lab {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n    ip daddr "+lab.CutServer4.String()+" drop\n  }\n}"); err != nil {
		t.Fatal(err)
	}
	fd, err := l.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TTL, 1); err != nil {
		t.Fatal(err)
	}
	to := &unix.SockaddrInet4{Port: 9, Addr: lab.CutServer4.As4()}
	for range 20 {
		if err := unix.Sendto(fd, []byte("another scan"), 0, to); err != nil {
			t.Fatal(err)
		}
	}
	// As many tries as a silence needs on a path the run knows nothing
	// of: it is believed after the sweep, and traced at once, while r1's
	// budget is still spent.
	tries, _ := proofsFor(0, 0, wrongProofOdds)
	probe := Probe{Addr: lab.CutServer4, Proto: verdict.TCP, Port: 22, Opts: &ProbeOptions{Timeout: 100 * time.Millisecond, Tries: tries, SilenceFails: true}}
	res := runProbes(t, l, Options{TraceLimit: 1}, []Probe{probe})[0]
	if res.Trace == nil {
		t.Fatalf("%s, not traced", res.Status)
	}
	hops := res.Trace.Hops
	if len(hops) < 2 || !hops[0].TimeExceeded() || hops[0].From != lab.Router4 || !hops[1].TimeExceeded() {
		t.Fatalf("trace:\n%s\nwant r1 then r2 answering", hopsText(res.Trace))
	}
	if hops[0].Tries < 2 {
		t.Errorf("hop 1 answered on try %d: r1's budget was not spent, so the test proves nothing", hops[0].Tries)
	}
}
