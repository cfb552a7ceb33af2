package runner

import (
	"net/netip"
	"sync"
	"time"

	"github.com/portspec/portspec/internal/heapof"
)

// DefaultICMPInterval is Linux's icmp_ratelimit (and icmpv6 ratelimit): a
// host sends one ICMP error a second to each destination, after a burst.
const DefaultICMPInterval = time.Second

// intervalSlack makes the model refill a little slower than the target: the
// target counts in jiffies, and a try that lands a millisecond before its
// token is muted all the same.
const intervalSlack = 0.03

// modelBurst is the most tokens the model ever believes a sender holds
// towards one of our addresses. Linux's bucket holds 6, but the counting
// argument needs only one: with at least one token and no error spent,
// nothing was muted.
const modelBurst = 1.0

// The host-wide limit on the ICMP errors a machine sends to anyone, Linux's
// icmp_msgs_per_sec (1000) and icmp_msgs_burst (50), which each error sent
// spends by a random 0 to 2 credits (since 6.12; 1 before): counted in
// errors at the worst cost, 500 a second and 25 at most. Linux refills it
// only in steps at least HZ/50 (20 ms) apart, so once spent it may stay
// empty that long, and a jiffy more: the model believes no refill for
// hostWideLag after an error. With one source address the per-destination
// limit is far tighter; with a prefix of them (Options.SourcePrefixes), the
// host-wide one is what they share.
const (
	hostWideInterval = 2 * time.Millisecond
	hostWideBurst    = 25.0
	hostWideLag      = 30 * time.Millisecond
)

// budget is the run's model of the ICMP error budget of every host that
// can answer a probe with an ICMP error: each target machine, and each
// router that has answered for one. Linux keys a sender's bucket by the
// error's destination: each of our source addresses has a bucket of its
// own at each sender, which all of the sender's addresses share; and the
// sender's host-wide limit (icmp_msgs_per_sec) covers every destination
// and both families. Nothing is known of a budget when the run starts,
// since another scan may just have spent it; time refills it, and each
// ICMP error seen spends it.
//
// A silent try is proven silent when the sender that would have answered
// it held a token all the while the try could have drawn an error: then a
// rejecting port would have been answered. For that the model keeps, for
// each sender, a lower bound on its tokens, the errors it sent and the
// tries they answered; a try's proof waits until every try sent before it
// ended has finished, so that every error that could have spent a token
// before it arrived has been counted.
type budget struct {
	interval time.Duration // the model's refill interval, slack included
	start    time.Time

	mu sync.Mutex
	// ledgers are every sender's buckets: a target machine's (by budget
	// group) or a router's, towards each of our source addresses, and its
	// host-wide one. routers lists, for each of our addresses, the
	// routers heard from there, since any of them may answer a try to any
	// target.
	ledgers map[senderKey]*ledger
	routers map[netip.Addr][]netip.Addr
	// paths are what the run has seen of the path to each target machine,
	// by budget group: how often it loses packets.
	paths map[string]*pathStats
	// inflight maps each unfinished try's ticket number to its start.
	// Numbers and starts both increase, so the oldest unfinished try is
	// the lowest number still there.
	inflight map[uint64]time.Time
	next     uint64
	oldest   uint64
	proofs   *heapof.Heap[*proof] // by the end of their latest try

	// The run waits on the budget while checks are held for a proof or a
	// confirmation and no try of the sweep is in flight: the time the
	// budget adds to the run, confirmation rounds included.
	sweeping    int // sweep tries in flight
	held        int // checks waiting for a proof or a confirmation
	waitSince   time.Time
	waited      time.Duration
	waitTargets map[string]bool
}

// senderKey names one bucket of a sender: a target machine's (group) or a
// router's (router), towards our address src, or its host-wide one
// (hostWide, src unset).
type senderKey struct {
	group    string
	router   netip.Addr
	src      netip.Addr
	hostWide bool
}

// ledger is what the model knows of one bucket.
type ledger struct {
	tokens   float64 // lower bound at time at
	at       time.Time
	interval time.Duration // refill: a token an interval
	burst    float64       // the most tokens it is believed to hold
	// lag is how long after at the refill may not have begun: at is then
	// when the bucket was last spent (hostWideLag).
	lag      time.Duration
	hostWide bool
	pruneAt  int // errors kept before the next prune, at least pruneAt
	errors   []sentError
}

// sentError is one ICMP error seen: when the try that drew it was sent
// (for UDP, the socket's first try, since a late error can surface on a
// later one) and when it was seen.
type sentError struct{ sent, seen time.Time }

