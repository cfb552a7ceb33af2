package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/portspec/portspec/internal/sticky"
)

// JSON writes the machine-readable report: the run's metadata, then a
// result a check, streamed as they come, then the summary.
type JSON struct {
	ignoreEvents
	// w keeps the first error, a write's or a marshal's.
	w     *sticky.Writer
	buf   []byte
	first bool
	meta  Meta
}

// NewJSON returns a JSON reporter writing to w.
func NewJSON(w io.Writer) *JSON { return &JSON{w: sticky.New(w), first: true} }

type jsonMeta struct {
	Schema   int       `json:"schema"`
	Portspec string    `json:"portspec"`
	Started  time.Time `json:"started"`
	Hostname string    `json:"hostname"`
	Command  []string  `json:"command"`
	Vantage  string    `json:"vantage"`
	Tags     []string  `json:"tags"`
	Controls []string  `json:"controls,omitempty"`
	Shard    string    `json:"shard,omitempty"`
	Spec     jsonSpec  `json:"spec"`
}

type jsonSpec struct {
	Files  []string `json:"files"`
	Digest string   `json:"digest"`
}

type jsonSummary struct {
	Total       int     `json:"total"`
	Passed      int     `json:"passed"`
	Failed      int     `json:"failed"`
	Errors      int     `json:"errors"`
	Skipped     int     `json:"skipped"`
	Waived      int     `json:"waived"`
	Interrupted bool    `json:"interrupted"`
	ElapsedMS   float64 `json:"elapsed_ms"`
	// ICMPWaitMS is the time spent with nothing to do but wait for
	// targets' ICMP budgets, to prove silences; ICMPWaitTargets counts
	// those targets.
	ICMPWaitMS      float64 `json:"icmp_wait_ms"`
	ICMPWaitTargets int     `json:"icmp_wait_targets"`
}

func (j *JSON) write(s string) { io.WriteString(j.w, s) }

func (j *JSON) marshal(v any) string {
	b, err := json.Marshal(v)
	j.w.Keep(err)
	return string(b)
}

func (j *JSON) Begin(m Meta) error {
	j.meta = m
	tags := m.Tags
	if tags == nil {
		tags = []string{}
	}
	meta := jsonMeta{Schema: JSONSchema, Portspec: m.Version, Started: m.Start, Hostname: m.Hostname,
		Command: m.Command, Vantage: m.Vantage, Tags: tags, Controls: m.Controls, Shard: m.Shard, Spec: jsonSpec{Files: m.Files, Digest: m.Digest}}
	j.write(fmt.Sprintf("{\n\"meta\": %s,\n\"results\": [", j.marshal(meta)))
	return j.w.Err()
}

// Result appends one result. It builds the JSON by hand, field for field
// as encoding/json writes a Record (a test holds the two to the same
// bytes): a million results through reflection cost seconds.
func (j *JSON) Result(r Record) error {
	b := j.buf[:0]
	if j.first {
		b = append(b, '\n')
	} else {
		b = append(b, ",\n"...)
	}
	j.first = false
	b = appendRecord(b, &r)
	j.buf = b
	j.w.Write(b)
	return j.w.Err()
}

