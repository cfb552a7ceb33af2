package report

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/portspec/portspec/runner"
)

// JSONSchema is the version of the JSON report's layout; see the README.
const JSONSchema = 1

// JSON writes the machine-readable report: the run's metadata, then a
// result a check, streamed as they come, then the summary.
type JSON struct {
	ignoreEvents
	w     io.Writer
	buf   []byte
	first bool
	err   error
	meta  Meta
}

// NewJSON returns a JSON reporter writing to w.
func NewJSON(w io.Writer) *JSON { return &JSON{w: w, first: true} }

type jsonMeta struct {
	Schema   int       `json:"schema"`
	Portspec string    `json:"portspec"`
	Started  time.Time `json:"started"`
	Hostname string    `json:"hostname"`
	Command  []string  `json:"command"`
	Vantage  string    `json:"vantage"`
	Tags     []string  `json:"tags"`
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
	Interrupted bool    `json:"interrupted"`
	ElapsedMS   float64 `json:"elapsed_ms"`
	// ICMPWaitMS is the time spent with nothing to do but wait for
	// targets' ICMP budgets, to prove silences; ICMPWaitTargets counts
	// those targets.
	ICMPWaitMS      float64 `json:"icmp_wait_ms"`
	ICMPWaitTargets int     `json:"icmp_wait_targets"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (j *JSON) write(s string) {
	if j.err == nil {
		_, j.err = io.WriteString(j.w, s)
	}
}

func (j *JSON) marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil && j.err == nil {
		j.err = err
	}
	return string(b)
}

func (j *JSON) Begin(m Meta) error {
	j.meta = m
	tags := m.Tags
	if tags == nil {
		tags = []string{}
	}
	meta := jsonMeta{Schema: JSONSchema, Portspec: m.Version, Started: m.Start, Hostname: m.Hostname,
		Command: m.Command, Vantage: m.Vantage, Tags: tags, Shard: m.Shard, Spec: jsonSpec{Files: m.Files, Digest: m.Digest}}
	j.write(fmt.Sprintf("{\n\"meta\": %s,\n\"results\": [", j.marshal(meta)))
	return j.err
}

// Result appends one result. It builds the JSON by hand, field for field
// as encoding/json would write jsonResult (the golden test holds the two
// to the same bytes): a million results through reflection cost seconds.
func (j *JSON) Result(o runner.Outcome) error {
	b := j.encode(o)
	if j.err == nil {
		_, j.err = j.w.Write(b)
	}
	return j.err
}

func (j *JSON) encode(o runner.Outcome) []byte {
	c := o.Check
	b := j.buf[:0]
	if j.first {
		b = append(b, '\n')
	} else {
		b = append(b, ",\n"...)
	}
	j.first = false
	b = append(b, `{"host":`...)
	b = appendString(b, c.Host.Name)
	b = appendOptional(b, "vantage", o.Vantage)
	if c.Name != "" {
		b = append(b, `,"name":`...)
		b = appendString(b, c.Name)
	}
	b = append(b, `,"address":`...)
	b = appendString(b, Address(c))
	b = append(b, `,"protocol":`...)
	b = appendString(b, c.Protocol.String())
	b = append(b, `,"port":`...)
	b = strconv.AppendUint(b, uint64(c.Port), 10)
	b = append(b, `,"expected":`...)
	b = appendString(b, c.State().String())
	b = append(b, `,"actual":`...)
	b = appendString(b, actual(o))
	b = append(b, `,"verdict":`...)
	b = appendString(b, o.Verdict.String())
	b = appendOptional(b, "message", o.Message)
	b = appendOptional(b, "note", o.Note)
	if o.Err != nil && o.Verdict == runner.Errored {
		b = appendOptional(b, "error", o.Err.Error())
	}
	b = appendOptional(b, "description", c.Expect.Description)
	b = appendOptional(b, "profile", c.Expect.Profile)
	b = appendOptional(b, "profile_description", c.ProfileDescription())
	b = appendOptional(b, "host_description", c.HostDescription())
	b = append(b, `,"source":`...)
	b = appendString(b, Source(c))
	b = append(b, `,"order":[`...)
	b = strconv.AppendInt(b, int64(c.Order.Unit), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(c.Order.Address), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(c.Order.Seq), 10)
	b = append(b, ']')
	if !o.Start.IsZero() {
		b = append(b, `,"started":`...)
		b = appendTime(b, o.Start)
	}
	b = append(b, `,"duration_ms":`...)
	b = appendMS(b, o.Duration)
	if ev := o.Evidence; len(ev.Tries) > 0 {
		b = append(b, `,"evidence":{"signal":`...)
		b = appendString(b, ev.Signal.String())
		b = appendICMP(b, ev.ICMP)
		b = appendOptional(b, "probe", ev.Probe)
		if len(ev.Reply) > 0 {
			b = append(b, `,"reply_hex":"`...)
			b = hex.AppendEncode(b, ev.Reply)
			b = append(b, '"')
		}
		b = appendOptional(b, "app", ev.App)
		b = append(b, `,"timeout_ms":`...)
		b = appendMS(b, ev.Timeout)
		b = appendOptional(b, "silence", ev.Silence.String())
		b = append(b, `,"tries":[`...)
		for i, t := range ev.Tries {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"started":`...)
			b = appendTime(b, t.Start)
			b = append(b, `,"duration_ms":`...)
			b = appendMS(b, t.Duration)
			b = append(b, `,"timeout_ms":`...)
			b = appendMS(b, t.Timeout)
			b = append(b, `,"signal":`...)
			b = appendString(b, t.Signal.String())
			b = appendICMP(b, t.ICMP)
			if t.Err != nil {
				b = appendOptional(b, "error", t.Err.Error())
			}
			if t.Confirm {
				b = append(b, `,"confirm":true`...)
			}
			if t.Confirm || t.Signal == runner.Silence {
				b = append(b, `,"tokens":`...)
				b = appendFloat(b, tokens(t.Tokens))
			}
			if t.Proven {
				b = append(b, `,"proven":true`...)
			}
			b = append(b, '}')
		}
		b = append(b, "]}"...)
	}
	b = append(b, '}')
	j.buf = b
	return b
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

func appendICMP(b []byte, e *runner.ICMPError) []byte {
	if e == nil {
		return b
	}
	family := "icmp"
	if e.V6 {
		family = "icmpv6"
	}
	b = append(b, `,"icmp":{"family":"`...)
	b = append(b, family...)
	b = append(b, `","type":`...)
	b = strconv.AppendUint(b, uint64(e.Type), 10)
	b = append(b, `,"code":`...)
	b = strconv.AppendUint(b, uint64(e.Code), 10)
	b = append(b, `,"from":`...)
	b = appendString(b, e.From.String())
	b = append(b, `,"text":`...)
	b = appendString(b, e.String())
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// tokens rounds a budget bound for the reports: two decimals say enough.
func tokens(t float64) float64 { return math.Round(t*100) / 100 }

// appendMS writes a duration in milliseconds as encoding/json writes the
// float64 ms() returns.
func appendMS(b []byte, d time.Duration) []byte { return appendFloat(b, ms(d)) }

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
	sum := jsonSummary{Total: s.Total(), Passed: s.Passed, Failed: s.Failed, Errors: s.Errors, Skipped: s.Skipped,
		Interrupted: s.Interrupted, ElapsedMS: ms(s.Elapsed),
		ICMPWaitMS: ms(s.ICMPWait), ICMPWaitTargets: s.ICMPWaitTargets}
	j.write(fmt.Sprintf("\n],\n\"summary\": %s\n}\n", j.marshal(sum)))
	return j.err
}

var _ Reporter = (*JSON)(nil)
