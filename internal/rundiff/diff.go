package rundiff

import (
	"cmp"
	"fmt"

	"github.com/portspec/portspec/report"
)

// Kind is what changed about a check between two runs.
type Kind uint8

const (
	// NewlyFailing: failing (a failure or an error) in the new run, and
	// passing, waived, skipped or absent in the old one.
	NewlyFailing Kind = iota
	// Fixed: failing in the old run, not in the new one.
	Fixed
	// ExpectationChanged: the spec expects another state of the port.
	ExpectationChanged
	// StateChanged: another actual state, passing both times, such as
	// FILTERED to NOT LISTENING under blocked.
	StateChanged
	// Added: a check only the new run has, not failing.
	Added
	// Removed: a check only the old run has.
	Removed
	kinds
)

var kindNames = [...]string{"newly failing", "fixed", "expectation changed", "state changed, still passing", "added", "removed"}

// String is the kind's heading.
func (k Kind) String() string { return kindNames[k] }

// Key is the kind's name in the JSON output.
func (k Kind) Key() string {
	return [...]string{"newly_failing", "fixed", "expectation_changed", "state_changed", "added", "removed"}[k]
}

// Change is one check that changed; Old or New is nil for one that was
// added or removed.
type Change struct {
	Kind     Kind
	Old, New *Check
}

// Check returns the change's check, as the new run has it if it has it.
func (c Change) Check() Check {
	if c.New != nil {
		return *c.New
	}
	return *c.Old
}

// classify says what changed between old and new, and false for nothing
// worth telling.
func classify(old, new *Check) (Kind, bool) {
	switch {
	case old == nil && new.Verdict.Failing():
		return NewlyFailing, true
	case old == nil:
		return Added, true
	case new == nil:
		return Removed, true
	case new.Verdict.Failing() && !old.Verdict.Failing():
		return NewlyFailing, true
	case old.Verdict.Failing() && !new.Verdict.Failing():
		return Fixed, true
	case old.Expected != new.Expected:
		return ExpectationChanged, true
	case old.Actual != new.Actual && !old.Verdict.Failing():
		return StateChanged, true
	}
	return 0, false
}

// Summary counts the changes of each kind.
type Summary [kinds]int

// Diff reads the two runs' sorted streams and calls emit for every change,
// in key order.
func diff(old, new *mergedRun, emit func(Change) error) (Summary, error) {
	var sum Summary
	o, oOK, err := old.next()
	if err != nil {
		return sum, err
	}
	n, nOK, err := new.next()
	if err != nil {
		return sum, err
	}
	for oOK || nOK {
		var oc, nc *Check
		switch c := order(o, oOK, n, nOK); {
		case c < 0:
			oc = &o
		case c > 0:
			nc = &n
		default:
			oc, nc = &o, &n
		}
		if kind, ok := classify(oc, nc); ok {
			sum[kind]++
			ch := Change{Kind: kind}
			if oc != nil {
				copied := *oc
				ch.Old = &copied
			}
			if nc != nil {
				copied := *nc
				ch.New = &copied
			}
			if err := emit(ch); err != nil {
				return sum, err
			}
		}
		if oc != nil {
			if o, oOK, err = old.next(); err != nil {
				return sum, err
			}
		}
		if nc != nil {
			if n, nOK, err = new.next(); err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}

// order compares the heads of the two streams; a finished stream sorts
// last.
func order(o Check, oOK bool, n Check, nOK bool) int {
	switch {
	case !oOK:
		return 1
	case !nOK:
		return -1
	}
	return cmp.Or(compareKey(o, n), cmp.Compare(o.N, n.N))
}

// Line says a change in a line: "app: mx (198.18.0.2) tcp/587 listening:
// LISTENING pass → FILTERED fail".
func (c Change) Line() string {
	name := c.Check().Name()
	switch {
	case c.Old == nil:
		return fmt.Sprintf("%s %s: %s %s", name, c.New.Expected, show(c.New.Actual), c.New.Verdict)
	case c.New == nil:
		return fmt.Sprintf("%s %s: was %s %s", name, c.Old.Expected, show(c.Old.Actual), c.Old.Verdict)
	case c.Old.Expected != c.New.Expected:
		return fmt.Sprintf("%s: %s, %s %s → %s, %s %s", name, c.Old.Expected, show(c.Old.Actual), c.Old.Verdict, c.New.Expected, show(c.New.Actual), c.New.Verdict)
	}
	return fmt.Sprintf("%s %s: %s %s → %s %s", name, c.New.Expected, show(c.Old.Actual), c.Old.Verdict, show(c.New.Actual), c.New.Verdict)
}

// Name is the check's key as the reports write it: "app: mx
// (198.18.0.2) tcp/587".
func (k Check) Name() string {
	return fmt.Sprintf("%s %s/%d", report.HostName(k.Vantage, k.Host, k.Address), k.Protocol, k.Port)
}

func show(actual string) string {
	if actual == "" {
		return "not run"
	}
	return actual
}
