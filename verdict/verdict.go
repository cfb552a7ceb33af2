package verdict

import (
	"fmt"
	"regexp"
	"time"
)

// Verdict is how a found status compares with its expectation.
type Verdict uint8

const (
	// Unknown is the zero Verdict: nobody judged the result. It is never
	// a pass; reports count it as an error.
	Unknown Verdict = iota
	Pass
	Fail
	// Errored means no status could be found: the name did not resolve,
	// or the probe failed locally.
	Errored
	// Skipped means the check never finished: the run was interrupted.
	Skipped
	// Waived is a failure that an unexpired waiver accepts: a tracked
	// exception, which does not fail the run.
	Waived
)

var verdictNames = [...]string{"unknown", "pass", "fail", "error", "skipped", "waived"}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", uint8(v))
}

// Failing reports whether the verdict fails a run: a failure, an error,
// or no verdict at all.
func (v Verdict) Failing() bool { return v != Pass && v != Skipped && v != Waived }

// MarshalText writes the verdict's name, as the JSON report has it.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText reads a verdict's name, and refuses any other word:
// a report must never turn a word it does not know into a verdict.
func (v *Verdict) UnmarshalText(b []byte) error {
	for i, n := range verdictNames {
		if n == string(b) {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("unknown verdict %q", b)
}

// Found is what a probe found, as much of it as a verdict depends on.
type Found struct {
	Status Status
	// Err is why Status is Error.
	Err error
	// Skipped says the probe never finished: the run was interrupted.
	Skipped bool
	// Reply is what the port sent first, for a banner to match.
	Reply []byte
	// Probe names the UDP request sent, for the hint to a silent port.
	Probe string
	// Evidence sums the tries up in a line, for a failure's message: a
	// function, since only a failure needs it.
	Evidence func() string
	// Owners are the processes of the sockets listening on a local port,
	// "" for a socket no process holds; OwnersHidden says some could not
	// be seen (another user's, without root).
	Owners       []string
	OwnersHidden bool
}

// Expectation is what a check wants of a port.
type Expectation struct {
	State State
	// Banner, when set, must match what a LISTENING port sends first.
	Banner *regexp.Regexp
	// Waiver, when set, accepts a failure until it expires.
	Waiver *Waiver
	// Process, when set, must own every socket listening on a local
	// port.
	Process string
}

// LocalAddress is the address of a host whose own sockets are checked,
// read rather than probed: in a spec and in a report.
const LocalAddress = "local"

// Waiver is a tracked exception to an expectation, as judged and as the
// JSON report holds it.
type Waiver struct {
	Reason string `json:"reason"`
	// Until is the last day it holds, as YYYY-MM-DD.
	Until string `json:"until"`
	// Expired says the run is past Until.
	Expired bool `json:"expired,omitempty"`
}

// NewWaiver is the waiver that accepts a failure, for reason, through the
// day until (a date at midnight UTC), as judged on day today: a run's, or
// check --today's. A run judges its checks with it, and merge judges them
// again from a record with it.
func NewWaiver(reason string, until, today time.Time) *Waiver {
	return &Waiver{Reason: reason, Until: until.Format(time.DateOnly), Expired: WaiverExpired(until, today)}
}

// WaiverExpired reports whether a waiver that holds through the day
// until (a date at midnight UTC) no longer holds on day today: whether
// today's date, where today was taken, is past it.
func WaiverExpired(until, today time.Time) bool {
	y, m, d := today.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(until)
}

// String says it in a line: "waived until 2027-01-31: legacy console".
func (w Waiver) String() string { return fmt.Sprintf("waived until %s: %s", w.Until, w.Reason) }

// Outcome is a verdict with the words that explain it.
type Outcome struct {
	Verdict Verdict
	// Message is the one-line diff of a failure or error: "expected
	// listening, got FILTERED (no reply to 3 tries, 212ms timeout)".
	Message string
	// Note qualifies a verdict: a pass that could also be a silent
	// listener, or how to make an ambiguous failure clear.
	Note string
}

// Judge compares what was found with what was expected.
//
//	expected \ found   LISTENING  NOT LISTENING  FILTERED  LISTENING or FILTERED
//	listening          pass       fail           fail      fail, hint: add a payload
//	not_listening      fail       pass           fail      fail
//	filtered           fail       fail           pass      pass, "or a silent listener"
//	blocked            fail       pass           pass      pass
//
// A banner that does not match fails a LISTENING port. An expectation
// with no state is never a pass. An unexpired waiver turns a failure into
// Waived; an expired one only says so in the message; a pass that still
// has a waiver says it is no longer needed.
func Judge(want Expectation, got Found) Outcome {
	o := judge(want, got)
	w := want.Waiver
	switch {
	case w == nil:
	case o.Verdict == Fail && !w.Expired:
		o.Verdict = Waived
		o.Note = w.String()
	case o.Verdict == Fail:
		o.Message += "; waiver expired " + w.Until
	case o.Verdict == Pass:
		o.Note = fmt.Sprintf("the check passes, so its waiver (until %s) is no longer needed: remove it", w.Until)
	}
	return o
}

func judge(want Expectation, got Found) Outcome {
	var o Outcome
	switch {
	case got.Skipped:
		return Outcome{Verdict: Skipped, Message: "not run: the run was interrupted"}
	case got.Status == Error:
		return Outcome{Verdict: Errored, Message: fmt.Sprintf("expected %s, could not probe: %v", want.State, got.Err)}
	}
	pass := false
	switch want.State {
	case ExpectListening:
		pass = got.Status == Listening
	case ExpectNotListening:
		pass = got.Status == NotListening
	case ExpectFiltered:
		pass = got.Status == Filtered || got.Status == ListeningOrFiltered
	case ExpectBlocked:
		pass = got.Status != Listening
	}
	if got.Status.Ambiguous() {
		switch {
		case pass:
			o.Note = "or a silent listener"
		case want.State == ExpectListening:
			o.Note = "the port did not answer " + got.Probe + "; if a service listens there, give the block a payload it answers"
		}
	}
	if pass && want.State == ExpectListening && want.Banner != nil && !want.Banner.Match(got.Reply) {
		o.Verdict = Fail
		o.Message = fmt.Sprintf("expected listening with a banner matching /%s/, got %q", want.Banner, got.Reply)
		return o
	}
	if pass && want.State == ExpectListening && want.Process != "" {
		if o, judged := judgeOwners(want.Process, got); judged {
			return o
		}
	}
	if pass {
		o.Verdict = Pass
		return o
	}
	o.Verdict = Fail
	o.Message = fmt.Sprintf("expected %s, got %s (%s)", want.State, got.Status, got.evidence())
	return o
}

// judgeOwners fails a listening local port that a process other than
// want holds, and errs when an owner cannot be seen; judged is false when
// every listener is want's.
func judgeOwners(want string, got Found) (o Outcome, judged bool) {
	if got.OwnersHidden {
		return Outcome{Verdict: Errored, Message: fmt.Sprintf(
			"expected listening by %s, could not see the owner of every listening socket: run as root (%s)", want, got.evidence())}, true
	}
	for _, owner := range got.Owners {
		if !SameProcess(owner, want) {
			return Outcome{Verdict: Fail, Message: fmt.Sprintf("expected listening by %s, got LISTENING by another process (%s)", want, got.evidence())}, true
		}
	}
	if len(got.Owners) == 0 {
		return Outcome{Verdict: Errored, Message: fmt.Sprintf("expected listening by %s, found no owner to compare (%s)", want, got.evidence())}, true
	}
	return Outcome{}, false
}

// SameProcess reports whether the kernel's name of a process, comm, is
// name: comm is cut to 15 bytes, so a longer name matches its first 15.
func SameProcess(comm, name string) bool {
	const commLen = 15
	return comm == name || len(comm) == commLen && len(name) > commLen && name[:commLen] == comm
}

func (f Found) evidence() string {
	if f.Evidence == nil {
		return "no evidence"
	}
	return f.Evidence()
}
