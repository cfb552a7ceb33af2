//go:build linux

package runner

import (
	"fmt"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/verdict"
)

// lossyInterval is the lab target's ICMP rate limit in the loss tests: a
// tenth of Linux's default, and the runner told so, so that the model and
// every proof work as at one second, ten times as fast.
const lossyInterval = 100 * time.Millisecond

// TestLabProofsSurviveLoss: the target drops one in ten (then one in fifty)
// of the packets it sends, ICMP errors among them, at random (nftables
// numgen in its output chain). Its ports are every kind whose verdict
// rests on an ICMP error or its absence: TCP port unreachable and closed
// UDP ports expected not_listening, admin prohibited and dropped ports
// expected filtered. A lost error must never prove a silence: every
// verdict is right, twice back to back, the first right after another
// scan emptied the target's budget.
func TestLabProofsSurviveLoss(t *testing.T) {
	besideOthers(t)
	for _, oneIn := range []int{10, 50} {
		t.Run(fmt.Sprintf("1 in %d", oneIn), func(t *testing.T) {
			l := lab.New(t)
			must(t, l.Sysctl(l.Server, "net.ipv4.icmp_ratelimit=100", "net.ipv6.icmp.ratelimit=100"))
			checks := budgetTruth(t, l, 8, 6)
			spendBudget(t, l, lab.Server4, lab.Server6)
			must(t, l.Nft(l.Server, fmt.Sprintf(`table inet loss {
  chain output {
    type filter hook output priority 0; policy accept;
    numgen random mod %d 0 drop
  }
}`, oneIn)))
			lossSeen := 0
			for run := 1; run <= 2; run++ {
				start := time.Now()
				results, stats := runStats(t, l, Options{ICMPInterval: lossyInterval}, checks)
				wantVerdicts(t, results)
				proofs := 0
				for _, r := range results {
					proven := provenTries(r)
					wantRefillApart(t, r, proven, lossyInterval)
					proofs += len(proven)
					if lostBefore(&probing{res: r}, r.Evidence.Tries[len(r.Evidence.Tries)-1]) > 0 {
						lossSeen++
					}
				}
				t.Logf("run %d: %d checks in %s, %s waiting for the budget, %d proofs", run, len(checks), time.Since(start).Round(time.Millisecond), stats.ICMPWait.Round(time.Millisecond), proofs)
			}
			// Were nothing seen lost, the loss would not have been in play.
			if oneIn == 10 && lossSeen == 0 {
				t.Error("no answer came after a silence: the target lost nothing the runner saw")
			}
		})
	}
}

// TestLabManyRejectingUnderLoss: a middlebox drops one ICMP error in five
// and nothing else, while 40 ports rejected by port unreachable wait their
// turn at the target's budget, one a round, and 2,000 closed ports answer
// every try, so that the path's TCP answers show no loss at all. Every
// verdict must be right: the proofs a silence needs come from the loss of
// the ICMP errors themselves (pathStats.icmpLost), not only from the
// answers', and only from rounds in a row that drew no error (the proof
// epochs), not from lost rounds scattered over a long wait. The target's
// rate limit is a quarter of a second: at a tenth, the lab's rounds often
// met two tokens, and one lost error did not silence a round, so the
// failure of issue #23's I3 at 10% loss did not show. Here it does: the
// code before the proof epochs (6835a4b) had 28 and 29 of the 40 wrong,
// in 4 s, in two runs; with them, 0 in 11.8-13.4 s over three.
func TestLabManyRejectingUnderLoss(t *testing.T) {
	besideOthers(t)
	const interval = 250 * time.Millisecond
	l := lab.New(t)
	must(t, l.Sysctl(l.Server, fmt.Sprintf("net.ipv4.icmp_ratelimit=%d", interval.Milliseconds())))
	must(t, l.Nft(l.Server, `table inet truth {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 4000-4039 reject with icmpx type port-unreachable
  }
}`))
	a := lab.Server4
	checks := expectRange(a, verdict.TCP, 4000, 4039, verdict.ExpectNotListening)
	checks = append(checks, expectRange(a, verdict.TCP, 5000, 6999, verdict.ExpectNotListening)...)
	spendBudget(t, l, a)
	must(t, l.Nft(l.Server, `table inet loss {
  chain output {
    type filter hook output priority 0; policy accept;
    meta l4proto icmp numgen random mod 5 0 drop
  }
}`))
	start := time.Now()
	results, stats := runStats(t, l, Options{ICMPInterval: interval}, checks)
	wantVerdicts(t, results)
	t.Logf("%d checks in %s, %s waiting for the budget", len(checks), time.Since(start).Round(time.Millisecond), stats.ICMPWait.Round(time.Millisecond))
}