// ticket is a try's registration with the budget.
type ticket struct {
	n     uint64
	start time.Time
	end   time.Time
	// tokens is the lower bound the model had, at the start, on the
	// target's bucket towards src and on every router's; hostTokens, on
	// their host-wide ones.
	tokens     float64
	hostTokens float64
	target     netip.Addr
	src        netip.Addr
	group      string
	confirm    bool
	// answered and lost are set by the caller before finish: the try drew
	// an answer, and so many earlier tries of its port had been lost (a
	// silence before a TCP or UDP answer, or a proof that an ICMP error
	// now contradicts).
	answered bool
	lost     int
	// round marks a confirmation round's try (a trace's tries are
	// confirmations too, but no round's); contradicted is, for a round's
	// try that drew its target's error, how many of the port's proofs of
	// the current epoch that error shows were lost errors.
	round        bool
	contradicted int
	// epoch is the proofs' epoch of the try's group when it was sent
	// (proofEpoch): read with the send, under the one lock, rather than
	// with a lock of its own a check.
	epoch uint64
}

func newBudget(interval time.Duration, start time.Time) *budget {
	return &budget{
		interval:    time.Duration(float64(interval) * (1 + intervalSlack)),
		start:       start,
		ledgers:     map[senderKey]*ledger{},
		routers:     map[netip.Addr][]netip.Addr{},
		paths:       map[string]*pathStats{},
		inflight:    map[uint64]time.Time{},
		waitTargets: map[string]bool{},
		proofs:      heapof.New(func(a, b *proof) bool { return a.last.Before(b.last) }),
	}
}

// fresh is the bound on a bucket never heard from: whatever it spent
// before the run, it has refilled since the start.
func (b *budget) fresh(l *ledger, now time.Time) float64 {
	return min(l.burst, float64(max(now.Sub(b.start)-l.lag, 0))/float64(l.interval))
}

func (b *budget) level(l *ledger, now time.Time) float64 {
	if l.lag > 0 {
		return min(l.burst, l.tokens+float64(max(now.Sub(l.at)-l.lag, 0))/float64(l.interval))
	}
	if now.After(l.at) {
		l.tokens = min(l.burst, l.tokens+float64(now.Sub(l.at))/float64(l.interval))
		l.at = now
	}
	return l.tokens
}

// spend takes a token for an error seen now.
func (b *budget) spend(l *ledger, now time.Time) {
	l.tokens, l.at = max(b.level(l, now)-1, 0), now
}

// bucket returns the ledger of key, made on first use.
func (b *budget) bucket(key senderKey, now time.Time) *ledger {
	l := b.ledgers[key]
	if l == nil {
		l = &ledger{at: now, interval: b.interval, burst: modelBurst, hostWide: key.hostWide}
		if key.hostWide {
			l.interval, l.burst, l.lag = hostWideInterval, hostWideBurst, hostWideLag
		}
		l.tokens = b.fresh(l, now)
		b.ledgers[key] = l
		if key.router.IsValid() && !key.hostWide {
			b.routers[key.src] = append(b.routers[key.src], key.router)
		}
	}
	return l
}

// answering calls f with every ledger whose bucket could answer a try
// from our address src to a target of group: the group's towards src and
// host-wide, and every router's towards src and host-wide.
func (b *budget) answering(group string, src netip.Addr, f func(*ledger)) {
	if l := b.ledgers[senderKey{group: group, src: src}]; l != nil {
		f(l)
	}
	if l := b.ledgers[senderKey{group: group, hostWide: true}]; l != nil {
		f(l)
	}
	for _, r := range b.routers[src] {
		f(b.ledgers[senderKey{router: r, src: src}])
		if l := b.ledgers[senderKey{router: r, hostWide: true}]; l != nil {
			f(l)
		}
	}
}

// bound is the lower bound on the tokens that could answer a try from src
// to a target of group now: the least of the buckets towards src, and of
// the host-wide ones.
func (b *budget) bound(group string, src netip.Addr, now time.Time) (tokens, hostTokens float64) {
	tokens = min(modelBurst, float64(now.Sub(b.start))/float64(b.interval))
	hostTokens = min(hostWideBurst, float64(max(now.Sub(b.start)-hostWideLag, 0))/float64(hostWideInterval))
	b.answering(group, src, func(l *ledger) {
		if l.hostWide {
			hostTokens = min(hostTokens, b.level(l, now))
		} else {
			tokens = min(tokens, b.level(l, now))
		}
	})
	return tokens, hostTokens
}

