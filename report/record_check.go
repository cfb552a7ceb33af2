package report

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/portspec/portspec/verdict"
)

// signals are the words the runner's signals are written with; a test
// beside the runner's conversion holds the two lists to each other.
var signals = []string{SignalSilence, "SYN-ACK", SignalReply, "RST", "ICMP", SignalLocal, SignalSocketTable, SignalRefused}

// check refuses a record that does not say what a report can mean: a
// word of the layout it does not know, an address that is none.
func (r *Record) validate() error {
	if _, ok := verdict.ParseProtocol(r.Protocol); !ok {
		return fmt.Errorf("unknown protocol %s", quoteCut(r.Protocol))
	}
	if _, ok := verdict.ParseState(r.Expected); !ok {
		return fmt.Errorf("unknown expected state %s", quoteCut(r.Expected))
	}
	switch _, ok := verdict.ParseStatus(r.Actual); {
	case r.Actual == "" && r.Verdict != verdict.Skipped:
		return fmt.Errorf("no actual state for a %s verdict", r.Verdict)
	case r.Actual != "" && !ok:
		return fmt.Errorf("unknown actual state %s", quoteCut(r.Actual))
	}
	if _, err := netip.ParseAddr(r.Address); err != nil && (r.Name == "" || r.Address != r.Name) && r.Address != verdict.LocalAddress {
		return fmt.Errorf("address %s is not an IP address", quoteCut(r.Address))
	}
	for _, c := range r.Controls {
		if c == "" {
			return errors.New("an empty control")
		}
	}
	if w := r.Waiver; w != nil {
		if _, err := time.Parse(time.DateOnly, w.Until); err != nil || w.Reason == "" {
			return fmt.Errorf("a waiver needs a reason and a date until which it holds, YYYY-MM-DD; got %s until %s", quoteCut(w.Reason), quoteCut(w.Until))
		}
	}
	if r.Verdict == verdict.Waived && r.Waiver == nil {
		return errors.New("a waived verdict without its waiver")
	}
	if ev := r.Evidence; ev != nil {
		if err := ev.validate(); err != nil {
			return fmt.Errorf("evidence: %v", err)
		}
	}
	for _, rd := range r.Rounds {
		if err := rd.validate(); err != nil {
			return err
		}
	}
	if t := r.Trace; t != nil {
		if err := t.validate(); err != nil {
			return fmt.Errorf("trace: %v", err)
		}
	}
	return nil
}

// validateVerdict refuses a record whose verdict its own facts do not allow:
// merge and diff count what a verdict says, so a "pass" beside expected
// listening and actual NOT LISTENING must not pass a run.
//
// The verdict is judged again by verdict.Judge from what the record
// holds: its expected state, its actual state (none for a check that
// never ran) and its waiver as it holds on day, the day the run judged
// waivers on. A record does not hold every fact its verdict rested on,
// and each one it lacks can only have made the verdict stricter than the
// states alone make it:
//
//   - a banner that did not match, or a local port's owner that was
//     another process or could not be seen, fails (or errs) a LISTENING
//     port that listening passes, and a waiver that holds waives that
//     failure;
//   - under check --wait, a check that passed and then failed again is a
//     failure whatever its last round found, and a later round may judge
//     a waiver on a later day, when it has expired;
//   - --fail-fast and an interrupted run leave checks skipped, with no
//     actual state (End checks that one of them happened).
//
// So the stored verdict must be the one judged again, or stricter in
// what it makes of a run, ranked by severity: pass, then waived, then
// fail or error, which fail it. Waived needs a waiver that holds on day,
// whatever failure it excuses; skipped goes with no actual state, and
// check refuses a missing actual state with any other verdict. A pass or
// a waived verdict where the states fail, or a pass where they err, is
// refused.
func (r *Record) validateVerdict(day time.Time) error {
	if r.Verdict.Failing() {
		return nil // no verdict is stricter: nothing to judge again
	}
	state, _ := verdict.ParseState(r.Expected)
	status, _ := verdict.ParseStatus(r.Actual)
	want := verdict.Expectation{State: state}
	if w := r.Waiver; w != nil {
		until, _ := time.Parse(time.DateOnly, w.Until) // check has parsed it
		want.Waiver = verdict.NewWaiver(w.Reason, until, day)
	}
	judged := verdict.Judge(want, verdict.Found{Status: status, Skipped: r.Actual == ""}).Verdict
	stored := r.Verdict
	switch {
	case stored == verdict.Waived && r.Waiver.Expired:
		return errors.New("verdict waived, under a waiver it marks expired: an expired waiver waives nothing")
	case stored == verdict.Waived && want.Waiver.Expired:
		return fmt.Errorf("verdict waived, under a waiver that held through %s, and waivers are judged on %s (the day the run started, or --today): an expired waiver waives nothing",
			r.Waiver.Until, day.Format(time.DateOnly))
	case stored == judged:
		return nil
	case stored == verdict.Skipped:
		return fmt.Errorf("verdict skipped, yet it found %s: a check that never ran finds nothing", r.Actual)
	case severity(stored) < severity(judged):
		return fmt.Errorf("verdict %s, but expected %s and actual %s make it %s: a verdict may be stricter than its states, never more lenient",
			stored, r.Expected, r.Actual, judged)
	}
	return nil
}

// severity ranks a verdict by what it makes of a run: a pass, a failure
// a waiver excuses, and what fails the run (a failure, an error, no
// verdict).
func severity(v verdict.Verdict) int {
	switch v {
	case verdict.Pass:
		return 0
	case verdict.Waived:
		return 1
	}
	return 2
}

func (e *Evidence) validate() error {
	if err := validateSignal(e.Signal, e.ICMP); err != nil {
		return err
	}
	if !slices.Contains([]string{"", "unproven", "proven"}, e.Silence) {
		return fmt.Errorf("unknown silence %s", quoteCut(e.Silence))
	}
	if _, err := hex.DecodeString(e.ReplyHex); err != nil {
		return fmt.Errorf("reply_hex: %v", err)
	}
	if len(e.Tries) == 0 {
		return errors.New("no tries")
	}
	for i, t := range e.Tries {
		if err := validateSignal(t.Signal, t.ICMP); err != nil {
			return fmt.Errorf("try %d: %v", i+1, err)
		}
		if _, err := netip.ParseAddr(t.Source); t.Source != "" && err != nil {
			return fmt.Errorf("try %d: source %s is not an IP address", i+1, quoteCut(t.Source))
		}
	}
	return nil
}

func validateSignal(signal string, icmp *ICMP) error {
	if !slices.Contains(signals, signal) {
		return fmt.Errorf("unknown signal %s", quoteCut(signal))
	}
	if icmp == nil {
		return nil
	}
	if icmp.Family != "icmp" && icmp.Family != "icmpv6" {
		return fmt.Errorf("unknown ICMP family %s", quoteCut(icmp.Family))
	}
	if _, err := netip.ParseAddr(icmp.From); err != nil {
		return fmt.Errorf("ICMP error from %s, which is not an IP address", quoteCut(icmp.From))
	}
	return nil
}
