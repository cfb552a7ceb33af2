//go:build linux && !portspec_portable

package runner

import (
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/verdict"
)

// TestLabRefusedSocketsConnectAgain sweeps 240 ports a family whose
// refusals mix RSTs with admin-prohibited and port-unreachable errors,
// with up to 64 spare sockets: the sockets connect again from
// port to port, and each port must still read its own refusal, never
// one that a socket's earlier connect drew.
func TestLabRefusedSocketsConnectAgain(t *testing.T) {
	besideOthers(t)
	l := lab.New(t)
	// No limit on the errors this target sends each of our addresses,
	// so that few are muted; the machine's own limit still applies.
	must(t, l.Sysctl(l.Server, "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0"))
	must(t, l.Nft(l.Server, `table inet refusals {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 6000-6239 tcp dport & 7 == 1 reject with icmpx type admin-prohibited
    tcp dport 6000-6239 tcp dport & 7 == 5 reject with icmpx type port-unreachable
  }
}`))
	var checks []Probe
	for _, a := range []netip.Addr{lab.Server4, lab.Server6} {
		checks = append(checks, portProbes(a, verdict.TCP, 6000, 6239, ProbeOptions{ProveSilence: true})...)
	}
	var sockets atomic.Int64
	count := func(domain, typ, proto int) (int, error) {
		sockets.Add(1)
		return l.Socket(domain, typ, proto)
	}
	results, r := runRunner(t, l, Options{Concurrency: 1024, Socket: count}, checks)
	icmpFrom := map[int]struct {
		status    verdict.Status
		type4, c4 uint8
		type6, c6 uint8
		refusedBy string
	}{
		1: {verdict.Filtered, 3, 13, 1, 1, "admin-prohibited"},
		5: {verdict.NotListening, 3, 3, 1, 4, "port-unreachable"},
	}
	tries := 0
	for _, r := range results {
		ev, port := r.Evidence, int(r.Probe.Port)
		tries += len(ev.Tries)
		want, byICMP := icmpFrom[port&7]
		switch {
		case !byICMP:
			if r.Status != verdict.NotListening || ev.Signal != Reset {
				t.Errorf("%s tcp/%d: %s by %s, want NOT LISTENING by a RST; tries %v", r.Probe.Addr, port, r.Status, ev.Signal, ev.Tries)
			}
		case r.Status != want.status:
			t.Errorf("%s tcp/%d: %s, want %s (%s); tries %v", r.Probe.Addr, port, r.Status, want.status, want.refusedBy, ev.Tries)
		}
		// A muted error leaves silence, which the proofs decide; every
		// error a try read must be its own port's.
		for _, try := range ev.Tries {
			if try.Signal == Reset && byICMP || try.Signal == ICMP && !byICMP {
				t.Errorf("%s tcp/%d: a try read %s, refused by %s", r.Probe.Addr, port, try.Signal, map[bool]string{true: want.refusedBy, false: "a RST"}[byICMP])
			}
			if try.ICMP == nil {
				continue
			}
			typ, code := want.type4, want.c4
			if try.ICMP.V6 {
				typ, code = want.type6, want.c6
			}
			if try.ICMP.Type != typ || try.ICMP.Code != code {
				t.Errorf("%s tcp/%d: a try read %s, want type %d code %d (%s)", r.Probe.Addr, port, try.ICMP, typ, code, want.refusedBy)
			}
		}
	}
	// The ports that answer at once need a few sockets a family; an
	// error the target's limit muted costs its port a socket a try, as
	// its tries wait in the poller.
	if r.tcp.reused < len(checks)/2 {
		t.Errorf("%d of %d tries connected a kept socket again (%d sockets made)", r.tcp.reused, tries, sockets.Load())
	} else {
		t.Logf("%d of %d tries connected a kept socket again (%d sockets made)", r.tcp.reused, tries, sockets.Load())
	}
}
