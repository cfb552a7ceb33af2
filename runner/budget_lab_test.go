//go:build linux

package runner

import (
	"fmt"
	"net/netip"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/internal/needs"
	"github.com/portspec/portspec/verdict"
)

// expectProbe is a probe of a port expected in state, as a spec's check
// would be (plan.ProbeOptions): the state decides whether its silence
// must be proven and whether it fails the check, and rides in Ref for
// wantVerdicts.
func expectProbe(addr netip.Addr, proto verdict.Protocol, port uint16, state verdict.State) Probe {
	p := labProbe(addr, proto, port, ProbeOptions{ProveSilence: state.NeedsProvenSilence(), SilenceFails: state.FailsOnSilence()})
	p.Ref = int(state)
	return p
}

func expectRange(addr netip.Addr, proto verdict.Protocol, from, to uint16, state verdict.State) []Probe {
	var out []Probe
	for p := from; p <= to; p++ {
		out = append(out, expectProbe(addr, proto, p, state))
	}
	return out
}

// spendBudget plays the scan that ran just before the test's: one datagram
// to each of 12 closed UDP ports of each address, twice the target's burst
// of ICMP errors, so that its budget towards the client is empty when the
// test's own run starts. It fails the test if the target muted nothing:
// then the test would prove nothing about a spent budget.
func spendBudget(t *testing.T, l *lab.Lab, addrs ...netip.Addr) {
	t.Helper()
	var checks []Probe
	for _, a := range addrs {
		checks = append(checks, portProbes(a, verdict.UDP, 6000, 6011, ProbeOptions{Tries: 1})...)
	}
	muted := map[netip.Addr]int{}
	for _, r := range runProbes(t, l, Options{}, checks) {
		if r.Evidence.Signal == Silence {
			muted[r.Probe.Addr]++
		}
	}
	for _, a := range addrs {
		if muted[a] == 0 {
			t.Fatalf("the scan before the test's drew an ICMP error from every port of %s: the budget was not spent", a)
		}
	}
}

// confirmations counts a result's confirmation tries.
func confirmations(r Result) int {
	n := 0
	for _, t := range r.Evidence.Tries {
		if t.Confirm {
			n++
		}
	}
	return n
}

// wantVerdicts fails for every result whose verdict is not a pass: the
// checks' states are the truth of the lab.
func wantVerdicts(t *testing.T, results []Result) {
	t.Helper()
	for _, r := range results {
		want := verdict.Expectation{State: verdict.State(r.Probe.Ref)}
		if o := verdict.Judge(want, verdict.Found{Status: r.Status, Err: r.Err, Skipped: r.Skipped}); o.Verdict != verdict.Pass {
			t.Errorf("%s %s/%d: %s; tries %v", r.Probe.Addr, r.Probe.Proto, r.Probe.Port, o.Message, r.Evidence.Tries)
		}
	}
}

// TestLabProveBatchInRounds is the counting argument: a drop-by-default
// host with one port rejected by ICMP port unreachable (the classic
// ident/113), and 500 dropped ports a family whose blocks say `filtered`.
// The sweep ends before the model may trust the target's budget, so every
// dropped port waits for confirmation; each round, sent on a single token,
// must prove them all at once, since a silent port spends none. A port
// needs as many proofs as the path's record asks (a few answers make a
// short record), each a refill of the budget after the last: one round
// each, shared by all.
func TestLabProveBatchInRounds(t *testing.T) {
	besideOthers(t)
	l := lab.New(t)
	must(t, l.Nft(l.Server, `table inet dropall {
  chain input {
    type filter hook input priority 0; policy drop;
    meta l4proto ipv6-icmp accept
    tcp dport 22 accept
    tcp dport 113 reject with icmpx type port-unreachable
  }
}`))
	var checks []Probe
	for _, a := range []netip.Addr{lab.Server4, lab.Server6} {
		must(t, l.ServeTCP(netip.AddrPortFrom(a, 22), "SSH-2.0-lab\r\n"))
		checks = append(checks, expectProbe(a, verdict.TCP, 22, verdict.ExpectListening), expectProbe(a, verdict.TCP, 113, verdict.ExpectNotListening))
		checks = append(checks, expectRange(a, verdict.TCP, 1000, 1499, verdict.ExpectFiltered)...)
	}
	results, r := runRunner(t, l, Options{}, checks)
	stats := r.Stats()
	wantVerdicts(t, results)
	// Between rounds the confirmer sleeps until a refill after each
	// port's latest proof: it spun from the second proof on, and called
	// take millions of times (P5 2.5 times slower).
	for group, c := range r.confirm {
		if c.takes > 100 {
			t.Errorf("%s's confirmer took from its queue %d times: it does not sleep between rounds", group, c.takes)
		}
		t.Logf("%s's confirmer took from its queue %d times", group, c.takes)
	}
	// Four answers and no loss: Beta(1, 103) asks for four proofs.
	want, _ := proofsFor(4, 0, wrongProofOdds)
	for _, r := range results {
		if r.Probe.Port < 1000 {
			continue
		}
		proven := provenTries(r)
		if n := confirmations(r); n != want || len(proven) != want || r.Evidence.Silence != SilenceProven {
			t.Errorf("%s tcp/%d: %d confirmation tries, %d proven, silence %s; want %d rounds to prove it %d times; tries %v",
				r.Probe.Addr, r.Probe.Port, n, len(proven), r.Evidence.Silence, want, want, r.Evidence.Tries)
		}
		wantRefillApart(t, r, proven, DefaultICMPInterval)
	}
	// Both families are one machine, with one budget.
	if stats.ICMPWaitTargets != 1 {
		t.Errorf("the run waited for %d targets' budgets, want 1", stats.ICMPWaitTargets)
	}
	t.Logf("1,000 dropped ports proven in %d rounds; waited %s for the budget", want, stats.ICMPWait)
}

