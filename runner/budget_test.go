package runner

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/verdict"
)

var (
	targetA = netip.MustParseAddr("198.18.1.2")
	routerR = netip.MustParseAddr("198.18.0.254")
	// ourAddr is the address tries go from: unset, as the kernel chooses.
	ourAddr = netip.Addr{}
)

// fullBudget is a budget whose run started long enough ago for the model
// to believe in a token.
func fullBudget() *budget { return newBudget(time.Second, time.Now().Add(-time.Minute)) }

func errorFrom(from netip.Addr) *ICMPError { return &ICMPError{Type: 3, Code: 3, From: from} }

// decide proves tries and returns the decision, or -2 if it is not made
// yet.
func decide(b *budget, tries ...ticket) *int {
	got := new(int)
	*got = -2
	for _, f := range b.prove(tries, func(i int) { *got = i }) {
		f()
	}
	return got
}

func TestBudgetStartsEmpty(t *testing.T) {
	b := newBudget(time.Second, time.Now())
	tk := b.send(targetA, ourAddr, "host a", false)
	if tk.tokens >= 1 {
		t.Fatalf("a try at the start believed in %.2f tokens; another scan may have spent them", tk.tokens)
	}
	b.finish(&tk, nil, tk.start)
	if got := decide(b, tk); *got != -1 {
		t.Errorf("a silence at the start was proven (%d)", *got)
	}
}

func TestBudgetProvesQuietSilence(t *testing.T) {
	b := fullBudget()
	tk := b.send(targetA, ourAddr, "host a", false)
	b.finish(&tk, nil, tk.start)
	if got := decide(b, tk); *got != 0 {
		t.Errorf("a silence with a token and no error spent: decision %d, want proven", *got)
	}
}

// An error drawn by a try in flight with the silent one may have spent the
// token before the silent try's packet arrived.
func TestBudgetCountsOverlappingErrors(t *testing.T) {
	b := fullBudget()
	silent := b.send(targetA, ourAddr, "host a", false)
	rejected := b.send(targetA, ourAddr, "host a", false)
	b.finish(&rejected, errorFrom(targetA), rejected.start)
	b.finish(&silent, nil, silent.start)
	if got := decide(b, silent); *got != -1 {
		t.Errorf("decision %d; the only token may have answered the other try", *got)
	}
}

// An error drawn by a try sent after the silent one ended cannot have
// muted it.
func TestBudgetIgnoresLaterErrors(t *testing.T) {
	b := fullBudget()
	silent := b.send(targetA, ourAddr, "host a", false)
	b.finish(&silent, nil, silent.start)
	time.Sleep(time.Millisecond)
	later := b.send(targetA, ourAddr, "host a", false)
	b.finish(&later, errorFrom(targetA), later.start)
	if got := decide(b, silent); *got != 0 {
		t.Errorf("decision %d; the error came after the silence", *got)
	}
}

// A proof waits for every try sent before the silent one ended: its error
// is not seen yet.
func TestBudgetProofWaitsForEarlierTries(t *testing.T) {
	b := fullBudget()
	slow := b.send(targetA, ourAddr, "host a", false)
	silent := b.send(targetA, ourAddr, "host a", false)
	b.finish(&silent, nil, silent.start)
	got := decide(b, silent)
	if *got != -2 {
		t.Fatalf("decided %d while an earlier try was in flight", *got)
	}
	for _, f := range b.finish(&slow, errorFrom(targetA), slow.start) {
		f()
	}
	if *got != -1 {
		t.Errorf("decision %d after the earlier try's error; want unproven", *got)
	}
}

// A router's error spends the router's budget, which can mute the errors
// of any target behind it; another machine's errors spend only its own.
func TestBudgetRoutersAndMachines(t *testing.T) {
	b := fullBudget()
	other := netip.MustParseAddr("198.18.2.9")
	silent := b.send(targetA, ourAddr, "host a", false)
	elsewhere := b.send(other, ourAddr, "host b", false)
	b.finish(&elsewhere, errorFrom(other), elsewhere.start)
	b.finish(&silent, nil, silent.start)
	if got := decide(b, silent); *got != 0 {
		t.Errorf("decision %d; another machine's error cannot mute this one's", *got)
	}

	silent = b.send(targetA, ourAddr, "host a", false)
	routed := b.send(other, ourAddr, "host b", false)
	b.finish(&routed, errorFrom(routerR), routed.start)
	b.finish(&silent, nil, silent.start)
	if got := decide(b, silent); *got != -1 {
		t.Errorf("decision %d; the router's token may have gone to the other target", *got)
	}
}

