//go:build linux && !portspec_portable

package runner

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/lab"
	"github.com/portspec/portspec/verdict"
)

// TestLabSYNBurstAnsweredLate: a burst whose SYNs all go before the
// first answer comes back (no gap, as a far host's would without the
// round-trip rule of burstGap) must end its evidence with the try that
// was answered, never with a later SYN's "silence" that was not waited
// for; the budget must count the errors the later SYNs drew; and no
// ticket may be left open, whichever way the burst ends, or proofs would
// wait for it for ever. A listening port answers a SYN-ACK; a rejected
// one an ICMP error (the target's rate limit off, so that every SYN
// draws one); a listening port whose first SYN the target drops answers
// the second, after a silence cut short; and a run that has ended skips.
func TestLabSYNBurstAnsweredLate(t *testing.T) {
	l := lab.New(t)
	must(t, l.Sysctl(l.Server, "net.ipv4.icmp_ratelimit=0"))
	r := New(Options{SYN: true, Socket: l.Socket})
	r.budget = newBudget(time.Second, time.Now())
	var err error
	if r.syn, err = openSYN(r.opts.Socket); err != nil {
		t.Fatal(err)
	}
	defer r.syn.close()
	// A burst's first SYN goes from the first port of the block.
	must(t, l.Nft(l.Server, fmt.Sprintf(`table inet truth {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 3100 reject with icmpx type admin-prohibited
    tcp sport %d tcp dport 3200 drop
  }
}`, r.syn.families[0].ports)))
	must(t, l.ServeTCP(netip.AddrPortFrom(lab.Server4, 3000), ""))
	must(t, l.ServeTCP(netip.AddrPortFrom(lab.Server4, 3200), ""))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, c := range []struct {
		port   uint16
		cancel bool
		want   []Signal
	}{
		{3000, false, []Signal{SynAck}},
		{3100, false, []Signal{ICMP}},
		{3200, false, []Signal{Silence, SynAck}},
		{3000, true, nil},
	} {
		probe := labProbe(lab.Server4, verdict.TCP, c.port, ProbeOptions{})
		p := &probing{res: Result{Probe: probe, Start: time.Now()}, group: probe.budgetGroup(), target: netip.AddrPortFrom(lab.Server4, c.port),
			host: r.host(lab.Server4), waits: func() {}}
		if c.cancel {
			cancel()
		}
		r.budget.mu.Lock()
		errorsBefore := r.budget.pathOf(p.group).icmpFrom
		r.budget.mu.Unlock()
		tries, _, ok := r.burst(ctx, p, 3, 100*time.Millisecond, 0)
		r.budget.mu.Lock()
		open, sweeping, errors := len(r.budget.inflight), r.budget.sweeping, r.budget.pathOf(p.group).icmpFrom-errorsBefore
		r.budget.mu.Unlock()
		if open != 0 || sweeping != 0 {
			t.Errorf("tcp/%d (cancelled %v): %d tickets left open in the budget, %d sweep tries", c.port, c.cancel, open, sweeping)
		}
		if c.cancel {
			if ok {
				t.Errorf("tcp/%d: a burst after the run ended said ok; tries %v", c.port, tries)
			}
			continue
		}
		var got []Signal
		for _, try := range tries {
			got = append(got, try.Signal)
			if try.Err != nil {
				t.Errorf("tcp/%d: try %v says %v", c.port, try.Signal, try.Err)
			}
		}
		if !ok || !slices.Equal(got, c.want) {
			t.Errorf("tcp/%d: ok %v, tries %v; want %v", c.port, ok, got, c.want)
		}
		if ev := p.res.Evidence.Tries; len(ev) != len(tries) {
			t.Errorf("tcp/%d: the evidence holds %d tries, the burst returned %d", c.port, len(ev), len(tries))
		}
		// Each of the three SYNs to the rejected port drew an error; the
		// budget must count all three, not only the one answered.
		if wantErrors := map[uint16]int{3100: 3}[c.port]; errors != wantErrors {
			t.Errorf("tcp/%d: the budget counted %d errors from the target, want %d", c.port, errors, wantErrors)
		}
	}
}
