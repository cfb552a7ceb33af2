package report

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/portspec/portspec/internal/human"
	"github.com/portspec/portspec/verdict"
)

// JSONSchema is the version of the JSON report's layout; see docs/reports.md,
// "The JSON layout", which says what each version added.
const JSONSchema = 4

// Record is one check's outcome as every reporter sees it, and as the JSON
// report holds it: each field is a JSON field, in this order, so this type
// is the JSON layout, written by appendRecord and read by JSONReader. It
// holds only strings, numbers and times, none of the spec's or the
// runner's types.
type Record struct {
	Host    string `json:"host"`
	Vantage string `json:"vantage,omitempty"`
	// Name is the DNS name the address came from, or "".
	Name string `json:"name,omitempty"`
	// Address is the address probed, or the name that did not resolve.
	Address  string `json:"address"`
	Protocol string `json:"protocol"`
	Port     uint16 `json:"port"`
	// Expected is the block's label: listening, not_listening, filtered
	// or blocked.
	Expected string `json:"expected"`
	// Actual is PortQry's words for what was found, ERROR when nothing
	// could be, or "" for a check that never ran.
	Actual             string          `json:"actual"`
	Verdict            verdict.Verdict `json:"verdict"`
	Message            string          `json:"message,omitempty"`
	Note               string          `json:"note,omitempty"`
	Error              string          `json:"error,omitempty"`
	Description        string          `json:"description,omitempty"`
	Profile            string          `json:"profile,omitempty"`
	ProfileDescription string          `json:"profile_description,omitempty"`
	HostDescription    string          `json:"host_description,omitempty"`
	// Tags are the block's and its host's, for filtering.
	Tags []string `json:"tags,omitempty"`
	// Controls, Owner and Link are the block's compliance metadata: its
	// own, else its host's, else its profile's.
	Controls []string `json:"controls,omitempty"`
	Owner    string   `json:"owner,omitempty"`
	Link     string   `json:"link,omitempty"`
	// Waiver is the block's waiver, if it has one.
	Waiver *Waiver `json:"waiver,omitempty"`
	// Source is where the block is: "mail.hcl:22:3".
	Source string `json:"source"`
	// Order is the check's place in one whole run (unit, address,
	// check), so that shards merge back into it.
	Order      [3]int    `json:"order"`
	Started    time.Time `json:"started,omitzero"`
	DurationMS float64   `json:"duration_ms"`
	// Evidence is nil for a check that sent nothing.
	Evidence *Evidence `json:"evidence,omitempty"`
	// Trace is where a failed check's probe died, when it was traced.
	Trace *Trace `json:"trace,omitempty"`
	// Rounds are the check's rounds under check --wait, every one, the
	// last (this record's own fields) included; nil without --wait or
	// for a check that passed the first time.
	Rounds []Round `json:"rounds,omitempty"`
}

// Evidence is why a probe decided what it did.
type Evidence struct {
	// Signal is the deciding try's.
	Signal string `json:"signal"`
	ICMP   *ICMP  `json:"icmp,omitempty"`
	// Probe names the UDP request sent, such as "DNS query".
	Probe string `json:"probe,omitempty"`
	// ReplyHex is the first bytes the port sent: a UDP reply, or a TCP
	// banner when one was read.
	ReplyHex string `json:"reply_hex,omitempty"`
	// App says what the reply means, such as "NTP stratum 2".
	App       string  `json:"app,omitempty"`
	TimeoutMS float64 `json:"timeout_ms"`
	// Silence is "proven" or "unproven" for a silent port: whether its
	// silence was confirmed against the target's ICMP rate limit.
	Silence string `json:"silence,omitempty"`
	Tries   []Try  `json:"tries"`
}

// Waiver is a tracked exception to a block's expectation: the verdict's,
// which the JSON report holds as it is.
type Waiver = verdict.Waiver

// ICMP is an ICMP or ICMPv6 error.
type ICMP struct {
	// Family is "icmp" or "icmpv6".
	Family string `json:"family"`
	Type   uint8  `json:"type"`
	Code   uint8  `json:"code"`
	From   string `json:"from"`
	// Text says it for people: "ICMP 3/13 (administratively prohibited)
	// from 198.18.0.254".
	Text string `json:"text"`
}

// Try is one attempt at a port.
type Try struct {
	Started    time.Time `json:"started"`
	DurationMS float64   `json:"duration_ms"`
	TimeoutMS  float64   `json:"timeout_ms"`
	Signal     string    `json:"signal"`
	ICMP       *ICMP     `json:"icmp,omitempty"`
	Error      string    `json:"error,omitempty"`
	// Confirm says the try was sent again, once the target's ICMP budget
	// allowed, to prove a silence.
	Confirm bool `json:"confirm,omitempty"`
	// Tokens is the lower bound, when the try was sent, on the ICMP
	// errors the target could still send: set for silent and
	// confirmation tries, rounded to two decimals.
	Tokens *float64 `json:"tokens,omitempty"`
	// Proven says the try's silence proves the port's.
	Proven bool `json:"proven,omitempty"`
	// Source is the address the try was sent from, when the run chose
	// one (--source-prefix).
	Source string `json:"source,omitempty"`
}

