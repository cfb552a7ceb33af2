package agent

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/verdict"
)

// The two messages a run sends by the thousand, probes and results, are
// written and read by hand here, as encoding/json writes them, because
// reflection cost more CPU than probing (V3 of make bench: 15 µs to
// decode a result against the 60 µs a probe costs in all). Nothing about
// the protocol changes: the writers give encoding/json's bytes (tested),
// and a reader takes only that canonical form, field for field in
// order, and says so; any other line, such as one a hostile far end
// makes up, goes to encoding/json, whose strict decoding is the
// protocol's (a fuzz test holds the two to the same values).

// appendProbeLine appends m's line, as json.Encoder writes it.
func appendProbeLine(b []byte, id, opts int, p runner.Probe) ([]byte, bool) {
	w := probeOf(id, opts, p)
	b = append(b, `{"probe":{"id":`...)
	b = strconv.AppendInt(b, int64(w.ID), 10)
	b = append(b, `,"addr":`...)
	var ok bool
	if b, ok = appendText(b, w.Addr); !ok {
		return b, false
	}
	b = append(b, `,"proto":`...)
	b = strconv.AppendUint(b, uint64(w.Proto), 10)
	b = append(b, `,"port":`...)
	b = strconv.AppendUint(b, uint64(w.Port), 10)
	if w.Local {
		b = append(b, `,"local":true`...)
	}
	if w.Opts != 0 {
		b = append(b, `,"opts":`...)
		b = strconv.AppendInt(b, int64(w.Opts), 10)
	}
	if b, ok = appendOptionalString(b, "group", w.Group); !ok {
		return b, false
	}
	if b, ok = appendOptionalString(b, "unresolved", w.Unresolved); !ok {
		return b, false
	}
	return append(b, "}}\n"...), true
}

// readProbeLine reads a canonical probe line; ok is false for any other.
func readProbeLine(line []byte) (w wireProbe, ok bool) {
	s := &scanner{b: line, ok: true}
	s.lit(`{"probe":{"id":`)
	w.ID = s.int()
	s.lit(`,"addr":`)
	s.text(&w.Addr)
	s.lit(`,"proto":`)
	w.Proto = verdict.Protocol(s.uint8())
	s.lit(`,"port":`)
	w.Port = s.uint16()
	if s.opt(`,"local":`) {
		w.Local = s.bool()
	}
	if s.opt(`,"opts":`) {
		w.Opts = s.int()
	}
	if s.opt(`,"group":`) {
		w.Group = s.str()
	}
	if s.opt(`,"unresolved":`) {
		w.Unresolved = s.str()
	}
	s.lit("}}")
	return w, s.end()
}

// appendResultLine appends a result's line, as json.Encoder writes it;
// ok is false for one it does not write by hand (a trace, listeners, a
// time or number encoding/json would refuse), which the caller then
// writes with encoding/json.
func appendResultLine(b []byte, w *wireResult) ([]byte, bool) {
	if w.Trace != nil || w.Listeners != nil {
		return b, false
	}
	ok := true
	b = append(b, `{"result":{"id":`...)
	b = strconv.AppendInt(b, int64(w.ID), 10)
	b = append(b, `,"status":`...)
	b = strconv.AppendUint(b, uint64(w.Status), 10)
	e := &w.Evidence
	b = append(b, `,"evidence":{"signal":`...)
	b = strconv.AppendUint(b, uint64(e.Signal), 10)
	if e.ICMP != nil {
		b = append(b, `,"icmp":`...)
		b, ok = appendICMP(b, e.ICMP)
	}
	if len(e.Reply) > 0 {
		b = append(b, `,"reply":"`...)
		b = base64.StdEncoding.AppendEncode(b, e.Reply)
		b = append(b, '"')
	}
	b, ok = andString(b, ok, "app", e.App)
	if len(e.Tries) > 0 {
		b = append(b, `,"tries":[`...)
		for i := range e.Tries {
			if i > 0 {
				b = append(b, ',')
			}
			var tryOK bool
			b, tryOK = appendTry(b, &e.Tries[i])
			ok = ok && tryOK
		}
		b = append(b, ']')
	}
	b, ok = andString(b, ok, "probe", e.Probe)
	if e.Timeout != 0 {
		b = append(b, `,"timeout":`...)
		b = strconv.AppendInt(b, int64(e.Timeout), 10)
	}
	if e.Silence != 0 {
		b = append(b, `,"silence":`...)
		b = strconv.AppendUint(b, uint64(e.Silence), 10)
	}
	b = append(b, '}')
	b, ok = andString(b, ok, "err", w.Err)
	b = append(b, `,"start":`...)
	var timeOK bool
	b, timeOK = appendTime(b, w.Start)
	b = append(b, `,"duration":`...)
	b = strconv.AppendInt(b, int64(w.Duration), 10)
	if w.Skipped {
		b = append(b, `,"skipped":true`...)
	}
	if w.Stopped {
		b = append(b, `,"stopped":true`...)
	}
	return append(b, "}}\n"...), ok && timeOK
}