// A machine's addresses share its budget: an error from its IPv4 address
// can mute its IPv6 one's, since the host-wide limit covers both.
func TestBudgetSharedByAMachinesAddresses(t *testing.T) {
	b := fullBudget()
	v6 := netip.MustParseAddr("2001:db8:2::2")
	silent := b.send(v6, ourAddr, "host a", false)
	v4 := b.send(targetA, ourAddr, "host a", false)
	b.finish(&v4, errorFrom(targetA), v4.start)
	b.finish(&silent, nil, silent.start)
	if got := decide(b, silent); *got != -1 {
		t.Errorf("decision %d; the IPv4 error spent the machine's token", *got)
	}
}

// Any one proven try proves the port.
func TestBudgetAnyTryProves(t *testing.T) {
	b := newBudget(time.Second, time.Now().Add(-500*time.Millisecond))
	early := b.send(targetA, ourAddr, "host a", false)
	b.finish(&early, nil, early.start)
	b.start = b.start.Add(-time.Minute) // the model has since come to trust a token
	late := b.send(targetA, ourAddr, "host a", false)
	b.finish(&late, nil, late.start)
	if got := decide(b, early, late); *got != 1 {
		t.Errorf("decision %d, want the second try proven", *got)
	}
}

// The run waits on the budget while a check waits for its proof and no
// try of the sweep is in flight; a confirmation try does not stop it.
func TestBudgetWaitAccounting(t *testing.T) {
	b := fullBudget()
	sweep := b.send(targetA, ourAddr, "host a", false)
	b.hold(1)
	time.Sleep(20 * time.Millisecond) // the sweep is busy: no waiting
	idle := time.Now()
	b.finish(&sweep, nil, sweep.start)
	confirmation := b.send(targetA, ourAddr, "host a", true)
	time.Sleep(20 * time.Millisecond)
	b.finish(&confirmation, nil, confirmation.start)
	b.hold(-1)
	most := time.Since(idle)
	s := b.stats()
	if s.ICMPWait < 20*time.Millisecond || s.ICMPWait > most {
		t.Errorf("waited %s; want from 20ms to %s (the confirmation's time, not the sweep's)", s.ICMPWait, most)
	}
}

// Errors no proof can count are forgotten; those a try in flight may
// still need counted are kept, and pruning then waits for twice as many.
func TestBudgetPrunes(t *testing.T) {
	b := fullBudget()
	for range 3000 {
		tk := b.send(targetA, ourAddr, "host a", false)
		b.finish(&tk, errorFrom(targetA), tk.start)
	}
	if n := len(b.ledgers[senderKey{group: "host a", src: ourAddr}].errors); n > pruneAt+1 {
		t.Errorf("%d errors kept with no proof pending, want at most %d", n, pruneAt+1)
	}

	// A try still in flight keeps every error since its start countable.
	b = fullBudget()
	b.send(targetA, ourAddr, "host a", false)
	for range 3000 {
		tk := b.send(targetA, ourAddr, "host a", false)
		b.finish(&tk, errorFrom(targetA), tk.start)
	}
	l := b.ledgers[senderKey{group: "host a", src: ourAddr}]
	if len(l.errors) != 3000 || l.pruneAt < len(l.errors) {
		t.Errorf("%d errors kept, next prune at %d: errors a try in flight may need must stay, and pruning back off", len(l.errors), l.pruneAt)
	}
}

// TestProofsNeeded: the proofs a silence needs grow with the loss the run
// has seen on the path, and shrink with the tries that vouch for it; past
// maxProofs, none are enough.
func TestProofsNeeded(t *testing.T) {
	for _, tc := range []struct {
		answered, lost int
		want           int
		ok             bool
	}{
		{0, 0, 4, true},     // nothing seen: the prior, one loss in a hundred
		{4, 0, 4, true},     // a drop-by-default host's few answers
		{200, 0, 3, true},   // P2's answers
		{65535, 0, 2, true}, // a clean sweep of every port
		{2_000_000, 0, 1, true},
		{300, 30, 6, true},    // 10% loss
		{1000, 20, 4, true},   // 2% loss
		{100, 300, 17, false}, // 75% loss: no number of proofs is enough
	} {
		got, ok := proofsFor(tc.answered, tc.lost, wrongProofOdds)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%d answered, %d lost: %d proofs (ok %v), want %d (ok %v)", tc.answered, tc.lost, got, ok, tc.want, tc.ok)
		}
	}
}