// Level is the bound for tries from src to group now, the least of the
// buckets towards src and of the host-wide ones, in tokens: for a
// confirmer deciding whether a round from src can prove anything.
func (b *budget) Level(group string, src netip.Addr) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	tokens, hostTokens := b.bound(group, src, time.Now())
	return min(tokens, hostTokens)
}

// refilled returns our addresses in srcs whose tries to group the model
// gives a token now, the buckets towards them and the host-wide ones;
// wait is how long until the first of the others will have one, zero
// when there are none.
func (b *budget) refilled(group string, srcs []netip.Addr) (ready []netip.Addr, wait time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	short := 1.0
	for _, src := range srcs {
		tokens, hostTokens := b.bound(group, src, now)
		if tokens >= 1 && hostTokens >= 1 {
			ready = append(ready, src)
			continue
		}
		short = min(short, max(1-tokens, 0))
	}
	if len(srcs) > 0 && len(ready) == len(srcs) {
		return ready, 0
	}
	// The host-wide buckets refill a hundred times faster: the per-source
	// one is what is waited for.
	return nil, max(time.Duration(short*float64(b.interval)), hostWideInterval)
}

// send registers a try from our address src to target, of budget group,
// about to be sent; confirm says it is a confirmation try rather than one
// of the sweep.
func (b *budget) send(target, src netip.Addr, group string, confirm bool) ticket {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	t := ticket{n: b.next, start: now, target: target.Unmap(), src: src.Unmap(), group: group, confirm: confirm}
	t.tokens, t.hostTokens = b.bound(group, t.src, now)
	if ps := b.paths[group]; ps != nil {
		t.epoch = ps.epoch
	}
	b.next++
	b.inflight[t.n] = now
	if !confirm {
		b.sweeping++
		b.clock(now)
	}
	return t
}

// finish records the end of a try: the ICMP error it drew, if any, with
// the time its packet was sent (sent, for UDP the socket's first try).
// It returns the proofs that became decidable, to run without the lock.
func (b *budget) finish(t *ticket, icmp *ICMPError, sent time.Time) []func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	t.end = now
	if icmp != nil {
		for _, l := range b.senderOf(t, icmp.From.Unmap(), now) {
			b.spend(l, now)
			l.errors = append(l.errors, sentError{sent: sent, seen: now})
			if len(l.errors) > max(pruneAt, l.pruneAt) {
				b.prune()
				// What a prune could not forget waits for twice as many
				// errors before the next: pruning stays amortized O(1)
				// even when old proofs keep many errors countable.
				l.pruneAt = 2 * len(l.errors)
			}
		}
	}
	if t.answered || t.lost > 0 || icmp != nil {
		ps := b.pathOf(t.group)
		if t.answered {
			ps.answered++
		}
		ps.lost += t.lost
		fromTarget := icmp != nil && (!icmp.From.IsValid() || icmp.From.Unmap() == t.target)
		if fromTarget {
			ps.icmpFrom++
		}
		if t.round && icmp != nil {
			// Any error a round draws ends the epoch (see proofEpoch);
			// only the target's own counts towards its ICMP's loss: the
			// rounds its port was proven silent in, in this epoch, lost
			// their error.
			ps.epoch++
			if fromTarget {
				ps.icmpRound++
				ps.icmpLost += t.contradicted
			}
		}
	}
	delete(b.inflight, t.n)
	if !t.confirm {
		b.sweeping--
		b.clock(now)
	}
	return b.ready()
}

// senderOf returns the buckets an error that answered t spent, made on
// first use: the sender's towards t's source address, and its host-wide
// one. The sender is the target's machine (group), or, for an error from
// anything but the target, the router, whose budget is its own.
func (b *budget) senderOf(t *ticket, from netip.Addr, now time.Time) [2]*ledger {
	key := senderKey{group: t.group, src: t.src}
	if from.IsValid() && from != t.target {
		key = senderKey{router: from, src: t.src}
	}
	towards := b.bucket(key, now)
	key.src, key.hostWide = netip.Addr{}, true
	return [2]*ledger{towards, b.bucket(key, now)}
}

// proof is a request to decide whether any of a check's silent tries is
// proven; decide is called once, with the proven try's index or -1.
type proof struct {
	tries  []ticket
	last   time.Time // the latest end among tries
	decide func(index int)
}

