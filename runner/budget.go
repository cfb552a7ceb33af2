package runner

import (
	"container/heap"
	"net/netip"
	"sync"
	"time"
)

// DefaultICMPInterval is Linux's icmp_ratelimit (and icmpv6 ratelimit): a
// host sends one ICMP error a second to each destination, after a burst.
const DefaultICMPInterval = time.Second

// intervalSlack makes the model refill a little slower than the target: the
// target counts in jiffies, and a try that lands a millisecond before its
// token is muted all the same.
const intervalSlack = 0.03

// modelBurst is the most tokens the model ever believes a sender holds.
// Linux's bucket towards one destination holds 6, but the host-wide limit
// (icmp_msgs_burst, spent by a random 0-2 credits an error since 6.12) can
// leave fewer, and the counting argument needs only one: with at least one
// token and no error spent, nothing was muted.
const modelBurst = 1.0

// budget is the run's model of the ICMP error budget of every host that
// can answer a probe with an ICMP error: each target machine, and each
// router that has answered for one. A machine's addresses share one
// budget: Linux keys its bucket by the destination (us), not by which of
// its addresses sends, and its host-wide limit (icmp_msgs_per_sec) covers
// both families. Nothing is known of a budget when the run starts,
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
	// groups are the target machines' ledgers, by budget group; routers
	// are the other senders', each of which counts against every target.
	groups  map[string]*ledger
	routers map[netip.Addr]*ledger
	// paths are what the run has seen of the path to each target machine,
	// by budget group: how often it loses packets.
	paths map[string]*pathStats
	// inflight maps each unfinished try's ticket number to its start.
	// Numbers and starts both increase, so the oldest unfinished try is
	// the lowest number still there.
	inflight map[uint64]time.Time
	next     uint64
	oldest   uint64
	proofs   proofQueue

	// The run waits on the budget while checks are held for a proof or a
	// confirmation and no try of the sweep is in flight: the time the
	// budget adds to the run, confirmation rounds included.
	sweeping    int // sweep tries in flight
	held        int // checks waiting for a proof or a confirmation
	waitSince   time.Time
	waited      time.Duration
	waitTargets map[string]bool
}

// ledger is what the model knows of one sender's budget towards us.
type ledger struct {
	tokens  float64 // lower bound at time at
	at      time.Time
	pruneAt int // errors kept before the next prune, at least pruneAt
	errors  []sentError
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
	// target's budget and on every router's.
	tokens  float64
	target  netip.Addr
	group   string
	confirm bool
	// answered and lost are set by the caller before finish: the try drew
	// an answer, and so many earlier tries of its port had been lost (a
	// silence before a TCP or UDP answer, or a proof that an ICMP error
	// now contradicts).
	answered bool
	lost     int
}

func newBudget(interval time.Duration, start time.Time) *budget {
	return &budget{
		interval:    time.Duration(float64(interval) * (1 + intervalSlack)),
		start:       start,
		groups:      map[string]*ledger{},
		routers:     map[netip.Addr]*ledger{},
		paths:       map[string]*pathStats{},
		inflight:    map[uint64]time.Time{},
		waitTargets: map[string]bool{},
	}
}

// fresh is the bound on a sender never heard from: whatever it spent
// before the run, it has refilled since the start.
func (b *budget) fresh(now time.Time) float64 {
	return min(modelBurst, float64(now.Sub(b.start))/float64(b.interval))
}

func (b *budget) level(l *ledger, now time.Time) float64 {
	if now.After(l.at) {
		l.tokens = min(modelBurst, l.tokens+float64(now.Sub(l.at))/float64(b.interval))
		l.at = now
	}
	return l.tokens
}

// answering calls f with every ledger whose budget could answer a try to
// a target of group: the group's own, and every router's.
func (b *budget) answering(group string, f func(*ledger)) {
	if l := b.groups[group]; l != nil {
		f(l)
	}
	for _, l := range b.routers {
		f(l)
	}
}

// bound is the lower bound on the tokens that could answer a try to a
// target of group now: the least of the group's and every router's.
func (b *budget) bound(group string, now time.Time) float64 {
	low := b.fresh(now)
	b.answering(group, func(l *ledger) { low = min(low, b.level(l, now)) })
	return low
}

// Level is the bound for group now, for a confirmer deciding whether a
// round can prove anything.
func (b *budget) Level(group string) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bound(group, time.Now())
}

