package runner

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/spec"
)

// TestJudgeTable walks every cell of the verdict table.
func TestJudgeTable(t *testing.T) {
	statuses := []Status{Listening, NotListening, Filtered, ListeningOrFiltered}
	want := map[spec.State][4]Verdict{
		spec.Listening:    {Pass, Fail, Fail, Fail},
		spec.NotListening: {Fail, Pass, Fail, Fail},
		spec.Filtered:     {Fail, Fail, Pass, Pass},
		spec.Blocked:      {Fail, Pass, Pass, Pass},
	}
	for state, row := range want {
		for i, st := range statuses {
			proto := spec.TCP
			if st == ListeningOrFiltered {
				proto = spec.UDP
			}
			r := Result{
				Check:  spec.Check{Protocol: proto, Port: 1, Expect: &spec.Expectation{Protocol: proto, State: state}},
				Status: st,
				Evidence: Evidence{Signal: Silence, Timeout: 212 * time.Millisecond, Probe: "empty datagram",
					Tries: []Try{{Signal: Silence}, {Signal: Silence}, {Signal: Silence}}},
			}
			o := Judge(r)
			if o.Verdict != row[i] {
				t.Errorf("expected %s, actual %s: %s, want %s", state, st, o.Verdict, row[i])
			}
			if o.Verdict == Fail && !strings.HasPrefix(o.Message, "expected "+state.String()+", got "+st.String()+" (") {
				t.Errorf("expected %s, actual %s: message %q", state, st, o.Message)
			}
		}
		// The error column.
		r := Result{Check: spec.Check{Expect: &spec.Expectation{State: state}}, Status: Error, Err: errors.New("lookup mx.example.com: no such host")}
		if o := Judge(r); o.Verdict != Errored || !strings.Contains(o.Message, "no such host") {
			t.Errorf("expected %s, probe error: %s %q", state, o.Verdict, o.Message)
		}
	}
}

func TestJudgeNotesAndBanner(t *testing.T) {
	udp := func(state spec.State) Result {
		return Result{Check: spec.Check{Protocol: spec.UDP, Expect: &spec.Expectation{Protocol: spec.UDP, State: state}},
			Status: ListeningOrFiltered, Evidence: Evidence{Signal: Silence, Probe: "empty datagram",
				Tries: []Try{{Signal: Silence}, {Signal: Silence}}, Timeout: time.Second}}
	}
	if o := Judge(udp(spec.Filtered)); o.Note != "or a silent listener" {
		t.Errorf("filtered vs silence: note %q", o.Note)
	}
	if o := Judge(udp(spec.Listening)); !strings.Contains(o.Note, "payload") {
		t.Errorf("listening vs silence: note %q", o.Note)
	}
	if o := Judge(udp(spec.Listening)); o.Message != "expected listening, got LISTENING or FILTERED (no reply to 2 tries, 1s timeout)" {
		t.Errorf("message %q", o.Message)
	}
	banner := func(reply string) Outcome {
		return Judge(Result{Check: spec.Check{Protocol: spec.TCP, Expect: &spec.Expectation{State: spec.Listening, Banner: regexp.MustCompile("^220 ")}},
			Status: Listening, Evidence: Evidence{Signal: SynAck, Reply: []byte(reply), Tries: []Try{{Signal: SynAck}}}})
	}
	if o := banner("220 mx ESMTP\r\n"); o.Verdict != Pass {
		t.Errorf("matching banner: %s %q", o.Verdict, o.Message)
	}
	if o := banner("554 go away\r\n"); o.Verdict != Fail || !strings.Contains(o.Message, `banner matching /^220 /, got "554 go away\r\n"`) {
		t.Errorf("wrong banner: %s %q", o.Verdict, o.Message)
	}
	if o := Judge(Result{Skipped: true, Check: spec.Check{Expect: &spec.Expectation{State: spec.Listening}}}); o.Verdict != Skipped {
		t.Errorf("skipped: %s", o.Verdict)
	}
}

// TestZeroValuesAreUnknown: an outcome nobody judged never reads as a
// pass, and a try no one set never reads as silence.
func TestZeroValuesAreUnknown(t *testing.T) {
	var o Outcome
	if o.Verdict != VerdictUnknown || o.Verdict == Pass || !o.Verdict.Failing() {
		t.Errorf("the zero verdict is %s, failing %v; want unknown, failing", o.Verdict, o.Verdict.Failing())
	}
	var tr Try
	if tr.Signal != SignalUnknown || tr.Signal == Silence {
		t.Errorf("the zero signal is %s, want unknown", tr.Signal)
	}
	if got := classify(0, SignalUnknown, nil, o.Check.Addr); got != Error {
		t.Errorf("an unknown signal classifies as %s, want ERROR", got)
	}
	for _, v := range []Verdict{Pass, Fail, Errored, Skipped} {
		if v == VerdictUnknown {
			t.Errorf("%s is the unknown verdict", v)
		}
	}
}
