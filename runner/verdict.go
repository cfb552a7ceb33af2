package runner

import (
	"fmt"

	"github.com/portspec/portspec/spec"
)

// Verdict is how a check compares with its expectation.
type Verdict uint8

const (
	// VerdictUnknown is the zero Verdict: nobody judged the result. It is
	// never a pass; reports count it as an error.
	VerdictUnknown Verdict = iota
	Pass
	Fail
	// Errored means no state could be found: the name did not resolve, or
	// the probe failed locally.
	Errored
	// Skipped means the check never finished: the run was interrupted.
	Skipped
)

func (v Verdict) String() string {
	return [...]string{"unknown", "pass", "fail", "error", "skipped"}[v]
}

// Failing reports whether the verdict fails a run: a failure, an error,
// or no verdict at all.
func (v Verdict) Failing() bool { return v == Fail || v == Errored || v == VerdictUnknown }

// Outcome is a result judged against what the spec expected.
type Outcome struct {
	Result
	Verdict Verdict
	// Message is the one-line diff of a failure or error: "expected
	// listening, got FILTERED (no reply to 3 tries, 212ms timeout)".
	Message string
	// Note qualifies a verdict: a pass that could also be a silent
	// listener, or how to make an ambiguous failure clear.
	Note string
	// Vantage is where the probe ran from (--from), or "".
	Vantage string
}

// Ambiguous reports whether the actual state leaves room for doubt: UDP
// silence, which a listener and a firewall both produce.
func (o Outcome) Ambiguous() bool { return o.Status == ListeningOrFiltered }

// Judge compares a result with the state its check expects.
//
//	expected \ actual  LISTENING  NOT LISTENING  FILTERED  LISTENING or FILTERED
//	listening          pass       fail           fail      fail, hint: add a payload
//	not_listening      fail       pass           fail      fail
//	filtered           fail       fail           pass      pass, "or a silent listener"
//	blocked            fail       pass           pass      pass
//
// A banner that does not match fails a LISTENING port.
func Judge(r Result) Outcome {
	o := Outcome{Result: r}
	want := r.Check.State()
	switch {
	case r.Skipped:
		o.Verdict = Skipped
		o.Message = "not run: the run was interrupted"
		return o
	case r.Status == Error:
		o.Verdict = Errored
		o.Message = fmt.Sprintf("expected %s, could not probe: %v", want, r.Err)
		return o
	}
	pass := false
	switch want {
	case spec.Listening:
		pass = r.Status == Listening
	case spec.NotListening:
		pass = r.Status == NotListening
	case spec.Filtered:
		pass = r.Status == Filtered || r.Status == ListeningOrFiltered
	case spec.Blocked:
		pass = r.Status != Listening
	}
	if o.Ambiguous() {
		switch {
		case pass:
			o.Note = "or a silent listener"
		case want == spec.Listening:
			o.Note = "the port did not answer " + r.Evidence.Probe + "; if a service listens there, give the block a payload it answers"
		}
	}
	if pass && want == spec.Listening {
		if re := r.Check.Expect.Banner; re != nil && !re.Match(r.Evidence.Reply) {
			o.Verdict = Fail
			o.Message = fmt.Sprintf("expected listening with a banner matching /%s/, got %q", re, r.Evidence.Reply)
			return o
		}
	}
	if pass {
		o.Verdict = Pass
		return o
	}
	o.Verdict = Fail
	o.Message = fmt.Sprintf("expected %s, got %s (%s)", want, r.Status, r.Evidence.Summary())
	return o
}
