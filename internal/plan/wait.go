package plan

import (
	"fmt"
	"iter"
	"time"

	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

// MaxBackoff is the longest wait between two rounds of check --wait.
const MaxBackoff = 15 * time.Second

// Waiter runs check --wait's rounds: the first round probes every check;
// each later one, after a backoff of 1 s, 2 s, 4 s, ... at most
// MaxBackoff, probes again the checks that have failed, until they all
// pass in one round or the deadline comes. A check that passed and then
// failed again is flapping, and fails; it is not probed again.
type Waiter struct {
	start, deadline time.Time
	round           int
	// retried are the checks that failed in the first round, in order,
	// by their place among the first round's records.
	retried []*retried
	byIndex map[int]*retried
	// last says the round begun starts at the deadline: no other follows.
	last bool
}

type retried struct {
	check    spec.Check
	rounds   []report.Record
	passed   bool // in some round after a failure
	flapping bool
}

func (r *retried) last() report.Record { return r.rounds[len(r.rounds)-1] }

// NewWaiter starts a wait of d from start, the first round's start.
func NewWaiter(start time.Time, d time.Duration) *Waiter {
	return &Waiter{start: start, deadline: start.Add(d), round: 1, byIndex: map[int]*retried{}}
}

// First takes the index-th record of the first round, with its check:
// a failure is kept to probe again.
func (w *Waiter) First(index int, c spec.Check, rec report.Record) {
	if !rec.Verdict.Failing() {
		return
	}
	r := &retried{check: c, rounds: []report.Record{rec}}
	w.retried = append(w.retried, r)
	w.byIndex[index] = r
}

// Failing counts the checks whose last round failed, flapping ones
// included (the round that found a flap failed).
func (w *Waiter) Failing() int {
	n := 0
	for _, r := range w.retried {
		if r.last().Verdict.Failing() {
			n++
		}
	}
	return n
}

// Probing counts the checks the round begun probes.
func (w *Waiter) Probing() int { return len(w.probing()) }

// Round is the number of the last round begun.
func (w *Waiter) Round() int { return w.round }

// Next says how long to wait before the next round, and false when there
// is none: every retried check passes now (or flaps), or the deadline has
// come. The round that would start past the deadline starts at it.
func (w *Waiter) Next(now time.Time) (time.Duration, bool) {
	if !now.Before(w.deadline) || w.allPassing() {
		return 0, false
	}
	delay := min(time.Second<<min(w.round-1, 4), MaxBackoff)
	if !now.Add(delay).Before(w.deadline) {
		delay, w.last = w.deadline.Sub(now), true
	}
	w.round++
	return delay, true
}

// Last says the round begun is the last one the deadline allows: what
// still fails after it is reported failing, so it is the round to trace.
func (w *Waiter) Last() bool { return w.last }

// allPassing says no check a round would probe still fails: true too when
// there is none.
func (w *Waiter) allPassing() bool {
	for _, r := range w.probing() {
		if r.last().Verdict.Failing() {
			return false
		}
	}
	return true
}

// probing are the checks a round probes: every retried one but those
// found flapping.
func (w *Waiter) probing() []*retried {
	var out []*retried
	for _, r := range w.retried {
		if !r.flapping {
			out = append(out, r)
		}
	}
	return out
}

// Checks are the checks of the round begun, in spec order, and the
// function that must be given their records in the same order.
func (w *Waiter) Checks() (iter.Seq[spec.Check], func(report.Record)) {
	probing := w.probing()
	next := 0
	seq := func(yield func(spec.Check) bool) {
		for _, r := range probing {
			if !yield(r.check) {
				return
			}
		}
	}
	take := func(rec report.Record) {
		r := probing[next]
		next++
		if rec.Verdict == verdict.Skipped {
			return // interrupted: the round did not happen for it
		}
		switch {
		case rec.Verdict.Failing() && r.passed:
			r.flapping = true
		case !rec.Verdict.Failing():
			r.passed = true
		}
		r.rounds = append(r.rounds, rec)
	}
	return seq, take
}

// Final is the record a report gets for the index-th record of the first
// round, rec: rec itself for a check that passed then, else its last
// round's, with every round and what they add up to.
func (w *Waiter) Final(index int, rec report.Record) report.Record {
	r, ok := w.byIndex[index]
	if !ok {
		return rec
	}
	// Every round's tries are in the log; the record keeps the last's
	// evidence, and every round in a line.
	final := r.last()
	rounds := r.roundLines()
	n := len(r.rounds)
	took := final.Started.Add(final.Duration()).Sub(w.start).Round(time.Second)
	switch {
	case r.flapping:
		var passedIn, failedIn int
		for i, rd := range r.rounds {
			if !rd.Verdict.Failing() && passedIn == 0 {
				passedIn = i + 1
			}
			if rd.Verdict.Failing() && passedIn > 0 && failedIn == 0 {
				failedIn = i + 1
			}
		}
		final = r.rounds[failedIn-1]
		final.Verdict = verdict.Fail
		final.Message = fmt.Sprintf("flapping: passed in round %d, failed again in round %d: %s", passedIn, failedIn, final.Message)
	case !final.Verdict.Failing():
		// Since the round it first passed: later rounds, which probed
		// it while others still failed, passed too.
		first := n - 1
		for first > 0 && !r.rounds[first-1].Verdict.Failing() {
			first--
		}
		passed := r.rounds[first]
		took = passed.Started.Add(passed.Duration()).Sub(w.start).Round(time.Second)
		final.Note = joinNotes(fmt.Sprintf("passed after %s (%d rounds)", took, first+1), final.Note)
	default:
		final.Note = joinNotes(fmt.Sprintf("still failing after %s (%d rounds)", took, n), final.Note)
	}
	final.Rounds = rounds
	return final
}

func (r *retried) roundLines() []report.Round {
	out := make([]report.Round, len(r.rounds))
	for i, rd := range r.rounds {
		out[i] = report.RoundOf(i+1, rd)
	}
	return out
}

func joinNotes(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}
