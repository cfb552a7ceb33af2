//go:build linux

package runner

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/verdict"
)

// TestLabSourcePrefix: 100 closed UDP ports and 100 TCP ports rejected
// with ICMP port unreachable are proven NOT LISTENING from a routed /24,
// and from a /64, in seconds: from one address the target's ICMP rate
// limit answers one a second, about 100 s; from 254 each address has a
// bucket of its own at the target. The IPv6 target's limit is Linux's
// default too (net.ipv6.icmp.ratelimit 1000 ms). Every verdict stays
// right, right after another scan spent every bucket of the single
// address, and every try names its source. The TCP ports are tried with
// connects, then with bare SYNs (Options.SYN), whose source address goes
// with each packet (IP_PKTINFO) rather than with a bound socket: were
// it not used, the target's errors would go to one address, or the
// SYN's checksum would not match, and the run could not be this fast.
func TestLabSourcePrefix(t *testing.T) {
	l := lab.New(t)
	must(t, l.AddClientPrefixes())
	must(t, l.Nft(l.Server, `table inet rejects {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 5000-5099 reject with icmpx type port-unreachable
  }
}`))
	for _, tc := range []struct {
		prefix netip.Prefix
		target netip.Addr
		syn    bool
	}{{lab.ClientPrefix4, lab.Server4, false}, {lab.ClientPrefix6, lab.Server6, false}, {lab.ClientPrefix4, lab.Server4, true}, {lab.ClientPrefix6, lab.Server6, true}} {
		name := tc.prefix.String()
		if tc.syn {
			name += " SYN"
		}
		t.Run(name, func(t *testing.T) {
			opts := Options{SourcePrefixes: []netip.Prefix{tc.prefix}, Socket: l.Socket}
			if err := CheckSources(opts); err != nil {
				t.Fatal(err)
			}
			spendBudget(t, l, tc.target)
			checks := append(expectRange(tc.target, verdict.UDP, 4000, 4099, verdict.ExpectNotListening), expectRange(tc.target, verdict.TCP, 5000, 5099, verdict.ExpectNotListening)...)
			start := time.Now()
			results, stats := runStats(t, l, Options{SourcePrefixes: []netip.Prefix{tc.prefix}, SYN: tc.syn}, checks)
			took := time.Since(start)
			wantVerdicts(t, results)
			sources := map[netip.Addr]bool{}
			for _, r := range results {
				for _, try := range r.Evidence.Tries {
					if !tc.prefix.Contains(try.Source) {
						t.Errorf("%s/%d: a try from %v, outside %s", r.Probe.Proto, r.Probe.Port, try.Source, tc.prefix)
					}
					sources[try.Source] = true
				}
			}
			if len(sources) < 100 {
				t.Errorf("tries went from %d addresses of %s; want them spread", len(sources), tc.prefix)
			}
			if took > 10*time.Second {
				t.Errorf("200 checks took %s from %s, want at most 10 s", took.Round(time.Millisecond), tc.prefix)
			}
			t.Logf("200 checks from %d addresses of %s in %s, %s waiting for budgets", len(sources), tc.prefix, took.Round(time.Millisecond), stats.ICMPWait.Round(time.Millisecond))
		})
	}
}

// TestLabSourcePrefixRefused: a prefix the client does not own is refused
// before anything is sent, saying what to route.
func TestLabSourcePrefixRefused(t *testing.T) {
	l := lab.New(t)
	err := CheckSources(Options{SourcePrefixes: []netip.Prefix{netip.MustParsePrefix("198.18.8.0/24")}, Socket: l.Socket})
	if err == nil || !strings.Contains(err.Error(), "198.18.8.1 is not this machine's") || !strings.Contains(err.Error(), "ip route add local 198.18.8.0/24 dev lo") {
		t.Errorf("an unrouted prefix: %v", err)
	}
}