// Words of the JSON layout, as the runner's signals and proofs spell them.
const (
	SignalSilence = "silence"
	SignalReply   = "reply"
	SignalLocal   = "local error"
	// SignalSocketTable: a local host's port, read from its sockets.
	SignalSocketTable = "socket table"
	// SignalRefused: the OS said refused and not by whom (a RST, or an
	// ICMP port unreachable), as every OS but Linux says it.
	SignalRefused = "refused"
)

// refusedText is how the reports say SignalRefused.
const refusedText = "refused (the OS does not say by whom)"

// Status is what was found, and false when nothing was: the check
// errored or never ran.
func (r Record) Status() (verdict.Status, bool) {
	s, ok := verdict.ParseStatus(r.Actual)
	return s, ok && r.Verdict != verdict.Errored && r.Actual != ""
}

// Ambiguous reports whether what was found leaves room for doubt: UDP
// silence, which a listener and a firewall both produce.
func (r Record) Ambiguous() bool { return r.Actual == verdict.ListeningOrFiltered.String() }

// Duration is how long the check took.
func (r Record) Duration() time.Duration { return fromMS(r.DurationMS) }

// Reply is the first bytes the port sent, or nil.
func (e *Evidence) Reply() []byte {
	if e == nil {
		return nil
	}
	b, _ := hex.DecodeString(e.ReplyHex)
	return b
}

// Summary is the evidence in one line, for a failure message: "no reply
// to 3 tries, 212ms timeout", or what answered, when, and on which try.
func (e *Evidence) Summary() string {
	if e == nil || len(e.Tries) == 0 {
		return "not probed"
	}
	n := len(e.Tries)
	last := e.Tries[n-1]
	var what string
	switch e.Signal {
	case SignalSilence:
		return fmt.Sprintf("no reply to %d %s, %s timeout", n, human.Plural(n, "try", "tries"), Duration(fromMS(e.TimeoutMS)))
	case SignalLocal:
		return last.Error
	case SignalSocketTable:
		return e.App
	case SignalReply:
		what = e.App
		if what == "" {
			what = fmt.Sprintf("%d-byte reply", len(e.Reply()))
		}
	case SignalRefused:
		what = refusedText
	default:
		what = e.Signal
		if e.ICMP != nil {
			what = e.ICMP.Text
		}
	}
	what += " after " + Duration(fromMS(last.DurationMS))
	if n > 1 {
		what += fmt.Sprintf(" on try %d", n)
	}
	return what
}

// Line says what the try saw, for the log: "silence after 212ms (212ms
// timeout), ICMP budget ≥ 0.40".
func (t Try) Line() string {
	signal := t.Signal
	if signal == SignalRefused {
		signal = refusedText
	}
	line := fmt.Sprintf("%s after %s", signal, Duration(fromMS(t.DurationMS)))
	switch {
	case t.ICMP != nil:
		line += ": " + t.ICMP.Text
	case t.Error != "":
		line += ": " + t.Error
	case t.Signal == SignalSilence:
		line += fmt.Sprintf(" (%s timeout)", Duration(fromMS(t.TimeoutMS)))
	}
	if t.Confirm {
		line += ", confirmation"
	}
	if t.Tokens != nil {
		line += fmt.Sprintf(", ICMP budget ≥ %.2f", *t.Tokens)
	}
	if t.Proven {
		line += ", silence proven"
	}
	if t.Source != "" {
		line += ", from " + t.Source
	}
	return line
}

// explainSilence says what the record's Evidence.Silence means, in a
// sentence. A silence left unproven because the path lost too much is the
// record's error, which says so itself.
func explainSilence(r Record) string {
	e := r.Evidence
	switch {
	case e == nil || r.Actual == verdict.Error.String():
		return ""
	case e.Silence == "unproven":
		return "silence not confirmed against the target's ICMP rate limit: the verdict does not depend on it"
	case e.Silence == "proven":
		proofs := 0
		for _, t := range e.Tries {
			if t.Proven {
				proofs++
			}
		}
		if proofs > 1 {
			return fmt.Sprintf("silence confirmed against the target's ICMP rate limit %d times, each a refill of its budget after the last: each time it had budget for an error, so a rejecting port would have answered, and one lost error cannot fake two of them", proofs)
		}
		return "silence confirmed against the target's ICMP rate limit: it had budget for an error, so a rejecting port would have answered"
	}
	return ""
}

// MS is a duration in the JSON report's milliseconds, to the microsecond.
func MS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fromMS(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