// readResultLine reads a canonical result line; ok is false for any
// other.
func readResultLine(line []byte) (w wireResult, ok bool) {
	s := &scanner{b: line, ok: true}
	s.lit(`{"result":{"id":`)
	w.ID = s.int()
	s.lit(`,"status":`)
	w.Status = verdict.Status(s.uint8())
	e := &w.Evidence
	s.lit(`,"evidence":{"signal":`)
	e.Signal = runner.Signal(s.uint8())
	if s.opt(`,"icmp":`) {
		e.ICMP = s.icmp()
	}
	if s.opt(`,"reply":`) {
		e.Reply = s.base64()
	}
	if s.opt(`,"app":`) {
		e.App = s.str()
	}
	if s.opt(`,"tries":[`) {
		for n := 0; s.ok; n++ {
			if n > 0 && !s.opt(",") {
				break
			}
			e.Tries = append(e.Tries, s.try())
		}
		s.lit("]")
	}
	if s.opt(`,"probe":`) {
		e.Probe = s.str()
	}
	if s.opt(`,"timeout":`) {
		e.Timeout = time.Duration(s.int())
	}
	if s.opt(`,"silence":`) {
		e.Silence = runner.SilenceProof(s.uint8())
	}
	s.lit("}")
	if s.opt(`,"err":`) {
		w.Err = s.str()
	}
	s.lit(`,"start":`)
	w.Start = s.time()
	s.lit(`,"duration":`)
	w.Duration = time.Duration(s.int())
	if s.opt(`,"skipped":`) {
		w.Skipped = s.bool()
	}
	if s.opt(`,"stopped":`) {
		w.Stopped = s.bool()
	}
	s.lit("}}")
	return w, s.end()
}

func appendTry(b []byte, t *wireTryOf) ([]byte, bool) {
	b = append(b, `{"Start":`...)
	b, ok := appendTime(b, t.Start)
	b = append(b, `,"Duration":`...)
	b = strconv.AppendInt(b, int64(t.Duration), 10)
	b = append(b, `,"Timeout":`...)
	b = strconv.AppendInt(b, int64(t.Timeout), 10)
	b = append(b, `,"Signal":`...)
	b = strconv.AppendUint(b, uint64(t.Signal), 10)
	b = append(b, `,"ICMP":`...)
	if t.ICMP == nil {
		b = append(b, "null"...)
	} else {
		var icmpOK bool
		b, icmpOK = appendICMP(b, t.ICMP)
		ok = ok && icmpOK
	}
	// The embedded Try's own Err, always nil on the wire (tryOf): its
	// text is the err after.
	if t.Try.Err != nil {
		return b, false
	}
	b = append(b, `,"Err":null,"Source":`...)
	var sourceOK bool
	b, sourceOK = appendText(b, t.Source)
	b = append(b, `,"Confirm":`...)
	b = strconv.AppendBool(b, t.Confirm)
	b = append(b, `,"Tokens":`...)
	var tokensOK bool
	b, tokensOK = appendFloat(b, t.Tokens)
	b = append(b, `,"Proven":`...)
	b = strconv.AppendBool(b, t.Proven)
	b, ok = andString(b, ok && sourceOK && tokensOK, "err", t.Err)
	return append(b, '}'), ok
}

func (s *scanner) try() (t wireTryOf) {
	s.lit(`{"Start":`)
	t.Start = s.time()
	s.lit(`,"Duration":`)
	t.Duration = time.Duration(s.int())
	s.lit(`,"Timeout":`)
	t.Timeout = time.Duration(s.int())
	s.lit(`,"Signal":`)
	t.Signal = runner.Signal(s.uint8())
	s.lit(`,"ICMP":`)
	if !s.opt("null") {
		t.ICMP = s.icmp()
	}
	s.lit(`,"Err":null,"Source":`)
	s.text(&t.Source)
	s.lit(`,"Confirm":`)
	t.Confirm = s.bool()
	s.lit(`,"Tokens":`)
	t.Tokens = s.float()
	s.lit(`,"Proven":`)
	t.Proven = s.bool()
	if s.opt(`,"err":`) {
		t.Err = s.str()
	}
	s.lit("}")
	return t
}

func appendICMP(b []byte, e *runner.ICMPError) ([]byte, bool) {
	b = append(b, `{"V6":`...)
	b = strconv.AppendBool(b, e.V6)
	b = append(b, `,"Type":`...)
	b = strconv.AppendUint(b, uint64(e.Type), 10)
	b = append(b, `,"Code":`...)
	b = strconv.AppendUint(b, uint64(e.Code), 10)
	b = append(b, `,"From":`...)
	b, ok := appendText(b, e.From)
	return append(b, '}'), ok
}

