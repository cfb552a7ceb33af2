//go:build linux && portspec_portable

package runner

import (
	"context"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/needs"
	"github.com/portspec/portspec/verdict"
)

// The engine of every OS but Linux (engine_other.go: Go's net package,
// no error queue), built on Linux with the portspec_portable tag and run
// against real listeners and nftables rules on the loopback of a network
// namespace of its own (unshare --net): make portable-test. Linux's
// ordinary sockets say what macOS's and the BSDs' do: refused on a RST
// and on an ICMP port unreachable to a connected UDP socket,
// EHOSTUNREACH on an administratively prohibited one.

// portableChild marks the test binary run again inside its namespace.
const portableChild = "PORTSPEC_PORTABLE_CHILD"

func TestPortableEngine(t *testing.T) {
	if os.Getenv(portableChild) == "" {
		needs.Root(t, "make a network namespace")
		unshare := needs.Tool(t, "unshare", "Debian's util-linux")
		needs.Tool(t, "nft", "Debian's nftables")
		needs.Tool(t, "ip", "Debian's iproute2")
		cmd := exec.Command(unshare, "--net", os.Args[0], "-test.run=^TestPortableEngine$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), portableChild+"=1")
		out, err := cmd.CombinedOutput()
		t.Logf("in its own network namespace:\n%s", out)
		if err != nil {
			t.Fatalf("%v", err)
		}
		return
	}
	// Only ever in the namespace unshare made: lo is all there is.
	for _, args := range [][]string{
		{"ip", "link", "set", "lo", "up"},
		{"nft", "add table inet t; add chain inet t in { type filter hook input priority 0; }; " +
			"add rule inet t in tcp dport 7001 drop; add rule inet t in udp dport 7002 drop; " +
			"add rule inet t in tcp dport 7008 reject with icmpx type admin-prohibited; " +
			"add rule inet t in udp dport 7009 reject with icmpx type admin-prohibited"},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", args, err, out)
		}
	}
	for _, lo := range []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()} {
		tcp, err := net.Listen("tcp", netip.AddrPortFrom(lo, 7005).String())
		if err != nil {
			t.Fatal(err)
		}
		defer tcp.Close()
		go func() {
			for {
				c, err := tcp.Accept()
				if err != nil {
					return
				}
				c.Write([]byte("220 portable\r\n"))
				c.Close()
			}
		}()
		udp, err := net.ListenPacket("udp", netip.AddrPortFrom(lo, 7006).String())
		if err != nil {
			t.Fatal(err)
		}
		defer udp.Close()
		go func() {
			buf := make([]byte, 2048)
			for {
				n, from, err := udp.ReadFrom(buf)
				if err != nil {
					return
				}
				udp.WriteTo(buf[:n], from)
			}
		}()
	}
	type want struct {
		status verdict.Status
		signal Signal
	}
	cases := []struct {
		proto verdict.Protocol
		port  uint16
		want  want
	}{
		{verdict.TCP, 7001, want{verdict.Filtered, Silence}},
		{verdict.UDP, 7002, want{verdict.ListeningOrFiltered, Silence}},
		{verdict.UDP, 7004, want{verdict.NotListening, Refused}},
		{verdict.TCP, 7005, want{verdict.Listening, SynAck}},
		{verdict.UDP, 7006, want{verdict.Listening, Reply}},
		{verdict.TCP, 7007, want{verdict.NotListening, Refused}},
		// Administratively prohibited: EHOSTUNREACH or EACCES, which no
		// ordinary socket says who sent (a router, or the local stack),
		// so an error; Linux does not end a TCP connect over IPv6 on it,
		// so there it is silence, FILTERED, which is what it means.
		{verdict.TCP, 7008, want{verdict.Error, Local}},
		{verdict.UDP, 7009, want{verdict.Error, Local}},
	}
	var probes []Probe
	for _, lo := range []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()} {
		for _, c := range cases {
			probes = append(probes, Probe{Addr: lo, Proto: c.proto, Port: c.port, Opts: &ProbeOptions{ProveSilence: true, ReadBanner: c.port == 7005}})
		}
	}
	got := map[netip.AddrPort]Result{}
	err := New(Options{ICMPInterval: DefaultICMPInterval}).Run(context.Background(), slices.Values(probes), func(r Result) {
		got[netip.AddrPortFrom(r.Probe.Addr, r.Probe.Port)] = r
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probes {
		c := cases[slices.IndexFunc(cases, func(c struct {
			proto verdict.Protocol
			port  uint16
			want  want
		}) bool {
			return c.port == p.Port
		})]
		r := got[netip.AddrPortFrom(p.Addr, p.Port)]
		t.Logf("%s %s/%d: %s (%s, %v) after %d tries", p.Addr, p.Proto, p.Port, r.Status, r.Evidence.Signal, r.Err, len(r.Evidence.Tries))
		w := c.want
		if p.Port == 7008 && p.Addr.Is6() {
			w = want{verdict.Filtered, Silence}
		}
		if r.Status != w.status || r.Evidence.Signal != w.signal || r.Evidence.ICMP != nil {
			t.Errorf("%s %s/%d: %s (%s); want %s (%s)", p.Addr, p.Proto, p.Port, r.Status, r.Evidence.Signal, w.status, w.signal)
		}
		if p.Port == 7005 && !strings.HasPrefix(string(r.Evidence.Reply), "220 portable") {
			t.Errorf("%s tcp/7005: banner %q", p.Addr, r.Evidence.Reply)
		}
	}
}