// send registers a try to target, of budget group, about to be sent;
// confirm says it is a confirmation try rather than one of the sweep.
func (b *budget) send(target netip.Addr, group string, confirm bool) ticket {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	t := ticket{n: b.next, start: now, tokens: b.bound(group, now), target: target.Unmap(), group: group, confirm: confirm}
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
		l := b.ledger(t, icmp.From.Unmap(), now)
		b.level(l, now)
		l.tokens = max(l.tokens-1, 0)
		l.errors = append(l.errors, sentError{sent: sent, seen: now})
		if len(l.errors) > max(pruneAt, l.pruneAt) {
			b.prune()
			// What a prune could not forget waits for twice as many
			// errors before the next: pruning stays amortized O(1) even
			// when old proofs keep many errors countable.
			l.pruneAt = 2 * len(l.errors)
		}
	}
	if t.answered || t.lost > 0 {
		ps := b.paths[t.group]
		if ps == nil {
			ps = &pathStats{}
			b.paths[t.group] = ps
		}
		if t.answered {
			ps.answered++
		}
		ps.lost += t.lost
	}
	delete(b.inflight, t.n)
	if !t.confirm {
		b.sweeping--
		b.clock(now)
	}
	return b.ready()
}

// ledger returns the ledger of the sender of an error that answered t,
// made on first use: the target's group's, or, for an error from anything
// but the target, the router's, whose budget is its own.
func (b *budget) ledger(t *ticket, from netip.Addr, now time.Time) *ledger {
	if from.IsValid() && from != t.target {
		l := b.routers[from]
		if l == nil {
			l = &ledger{tokens: b.fresh(now), at: now}
			b.routers[from] = l
		}
		return l
	}
	l := b.groups[t.group]
	if l == nil {
		l = &ledger{tokens: b.fresh(now), at: now}
		b.groups[t.group] = l
	}
	return l
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
	heap.Push(&b.proofs, p)
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
		p := b.proofs[0]
		if w, busy := b.watermark(); busy && !w.After(p.last) {
			break
		}
		heap.Pop(&b.proofs)
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
	ok := t.tokens >= 1
	b.answering(t.group, func(l *ledger) {
		spent := 0
		for i := len(l.errors) - 1; i >= 0 && l.errors[i].seen.After(t.start); i-- {
			if !l.errors[i].sent.After(t.end) {
				spent++
			}
		}
		ok = ok && t.tokens-float64(spent) >= 1
	})
	return ok
}

// pathStats count what a run saw of the path to one target machine: the
// tries it answered, and the tries lost on the way there or back.
type pathStats struct{ answered, lost int }

// maxProofs is the most proofs a silence may need; a path that loses so
// much that more would be needed leaves its silences unproven.
const maxProofs = 16

// wrongProofOdds is the most the chance of a wrong proof may be: one in a
// million checks.
const wrongProofOdds = 1e-6

// proofsNeeded is how many proofs a silence towards group needs, each a
// refill of the target's budget apart, for the chance that all of them
// are wrong to stay below wrongProofOdds; ok is false when more than
// maxProofs would be needed.
//
// A proof is wrong only when an ICMP error was lost: the port's own, or
// the one that spent the token and muted it. Proofs a refill apart cannot
// be made wrong by one lost error, so k of them are all wrong with the
// chance that k errors are lost, p^k at a loss rate p. p is not known:
// it is estimated from the run's tries to the machine, answered and lost,
// as a Beta distribution that starts at one loss in a hundred tries (a
// prior worth a hundred tries, so that a few lucky answers do not make a
// path look lossless), and k is the least for which the mean of p^k,
// the chance of k losses in a row, stays below the odds.
func (b *budget) proofsNeeded(group string) (k int, ok bool) {
	ps := b.path(group)
	return proofsFor(ps.answered, ps.lost)
}

// proofsFor is proofsNeeded for a path that answered so many tries and
// lost so many.
func proofsFor(answered, lost int) (k int, ok bool) {
	alpha, beta := 1+float64(lost), 99+float64(answered)
	odds := 1.0
	for k := 1; k <= maxProofs; k++ {
		// E[p^k] of Beta(α, β) is the product of (α+i)/(α+β+i), i < k.
		odds *= (alpha + float64(k-1)) / (alpha + beta + float64(k-1))
		if odds <= wrongProofOdds {
			return k, true
		}
	}
	return maxProofs + 1, false
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
	for _, p := range b.proofs {
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
	var all []*ledger
	for _, l := range b.groups {
		all = append(all, l)
	}
	for _, l := range b.routers {
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

// proofQueue orders proofs by the end of their latest try.
type proofQueue []*proof

func (q proofQueue) Len() int           { return len(q) }
func (q proofQueue) Less(i, j int) bool { return q[i].last.Before(q[j].last) }
func (q proofQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *proofQueue) Push(x any)        { *q = append(*q, x.(*proof)) }
func (q *proofQueue) Pop() any {
	old := *q
	p := old[len(old)-1]
	*q = old[:len(old)-1]
	return p
}