// appendRecord writes r as encoding/json would.
func appendRecord(b []byte, r *Record) []byte {
	b = append(b, `{"host":`...)
	b = appendString(b, r.Host)
	b = appendOptional(b, "vantage", r.Vantage)
	b = appendOptional(b, "name", r.Name)
	b = append(b, `,"address":`...)
	b = appendString(b, r.Address)
	b = append(b, `,"protocol":`...)
	b = appendString(b, r.Protocol)
	b = append(b, `,"port":`...)
	b = strconv.AppendUint(b, uint64(r.Port), 10)
	b = append(b, `,"expected":`...)
	b = appendString(b, r.Expected)
	b = append(b, `,"actual":`...)
	b = appendString(b, r.Actual)
	b = append(b, `,"verdict":`...)
	b = appendString(b, r.Verdict.String())
	b = appendOptional(b, "message", r.Message)
	b = appendOptional(b, "note", r.Note)
	b = appendOptional(b, "error", r.Error)
	b = appendOptional(b, "description", r.Description)
	b = appendOptional(b, "profile", r.Profile)
	b = appendOptional(b, "profile_description", r.ProfileDescription)
	b = appendOptional(b, "host_description", r.HostDescription)
	b = appendStrings(b, "tags", r.Tags)
	b = appendStrings(b, "controls", r.Controls)
	b = appendOptional(b, "owner", r.Owner)
	b = appendOptional(b, "link", r.Link)
	if w := r.Waiver; w != nil {
		b = append(b, `,"waiver":{"reason":`...)
		b = appendString(b, w.Reason)
		b = append(b, `,"until":`...)
		b = appendString(b, w.Until)
		if w.Expired {
			b = append(b, `,"expired":true`...)
		}
		b = append(b, '}')
	}
	b = append(b, `,"source":`...)
	b = appendString(b, r.Source)
	b = append(b, `,"order":[`...)
	for i, n := range r.Order {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	b = append(b, ']')
	if !r.Started.IsZero() {
		b = append(b, `,"started":`...)
		b = appendTime(b, r.Started)
	}
	b = append(b, `,"duration_ms":`...)
	b = appendFloat(b, r.DurationMS)
	if ev := r.Evidence; ev != nil {
		b = append(b, `,"evidence":{"signal":`...)
		b = appendString(b, ev.Signal)
		b = appendICMP(b, ev.ICMP)
		b = appendOptional(b, "probe", ev.Probe)
		b = appendOptional(b, "reply_hex", ev.ReplyHex)
		b = appendOptional(b, "app", ev.App)
		b = append(b, `,"timeout_ms":`...)
		b = appendFloat(b, ev.TimeoutMS)
		b = appendOptional(b, "silence", ev.Silence)
		b = append(b, `,"tries":`...)
		if ev.Tries == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i := range ev.Tries {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendTry(b, &ev.Tries[i])
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	if r.Trace != nil {
		// A few a run: the standard encoder is fast enough, and the
		// same bytes.
		t, _ := json.Marshal(r.Trace)
		b = append(b, `,"trace":`...)
		b = append(b, t...)
	}
	if r.Rounds != nil {
		rounds, _ := json.Marshal(r.Rounds)
		b = append(b, `,"rounds":`...)
		b = append(b, rounds...)
	}
	return append(b, '}')
}

func appendTry(b []byte, t *Try) []byte {
	b = append(b, `{"started":`...)
	b = appendTime(b, t.Started)
	b = append(b, `,"duration_ms":`...)
	b = appendFloat(b, t.DurationMS)
	b = append(b, `,"timeout_ms":`...)
	b = appendFloat(b, t.TimeoutMS)
	b = append(b, `,"signal":`...)
	b = appendString(b, t.Signal)
	b = appendICMP(b, t.ICMP)
	b = appendOptional(b, "error", t.Error)
	if t.Confirm {
		b = append(b, `,"confirm":true`...)
	}
	if t.Tokens != nil {
		b = append(b, `,"tokens":`...)
		b = appendFloat(b, *t.Tokens)
	}
	if t.Proven {
		b = append(b, `,"proven":true`...)
	}
	b = appendOptional(b, "source", t.Source)
	return append(b, '}')
}

// appendStrings writes a list of strings, and nothing for an empty one.
func appendStrings(b []byte, name string, values []string) []byte {
	if len(values) == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":[`...)
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

func appendOptional(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

func appendICMP(b []byte, e *ICMP) []byte {
	if e == nil {
		return b
	}
	b = append(b, `,"icmp":{"family":`...)
	b = appendString(b, e.Family)
	b = append(b, `,"type":`...)
	b = strconv.AppendUint(b, uint64(e.Type), 10)
	b = append(b, `,"code":`...)
	b = strconv.AppendUint(b, uint64(e.Code), 10)
	b = append(b, `,"from":`...)
	b = appendString(b, e.From)
	b = append(b, `,"text":`...)
	b = appendString(b, e.Text)
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendFloat writes f as encoding/json writes a float64.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

// appendString writes s as a JSON string, escaping as encoding/json does,
// HTML-sensitive characters included.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func (j *JSON) End(s Summary) error {
	sum := jsonSummary{Total: s.Total(), Passed: s.Passed, Failed: s.Failed, Errors: s.Errors, Skipped: s.Skipped, Waived: s.Waived,
		Interrupted: s.Interrupted, ElapsedMS: MS(s.Elapsed),
		ICMPWaitMS: MS(s.ICMPWait), ICMPWaitTargets: s.ICMPWaitTargets}
	j.write(fmt.Sprintf("\n],\n\"summary\": %s\n}\n", j.marshal(sum)))
	return j.w.Err()
}

var _ Reporter = (*JSON)(nil)