// TestSettleOnALossyPath: a silence on a path that loses too much for any
// number of proofs is an error, with the path's record, never a verdict.
func TestSettleOnALossyPath(t *testing.T) {
	r := New(Options{})
	r.budget = fullBudget()
	r.budget.paths["host a"] = &pathStats{answered: 100, lost: 300}
	var got Result
	p := &probing{res: Result{Probe: Probe{Addr: targetA, Proto: 0, Port: 9}}, group: "host a", proofs: make([]proofAt, 3),
		deliver: func(res Result) { got = res }}
	p.res.Evidence.Tries = []Try{{Signal: Silence, Proven: true}}
	p.res.Probe.Opts = &ProbeOptions{ProveSilence: true}
	r.settle(context.Background(), p)
	var loss *LossError
	if got.Status != verdict.Error || !errors.As(got.Err, &loss) || got.Evidence.Silence != SilenceUnproven {
		t.Fatalf("status %s, error %v, silence %s; want an error for the lossy path, unproven", got.Status, got.Err, got.Evidence.Silence)
	}
	if want := "the path to the target lost 300 of 400 tries"; !strings.Contains(got.Err.Error(), want) {
		t.Errorf("%q does not say %q", got.Err, want)
	}
}

// TestProofEpochs: an ICMP error drawn by a confirmation round's try ends
// the proofs' epoch, since it shows that a port that rejects was waiting:
// a round before it that drew none lost its error, and no proof made
// before counts (issue #23's I3 at 10% loss, where ports gathered their
// proofs one lost round at a time). A sweep's or a trace's error ends
// nothing; a router's ends the epoch but says nothing of the target's
// ICMP. The proofs the port's own error contradicts count as its ICMP
// lost, and the proofs a silence needs grow with them and with the
// epochs.
func TestProofEpochs(t *testing.T) {
	b := fullBudget()
	const group = "host a"
	router := netip.MustParseAddr("198.18.0.254")
	finish := func(round bool, from netip.Addr, contradicted int) {
		tk := b.send(targetA, ourAddr, group, round)
		tk.round, tk.contradicted = round, contradicted
		b.finish(&tk, errorFrom(from), tk.start)
	}
	before, _ := b.path(group).proofsNeeded()
	finish(false, targetA, 0) // the sweep's
	trace := b.send(targetA, ourAddr, group, true)
	b.finish(&trace, errorFrom(router), trace.start) // a trace's hop
	if e := b.proofEpoch(group); e != 0 {
		t.Fatalf("epoch %d after a sweep's and a trace's errors, want 0", e)
	}
	finish(true, targetA, 2) // a round's, contradicting two proofs
	finish(true, router, 0)  // a router's, in a round
	ps := b.path(group)
	if ps.epoch != 2 || ps.icmpFrom != 2 || ps.icmpRound != 1 || ps.icmpLost != 2 {
		t.Errorf("epoch %d, from the target %d, drawn by rounds %d, lost %d; want 2, 2, 1, 2", ps.epoch, ps.icmpFrom, ps.icmpRound, ps.icmpLost)
	}
	after, _ := b.path(group).proofsNeeded()
	if after <= before {
		t.Errorf("%d proofs needed after two lost errors in three, %d before: want more", after, before)
	}
	// Epoch j's odds are wrongProofOdds/((j+1)(j+2)), under both estimates.
	b.paths[group] = &pathStats{answered: 65535, icmpFrom: 1, icmpRound: 999, icmpLost: 100, epoch: 999}
	want, _ := proofsFor(999, 100, wrongProofOdds/(1000*1001))
	if got, _ := b.path(group).proofsNeeded(); got != want {
		t.Errorf("%d proofs needed in epoch 999 after 100 of 1,099 errors lost, want %d", got, want)
	}
	// With no error from the target, the answers do not decide alone: its
	// errors may all have been muted or lost so far, so the ICMP errors'
	// prior holds (4 proofs in epoch 0), however clean the answers.
	b.paths[group] = &pathStats{answered: 65535}
	odds0 := wrongProofOdds / 2
	want = max(firstOf(proofsFor(65535, 0, odds0)), firstOf(proofsFor(0, 0, odds0)))
	if got, _ := b.path(group).proofsNeeded(); got != want || got < 4 {
		t.Errorf("%d proofs needed of a host that sent no error, want %d (at least 4)", got, want)
	}

	// A port with proofs of an ended epoch has none that count.
	p := &probing{proofs: []proofAt{{epoch: 0}, {epoch: 0}, {epoch: 1}}}
	if n := p.proofsIn(1); n != 1 {
		t.Errorf("%d proofs count in epoch 1, want 1", n)
	}
}