// provenTries are the tries of r that proved its silence.
func provenTries(r Result) []Try {
	var proven []Try
	for _, t := range r.Evidence.Tries {
		if t.Proven {
			proven = append(proven, t)
		}
	}
	return proven
}

// wantRefillApart fails unless each proof of r began a refill of the
// budget (interval) after the one before it ended: one lost error
// cannot then make two of them wrong.
func wantRefillApart(t *testing.T, r Result, proven []Try, interval time.Duration) {
	t.Helper()
	for i := 1; i < len(proven); i++ {
		if gap := proven[i].Start.Sub(proven[i-1].Start.Add(proven[i-1].Duration)); gap < interval {
			t.Errorf("%s %s/%d: proofs %d and %d only %s apart, less than the budget's refill %s", r.Probe.Addr, r.Probe.Proto, r.Probe.Port, i, i+1, gap, interval)
		}
	}
}

// TestLabBlockedNeedsNoProof is iptables' default REJECT everywhere: every
// port answers ICMP port unreachable, and the target's budget mutes all
// but a few a second. For `blocked` a muted error changes nothing, so
// nothing is confirmed and nothing waits.
func TestLabBlockedNeedsNoProof(t *testing.T) {
	l := lab.New(t)
	must(t, l.Nft(l.Server, `table inet rejectall {
  chain input {
    type filter hook input priority 0; policy accept;
    meta l4proto tcp reject with icmpx type port-unreachable
  }
}`))
	checks := append(expectRange(lab.Server4, verdict.TCP, 1, 1500, verdict.ExpectBlocked), expectRange(lab.Server4, verdict.UDP, 1, 300, verdict.ExpectBlocked)...)
	results, stats := runStats(t, l, Options{}, checks)
	wantVerdicts(t, results)
	silent := 0
	for _, r := range results {
		if n := confirmations(r); n > 0 {
			t.Errorf("%s/%d: %d confirmation tries for a blocked port", r.Probe.Proto, r.Probe.Port, n)
		}
		if r.Evidence.Signal == Silence {
			silent++
			if r.Evidence.Silence != SilenceUnproven {
				t.Errorf("%s/%d: silence %q, want unproven", r.Probe.Proto, r.Probe.Port, r.Evidence.Silence)
			}
		}
	}
	if stats.ICMPWait != 0 || stats.ICMPWaitTargets != 0 {
		t.Errorf("waited %s for %d targets' budgets; blocked needs none", stats.ICMPWait, stats.ICMPWaitTargets)
	}
	// Were the limit not muting, this test would prove nothing.
	if silent < len(checks)/2 {
		t.Errorf("only %d of %d ports were muted: the rate limit was not in play", silent, len(checks))
	}
	t.Logf("%d blocked ports, %d muted by the target's rate limit, none confirmed", len(checks), silent)
}

// budgetTruth is a target with every kind of port whose verdict depends
// on an ICMP error, on both families: port unreachable (TCP and UDP),
// admin prohibited, dropped, and a listener of each protocol.
func budgetTruth(t *testing.T, l *lab.Lab, tcpRejects, udpClosed int) []Probe {
	t.Helper()
	must(t, l.Nft(l.Server, fmt.Sprintf(`table inet truth {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 4000-%d reject with icmpx type port-unreachable
    tcp dport 4100-4101 drop
    tcp dport 4200 reject with icmpx type admin-prohibited
    udp dport 4100-4101 drop
  }
}`, 4000+tcpRejects-1)))
	var checks []Probe
	for _, a := range []netip.Addr{lab.Server4, lab.Server6} {
		must(t, l.ServeTCP(netip.AddrPortFrom(a, 4300), ""))
		must(t, l.ServeUDP(netip.AddrPortFrom(a, 53), lab.DNS))
		checks = append(checks, expectRange(a, verdict.TCP, 4000, uint16(4000+tcpRejects-1), verdict.ExpectNotListening)...)
		checks = append(checks, expectRange(a, verdict.TCP, 4100, 4101, verdict.ExpectFiltered)...)
		checks = append(checks, expectProbe(a, verdict.TCP, 4200, verdict.ExpectFiltered), expectProbe(a, verdict.TCP, 4300, verdict.ExpectListening))
		checks = append(checks, expectRange(a, verdict.UDP, 4000, uint16(4000+udpClosed-1), verdict.ExpectNotListening)...)
		checks = append(checks, expectRange(a, verdict.UDP, 4100, 4101, verdict.ExpectFiltered)...)
		checks = append(checks, expectProbe(a, verdict.UDP, 53, verdict.ExpectListening))
	}
	return checks
}