// prove asks for a proof of tries. It returns the proofs that became
// decidable, this one among them if every try it depends on has finished.
func (b *budget) prove(tries []ticket, decide func(int)) []func() {
	p := &proof{tries: tries, decide: decide}
	for _, t := range tries {
		if t.end.After(p.last) {
			p.last = t.end
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.proofs.Push(p)
	return b.ready()
}

// watermark is the start of the oldest try still in flight, or false if
// none is.
func (b *budget) watermark() (time.Time, bool) {
	for b.oldest < b.next {
		if start, ok := b.inflight[b.oldest]; ok {
			return start, true
		}
		b.oldest++
	}
	return time.Time{}, false
}

// ready pops the proofs whose tries every earlier try has finished with,
// decides them, and returns their callbacks.
func (b *budget) ready() []func() {
	var calls []func()
	for b.proofs.Len() > 0 {
		p := b.proofs.Peek()
		if w, busy := b.watermark(); busy && !w.After(p.last) {
			break
		}
		b.proofs.Pop()
		index := -1
		for i, t := range p.tries {
			if b.proven(t) {
				index = i
				break
			}
		}
		decide := p.decide
		calls = append(calls, func() { decide(index) })
	}
	return calls
}

// proven is the counting argument for one silent try: the bound at its
// start, less every error that could have been spent before its packet
// arrived (seen after its start, drawn by a try sent before its end),
// still leaves a token, for the target and for every router.
func (b *budget) proven(t ticket) bool {
	ok := t.tokens >= 1 && t.hostTokens >= 1
	b.answering(t.group, t.src, func(l *ledger) {
		spent := 0
		for i := len(l.errors) - 1; i >= 0 && l.errors[i].seen.After(t.start); i-- {
			if !l.errors[i].sent.After(t.end) {
				spent++
			}
		}
		bound := t.tokens
		if l.hostWide {
			bound = t.hostTokens
		}
		ok = ok && bound-float64(spent) >= 1
	})
	return ok
}

// pathStats count what a run saw of the path to one target machine: the
// tries it answered, and the tries lost on the way there or back; and
// its proofs' epoch, which an ICMP error drawn by a confirmation try ends
// (see proofEpoch).
type pathStats struct {
	answered, lost int
	epoch          uint64
	// icmpFrom counts the ICMP errors the target itself sent us, by any
	// try; icmpRound those confirmation rounds drew, and icmpLost the
	// rounds a port was proven silent in that its own error, drawn later
	// in the same epoch, showed were lost: the loss of the ICMP errors
	// themselves, which a path's TCP answers cannot show (a middlebox may
	// drop ICMP alone).
	icmpFrom, icmpRound, icmpLost int
}

// maxProofs is the most proofs a silence may need; a path that loses so
// much that more would be needed leaves its silences unproven.
const maxProofs = 16

// wrongProofOdds is the most the chance of a wrong proof may be: one in a
// million checks.
const wrongProofOdds = 1e-6

// proofsNeeded is how many proofs a silence on this path needs, each a
// refill of the target's budget apart, for the chance that all of them
// are wrong to stay below wrongProofOdds; ok is false when more than
// maxProofs would be needed.
//
// A proof is wrong only when an ICMP error was lost: the port's own, or
// the one that spent the token and muted it. Proofs a refill apart cannot
// be made wrong by one lost error, so k of them are all wrong with the
// chance that k errors are lost, p^k at a loss rate p. p is not known:
// it is estimated as a Beta distribution that starts at one loss in a
// hundred tries (a prior worth a hundred tries, so that a few lucky
// answers do not make a path look lossless): from the run's tries to the
// machine, answered and lost, and from the errors rounds drew and the
// rounds shown to have lost one (pathStats), since ICMP may be lost where
// answers are not. k is the least for which the mean of p^k, the chance
// of k losses in a row, stays below the odds under each. The ICMP errors'
// estimate holds even before the target has sent one: a host that sends
// none may drop what it does not serve, or reject with errors that were
// all muted (another scan spent its budget) or lost so far, and TCP
// answers cannot tell the two apart. Letting them decide alone made the
// first two proofs of a run right after another scan, at one ICMP error
// in five lost by a middlebox, both wrong in about one run in twenty
// (TestLabManyRejectingUnderLoss: 2 of 31). A port's proofs come from rounds in a
// row (proofEpoch), and a port waits through as many epochs as rounds
// draw errors, a run of k lost errors able to begin in any: the odds of
// epoch j are wrongProofOdds/((j+1)(j+2)), which over every epoch add up
// to wrongProofOdds. (Where no port rejects, no round draws an error, and
// no silent round is wrong.)
func (ps pathStats) proofsNeeded() (k int, ok bool) {
	j := float64(ps.epoch)
	odds := wrongProofOdds / ((j + 1) * (j + 2))
	k, ok = proofsFor(ps.answered, ps.lost, odds)
	k2, ok2 := proofsFor(ps.icmpRound, ps.icmpLost, odds)
	return max(k, k2), ok && ok2
}

// proofsFor is how many proofs a path that answered so many tries and
// lost so many needs for the chance that all are wrong to stay below odds.
func proofsFor(answered, lost int, odds float64) (k int, ok bool) {
	alpha, beta := 1+float64(lost), 99+float64(answered)
	chance := 1.0
	for k := 1; k <= maxProofs; k++ {
		// E[p^k] of Beta(α, β) is the product of (α+i)/(α+β+i), i < k.
		chance *= (alpha + float64(k-1)) / (alpha + beta + float64(k-1))
		if chance <= odds {
			return k, true
		}
	}
	return maxProofs + 1, false
}

// pathOf is group's pathStats, made on first use; b.mu is held.
func (b *budget) pathOf(group string) *pathStats {
	ps := b.paths[group]
	if ps == nil {
		ps = &pathStats{}
		b.paths[group] = ps
	}
	return ps
}

// proofEpoch is group's proofs' epoch: a silence's proofs count only in
// the epoch they were made in. A confirmation round tries every pending
// port of a machine on one token; an ICMP error it draws shows that a port
// that rejects was pending, so that a round before, which drew none,
// owed its silence to a lost error, and every proof it gave is wrong.
// Which round lost one is not known: every proof before the error is let
// go. A port then needs its proofs from rounds in a row that drew none,
// and k of those are all wrong only when k errors in a row were lost,
// however many rounds it waits, rather than whenever k of the many rounds
// it waits through lose theirs (issue #23's I3 at 10% loss: 61 to 81 of
// 100 port-unreachable ports proven FILTERED after up to 77 tries).
func (b *budget) proofEpoch(group string) uint64 {
	return b.path(group).epoch
}

// path is what the run has seen of the path to group.
func (b *budget) path(group string) pathStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ps := b.paths[group]; ps != nil {
		return *ps
	}
	return pathStats{}
}

// pruneAt is how many errors a sender's ledger keeps before it forgets
// those no proof can count any more. Targets send a few errors a second,
// so it is seldom reached; pruning looks at every pending proof.
const pruneAt = 1024

// prune forgets errors no pending or future proof can count: those seen
// before the oldest try that is still in flight or waiting for a proof.
func (b *budget) prune() {
	horizon, busy := b.watermark()
	if !busy {
		horizon = time.Now()
	}
	for _, p := range b.proofs.All() {
		for _, t := range p.tries {
			if t.start.Before(horizon) {
				horizon = t.start
			}
		}
	}
	for _, l := range b.all() {
		i := 0
		for i < len(l.errors) && !l.errors[i].seen.After(horizon) {
			i++
		}
		if i > 0 {
			l.errors = append(l.errors[:0], l.errors[i:]...)
		}
	}
}

func (b *budget) all() []*ledger {
	all := make([]*ledger, 0, len(b.ledgers))
	for _, l := range b.ledgers {
		all = append(all, l)
	}
	return all
}

// hold counts a check in (+1) or out (-1) of waiting for a proof or a
// confirmation of its silence.
func (b *budget) hold(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held += n
	b.clock(time.Now())
}

// confirming records that group's checks needed confirmation rounds.
func (b *budget) confirming(group string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.waitTargets[group] = true
}

// clock starts or stops the wait clock as the run's state changes.
func (b *budget) clock(now time.Time) {
	waiting := b.sweeping == 0 && b.held > 0
	switch {
	case waiting && b.waitSince.IsZero():
		b.waitSince = now
	case !waiting && !b.waitSince.IsZero():
		b.waited += now.Sub(b.waitSince)
		b.waitSince = time.Time{}
	}
}

// Stats say how long a run waited on targets' ICMP budgets.
type Stats struct {
	// ICMPWait is the time the run spent only on targets' ICMP budgets:
	// checks were waiting for a silence to be proven, and no try of the
	// sweep was in flight. Confirmation rounds count.
	ICMPWait time.Duration
	// ICMPWaitTargets counts the targets whose silences needed
	// confirmation rounds: machines, whose addresses share one budget.
	ICMPWaitTargets int
}

func (b *budget) stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	waited := b.waited
	if !b.waitSince.IsZero() {
		waited += now.Sub(b.waitSince)
	}
	return Stats{ICMPWait: waited, ICMPWaitTargets: len(b.waitTargets)}
}