// TestSettleCountsOnlyTheEpoch: a silence whose proofs came before the
// epoch ended waits for more, rather than being delivered proven.
func TestSettleCountsOnlyTheEpoch(t *testing.T) {
	r := New(Options{})
	// A budget just begun: the confirmer waits a refill for its first
	// round, and the test ends before it.
	r.budget = newBudget(time.Second, time.Now())
	r.confirm = map[string]*confirmer{}
	r.done = make(chan struct{})
	r.budget.paths["host a"] = &pathStats{answered: 65535, epoch: 1}
	delivered := false
	p := &probing{res: Result{Probe: Probe{Addr: targetA, Port: 9, Opts: &ProbeOptions{ProveSilence: true}}}, group: "host a",
		proofs:  []proofAt{{epoch: 0}, {epoch: 0}, {epoch: 0}, {epoch: 0}},
		deliver: func(Result) { delivered = true }}
	p.res.Evidence.Tries = []Try{{Signal: Silence, Proven: true}}
	ctx, cancel := context.WithCancel(context.Background())
	r.settle(ctx, p)
	if delivered {
		t.Fatal("delivered on four proofs of an ended epoch")
	}
	if n := r.confirm["host a"].waiting(); n != 1 {
		t.Errorf("%d ports wait at the confirmer, want this one", n)
	}
	cancel()
	close(r.done)
	r.confirmers.Wait()
}

func firstOf(k int, _ bool) int { return k }

// TestConfirmerWaitsForTheLatestProof: a port with two proofs from one
// address may be tried from it again a refill after the later one, and
// the confirmer sleeps until then. It said a refill after the earlier,
// long past, and spun (a third of the CPU of 254 hosts of 4,096 ports).
// A port of a family with no address ready waits for that family.
func TestConfirmerWaitsForTheLatestProof(t *testing.T) {
	r := New(Options{})
	now := time.Now()
	r.budget = newBudget(time.Second, now)
	src := netip.Addr{}
	c := &confirmer{r: r, group: "host a", wake: make(chan struct{}, 1)}
	p := &probing{res: Result{Probe: Probe{Addr: targetA, Port: 9, Opts: &ProbeOptions{ProveSilence: true}}}, group: "host a",
		target: netip.AddrPortFrom(targetA, 9),
		proofs: []proofAt{{src: src, end: now.Add(-3 * time.Second)}, {src: src, end: now.Add(-300 * time.Millisecond)}}}
	c.pending = []*probing{p}
	ready := refill{ready: []netip.Addr{src}}
	due := now.Add(-300 * time.Millisecond).Add(r.budget.interval)
	batch, next := c.take(maxRound, ready, ready, now)
	if len(batch) != 0 || !next.Equal(due) {
		t.Errorf("took %d ports, next at %v; want none, next at %v", len(batch), next.Sub(now), due.Sub(now))
	}
	if batch, _ := c.take(maxRound, ready, ready, due); len(batch) != 1 {
		t.Errorf("a refill after its last proof, took %d ports, want 1", len(batch))
	}
	// With another address whose token comes sooner than a refill
	// after this one's proof, the confirmer wakes for that one.
	c.pending = []*probing{p}
	batch, next = c.take(maxRound, refill{ready: []netip.Addr{src}, wait: 100 * time.Millisecond}, ready, now)
	if want := now.Add(100 * time.Millisecond); len(batch) != 0 || !next.Equal(want) {
		t.Errorf("with another address ready in 100 ms: took %d ports, next at %v; want none, next at %v", len(batch), next.Sub(now), want.Sub(now))
	}
	c.pending = []*probing{p}
	batch, next = c.take(maxRound, refill{wait: 250 * time.Millisecond}, ready, now)
	if want := now.Add(250 * time.Millisecond); len(batch) != 0 || !next.Equal(want) {
		t.Errorf("with no IPv4 address ready: took %d ports, next at %v; want none, next at %v", len(batch), next.Sub(now), want.Sub(now))
	}
}