// TestLabRightAfterAnotherScan runs a spec the moment another scan has
// emptied the target's budget, as a CI job does after a scanner or a
// snapshot: every port-unreachable and admin-prohibited error of the
// sweep is muted at first, and every verdict must still be right.
func TestLabRightAfterAnotherScan(t *testing.T) {
	besideOthers(t)
	l := lab.New(t)
	checks := budgetTruth(t, l, 2, 2)
	spendBudget(t, l, lab.Server4, lab.Server6)
	wantRightAfter(t, l, checks, "another scan")
}

// wantRightAfter runs checks the moment what (another scan) has spent the
// target's budget, and requires every verdict right, and some ICMP error
// to have come only to a confirmation try: were none muted, the scan
// before would not have spent the budget, and the test would prove
// nothing.
func wantRightAfter(t *testing.T, l *lab.Lab, checks []Probe, what string) {
	t.Helper()
	results, stats := runStats(t, l, Options{}, checks)
	wantVerdicts(t, results)
	answered := 0
	for _, r := range results {
		if last := r.Evidence.Tries[len(r.Evidence.Tries)-1]; last.Confirm && last.Signal == ICMP {
			answered++
		}
	}
	if answered == 0 {
		t.Errorf("no port needed a confirmation try to draw its ICMP error: %s did not spend the budget", what)
	}
	t.Logf("%d checks right after %s; %d ICMP errors came only to confirmation tries; waited %s", len(checks), what, answered, stats.ICMPWait)
}

// TestLabICMPRateLimits gives the target limits other than Linux's
// defaults. A slower one is right when icmp_interval says how slow; a
// faster one, or a lowered host-wide limit, is right with the default.
func TestLabICMPRateLimits(t *testing.T) {
	besideOthers(t)
	for _, tc := range []struct {
		name    string
		sysctls []string
		opts    Options
	}{
		{"icmp_ratelimit 1.5s, icmp_interval 1.5s", []string{"net.ipv4.icmp_ratelimit=1500", "net.ipv6.icmp.ratelimit=1500"}, Options{ICMPInterval: 15e8}},
		{"icmp_ratelimit 250ms, default interval", []string{"net.ipv4.icmp_ratelimit=250", "net.ipv6.icmp.ratelimit=250"}, Options{}},
		{"icmp_msgs_per_sec 1, icmp_msgs_burst 1", []string{"net.ipv4.icmp_msgs_per_sec=1", "net.ipv4.icmp_msgs_burst=1"}, Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			besideOthers(t)
			l := lab.New(t)
			must(t, l.Sysctl(l.Server, tc.sysctls...))
			checks := budgetTruth(t, l, 1, 1)
			spendBudget(t, l, lab.Server4, lab.Server6)
			results, stats := runStats(t, l, tc.opts, checks)
			wantVerdicts(t, results)
			t.Logf("%d checks; waited %s", len(checks), stats.ICMPWait)
		})
	}
}

// TestLabRightAfterNmap: the spec runs the moment nmap (-sT and -sU, on
// both families at once) has spent the target's budget, as in a pipeline
// where a scanner ran just before. Every verdict must be right.
func TestLabRightAfterNmap(t *testing.T) {
	besideOthers(t)
	nmap := needs.Tool(t, "nmap", ".ci/run installs it")
	l := lab.New(t)
	checks := budgetTruth(t, l, 2, 2)
	var wg sync.WaitGroup
	for _, target := range []netip.Addr{lab.Server4, lab.Server6} {
		args := []string{"netns", "exec", l.Client.Name, nmap, "-sT", "-sU", "-Pn", "-n", "-p", "T:4000-4300,U:4000-4002,U:6000-6011", "--max-retries", "1", target.String()}
		if target.Is6() {
			args = append(args, "-6")
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
				t.Errorf("nmap %s: %v\n%s", target, err, out)
			}
		}()
	}
	wg.Wait()
	wantRightAfter(t, l, checks, "nmap")
}
