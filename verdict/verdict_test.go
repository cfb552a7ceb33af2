package verdict

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// TestJudgeTable walks every cell of the verdict table.
func TestJudgeTable(t *testing.T) {
	statuses := []Status{Listening, NotListening, Filtered, ListeningOrFiltered}
	want := map[State][4]Verdict{
		ExpectListening:    {Pass, Fail, Fail, Fail},
		ExpectNotListening: {Fail, Pass, Fail, Fail},
		ExpectFiltered:     {Fail, Fail, Pass, Pass},
		ExpectBlocked:      {Fail, Pass, Pass, Pass},
	}
	for state, row := range want {
		for i, st := range statuses {
			o := Judge(Expectation{State: state}, Found{Status: st, Probe: "empty datagram", Evidence: text("no reply to 3 tries, 212ms timeout")})
			if o.Verdict != row[i] {
				t.Errorf("expected %s, found %s: %s, want %s", state, st, o.Verdict, row[i])
			}
			if o.Verdict == Fail && o.Message != "expected "+state.String()+", got "+st.String()+" (no reply to 3 tries, 212ms timeout)" {
				t.Errorf("expected %s, found %s: message %q", state, st, o.Message)
			}
		}
		// The error column.
		o := Judge(Expectation{State: state}, Found{Status: Error, Err: errors.New("lookup mx.example.com: no such host")})
		if o.Verdict != Errored || !strings.Contains(o.Message, "no such host") {
			t.Errorf("expected %s, probe error: %s %q", state, o.Verdict, o.Message)
		}
	}
}

func TestJudgeNotesAndBanner(t *testing.T) {
	silence := Found{Status: ListeningOrFiltered, Probe: "empty datagram", Evidence: text("no reply to 2 tries, 1s timeout")}
	if o := Judge(Expectation{State: ExpectFiltered}, silence); o.Note != "or a silent listener" {
		t.Errorf("filtered vs silence: note %q", o.Note)
	}
	o := Judge(Expectation{State: ExpectListening}, silence)
	if !strings.Contains(o.Note, "did not answer empty datagram") || !strings.Contains(o.Note, "payload") {
		t.Errorf("listening vs silence: note %q", o.Note)
	}
	if o.Message != "expected listening, got LISTENING or FILTERED (no reply to 2 tries, 1s timeout)" {
		t.Errorf("message %q", o.Message)
	}
	banner := func(reply string) Outcome {
		return Judge(Expectation{State: ExpectListening, Banner: regexp.MustCompile("^220 ")}, Found{Status: Listening, Reply: []byte(reply)})
	}
	if o := banner("220 mx ESMTP\r\n"); o.Verdict != Pass {
		t.Errorf("matching banner: %s %q", o.Verdict, o.Message)
	}
	if o := banner("554 go away\r\n"); o.Verdict != Fail || !strings.Contains(o.Message, `banner matching /^220 /, got "554 go away\r\n"`) {
		t.Errorf("wrong banner: %s %q", o.Verdict, o.Message)
	}
	if o := Judge(Expectation{State: ExpectListening}, Found{Skipped: true}); o.Verdict != Skipped {
		t.Errorf("skipped: %s", o.Verdict)
	}
}

// TestZeroValuesAreUnknown: a verdict nobody gave never reads as a pass,
// and an expectation with no state passes nothing.
func TestZeroValuesAreUnknown(t *testing.T) {
	var v Verdict
	if v != Unknown || v == Pass || !v.Failing() {
		t.Errorf("the zero verdict is %s, failing %v; want unknown, failing", v, v.Failing())
	}
	for _, v := range []Verdict{Pass, Fail, Errored, Skipped} {
		if v == Unknown {
			t.Errorf("%s is the unknown verdict", v)
		}
	}
	if (Verdict(200)).Failing() != true {
		t.Error("a verdict out of range does not fail")
	}
	for _, st := range []Status{Listening, NotListening, Filtered, ListeningOrFiltered} {
		if o := Judge(Expectation{}, Found{Status: st}); o.Verdict == Pass {
			t.Errorf("no expectation passes %s", st)
		}
	}
	var s Status
	if s != Error {
		t.Errorf("the zero status is %s, want ERROR", s)
	}
}

// TestWordsRoundTrip: every word the reports write is read back as what
// it was, and no other word is read at all.
func TestWordsRoundTrip(t *testing.T) {
	for _, p := range []Protocol{TCP, UDP} {
		if got, ok := ParseProtocol(p.String()); !ok || got != p {
			t.Errorf("protocol %s read back as %v %v", p, got, ok)
		}
	}
	for s := ExpectListening; s <= ExpectBlocked; s++ {
		if got, ok := ParseState(s.String()); !ok || got != s {
			t.Errorf("state %s read back as %v %v", s, got, ok)
		}
	}
	for s := Error; s <= ListeningOrFiltered; s++ {
		if got, ok := ParseStatus(s.String()); !ok || got != s {
			t.Errorf("status %s read back as %v %v", s, got, ok)
		}
	}
	for v := Unknown; v <= Waived; v++ {
		var got Verdict
		text, _ := v.MarshalText()
		if err := got.UnmarshalText(text); err != nil || got != v {
			t.Errorf("verdict %s read back as %v %v", v, got, err)
		}
	}
	for _, bad := range []string{"", "TCP", "sctp"} {
		if _, ok := ParseProtocol(bad); ok {
			t.Errorf("protocol %q was read", bad)
		}
	}
	for _, bad := range []string{"", "open", "Listening"} {
		if _, ok := ParseState(bad); ok {
			t.Errorf("state %q was read", bad)
		}
		if _, ok := ParseStatus(bad); ok {
			t.Errorf("status %q was read", bad)
		}
		var v Verdict
		if err := v.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("verdict %q was read", bad)
		}
	}
}