func (s *scanner) icmp() *runner.ICMPError {
	e := &runner.ICMPError{}
	s.lit(`{"V6":`)
	e.V6 = s.bool()
	s.lit(`,"Type":`)
	e.Type = s.uint8()
	s.lit(`,"Code":`)
	e.Code = s.uint8()
	s.lit(`,"From":`)
	s.text(&e.From)
	s.lit("}")
	return e
}

// appendTime writes t as its MarshalJSON does.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	j, err := t.MarshalJSON()
	return append(b, j...), err == nil
}

// appendText writes a as encoding/json writes a TextMarshaler.
func appendText(b []byte, a netip.Addr) ([]byte, bool) {
	text, err := a.MarshalText()
	if err != nil {
		return b, false
	}
	return appendString(b, string(text))
}

// appendFloat writes f as encoding/json does: 'f' notation between 1e-6
// and 1e21, else 'e' with a short exponent; NaN and the infinities are
// refused, as there.
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 as e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// appendString writes s quoted, as encoding/json would, when s needs no
// escape there (printable ASCII but " \ < > &, or valid UTF-8 but U+2028
// and U+2029); ok is false otherwise.
func appendString(b []byte, s string) ([]byte, bool) {
	if !plain(s) {
		return b, false
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}

func andString(b []byte, ok bool, name, value string) ([]byte, bool) {
	b, written := appendOptionalString(b, name, value)
	return b, ok && written
}

func appendOptionalString(b []byte, name, value string) ([]byte, bool) {
	if value == "" {
		return b, true
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

// plain reports whether encoding/json writes s as it is, quoted.
func plain(s string) bool {
	for _, r := range s {
		switch {
		case r == utf8.RuneError, r < 0x20, r == '"', r == '\\', r == '<', r == '>', r == '&', r == '\u2028', r == '\u2029':
			return false
		}
	}
	return true
}

// scanner reads a canonical line; ok turns false at the first thing
// that is not, and stays so.
type scanner struct {
	b  []byte
	i  int
	ok bool
}

// opt takes lit if it comes next.
func (s *scanner) opt(lit string) bool {
	if !s.ok || len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

func (s *scanner) lit(lit string) {
	if !s.opt(lit) {
		s.ok = false
	}
}

// end reports whether the line was read whole and canonical.
func (s *scanner) end() bool { return s.ok && s.i == len(s.b) }

// number is the text of a JSON integer: -?(0|[1-9][0-9]*), at most 18
// digits, so that it fits any int64.
func (s *scanner) number() (int64, bool) {
	if !s.ok {
		return 0, false
	}
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - digits
	if n == 0 || n > 18 || n > 1 && s.b[digits] == '0' {
		s.ok = false
		return 0, false
	}
	v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	if err != nil {
		s.ok = false
	}
	return v, err == nil
}

func (s *scanner) int() int {
	v, _ := s.number()
	return int(v)
}

func (s *scanner) uint8() uint8 {
	v, ok := s.number()
	if ok && (v < 0 || v > math.MaxUint8) {
		s.ok = false
	}
	return uint8(v)
}

func (s *scanner) uint16() uint16 {
	v, ok := s.number()
	if ok && (v < 0 || v > math.MaxUint16) {
		s.ok = false
	}
	return uint16(v)
}

func (s *scanner) bool() bool {
	switch {
	case s.opt("true"):
		return true
	case s.opt("false"):
		return false
	}
	s.ok = false
	return false
}

// str reads a string encoding/json would write as it is (plain).
func (s *scanner) str() string {
	if !s.opt(`"`) {
		s.ok = false
		return ""
	}
	start := s.i
	for s.i < len(s.b) && s.b[s.i] != '"' {
		s.i++
	}
	if s.i == len(s.b) {
		s.ok = false
		return ""
	}
	v := string(s.b[start:s.i])
	s.i++
	if !utf8.ValidString(v) || !plain(v) {
		s.ok = false
	}
	return v
}

// float reads a JSON number as encoding/json does into a float64.
func (s *scanner) float() float64 {
	if !s.ok {
		return 0
	}
	start := s.i
	for s.i < len(s.b) && (s.b[s.i] >= '0' && s.b[s.i] <= '9' || s.b[s.i] == '-' || s.b[s.i] == '+' || s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
	}
	text := s.b[start:s.i]
	// Its syntax is JSON's exactly when json says it is a valid value.
	if !json.Valid(text) {
		s.ok = false
		return 0
	}
	v, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		s.ok = false
	}
	return v
}

func (s *scanner) time() time.Time {
	var t time.Time
	start := s.i
	s.str()
	if s.ok && t.UnmarshalJSON(s.b[start:s.i]) != nil {
		s.ok = false
	}
	return t
}

func (s *scanner) text(a *netip.Addr) {
	v := s.str()
	if s.ok && a.UnmarshalText([]byte(v)) != nil {
		s.ok = false
	}
}

func (s *scanner) base64() []byte {
	v := s.str()
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		s.ok = false
	}
	if b == nil {
		b = []byte{}
	}
	return b
}