// TestMappings: what a snapshot writes for a status passes a check of
// that port, and PortQry's -q codes are PortQry's.
func TestMappings(t *testing.T) {
	for st, code := range map[Status]int{Listening: 0, NotListening: 1, Filtered: 2, ListeningOrFiltered: 2, Error: -1} {
		if got := st.PortQryCode(); got != code {
			t.Errorf("%s: -q code %d, want %d", st, got, code)
		}
		state, ok := st.Expected()
		if ok != (st != Error) {
			t.Errorf("%s: snapshot state %v %v", st, state, ok)
		}
		if ok && Judge(Expectation{State: state}, Found{Status: st}).Verdict != Pass {
			t.Errorf("%s: the snapshot's %s does not pass it", st, state)
		}
	}
	for s := ExpectListening; s <= ExpectBlocked; s++ {
		if want := s == ExpectFiltered || s == ExpectNotListening; s.NeedsProvenSilence() != want {
			t.Errorf("%s: needs proven silence %v", s, !want)
		}
		// Held to the judge: a silence of either protocol that fails s.
		fails := false
		for _, silence := range []Status{Filtered, ListeningOrFiltered} {
			if Judge(Expectation{State: s}, Found{Status: silence}).Verdict == Fail {
				fails = true
			}
		}
		if s.FailsOnSilence() != fails {
			t.Errorf("%s: fails on silence %v, the judge says %v", s, s.FailsOnSilence(), fails)
		}
	}
}

// TestWaivers: an unexpired waiver turns a failure into waived, which does
// not fail the run; an expired one fails it and says so; a pass that still
// has a waiver says it is no longer needed; an error is never waived.
func TestWaivers(t *testing.T) {
	closed := Found{Status: NotListening, Evidence: text("RST after 1ms")}
	waiver := &Waiver{Reason: "legacy console, SEC-142", Until: "2027-01-31"}
	o := Judge(Expectation{State: ExpectBlocked, Waiver: waiver}, Found{Status: Listening, Evidence: text("SYN-ACK after 1ms")})
	if o.Verdict != Waived || o.Verdict.Failing() || o.Note != "waived until 2027-01-31: legacy console, SEC-142" ||
		o.Message != "expected blocked, got LISTENING (SYN-ACK after 1ms)" {
		t.Errorf("unexpired: %+v", o)
	}
	expired := *waiver
	expired.Expired = true
	o = Judge(Expectation{State: ExpectBlocked, Waiver: &expired}, Found{Status: Listening, Evidence: text("SYN-ACK after 1ms")})
	if o.Verdict != Fail || !strings.HasSuffix(o.Message, "; waiver expired 2027-01-31") {
		t.Errorf("expired: %+v", o)
	}
	o = Judge(Expectation{State: ExpectBlocked, Waiver: waiver}, closed)
	if o.Verdict != Pass || !strings.Contains(o.Note, "no longer needed") {
		t.Errorf("passing: %+v", o)
	}
	o = Judge(Expectation{State: ExpectBlocked, Waiver: waiver}, Found{Status: Error, Err: errors.New("no route")})
	if o.Verdict != Errored {
		t.Errorf("an error was waived: %+v", o)
	}
}

// text is an Evidence function that says s.
func text(s string) func() string { return func() string { return s } }

// TestJudgeOwners: a local listening port with process set passes only
// when every listener is that process's; a hidden owner is an error, not
// a guess; the kernel's 15-byte comm matches a longer name.
func TestJudgeOwners(t *testing.T) {
	for _, tc := range []struct {
		name   string
		owners []string
		hidden bool
		want   Verdict
	}{
		{"sshd", []string{"sshd", "sshd"}, false, Pass},
		{"sshd", []string{"sshd", "nginx"}, false, Fail},
		{"sshd", []string{""}, false, Fail},
		{"sshd", []string{"sshd"}, true, Errored},
		{"sshd", nil, false, Errored},
		{"systemd-resolved", []string{"systemd-resolve"}, false, Pass},
		{"systemd-resolvex", []string{"systemd-resolve"}, false, Pass},
		{"systemd", []string{"systemd-resolve"}, false, Fail},
	} {
		o := Judge(Expectation{State: ExpectListening, Process: tc.name},
			Found{Status: Listening, Owners: tc.owners, OwnersHidden: tc.hidden, Evidence: text("listening on [::]:22")})
		if o.Verdict != tc.want {
			t.Errorf("process %q, owners %q hidden %v: %s (%s), want %s", tc.name, tc.owners, tc.hidden, o.Verdict, o.Message, tc.want)
		}
		if tc.want != Pass && !strings.Contains(o.Message, "listening on [::]:22") {
			t.Errorf("process %q: message %q lacks the evidence", tc.name, o.Message)
		}
	}
	// Without a listener there is nothing to own: the state fails it.
	if o := Judge(Expectation{State: ExpectListening, Process: "sshd"}, Found{Status: NotListening}); o.Verdict != Fail ||
		!strings.HasPrefix(o.Message, "expected listening, got NOT LISTENING") {
		t.Errorf("no listener: %s %q", o.Verdict, o.Message)
	}
}
