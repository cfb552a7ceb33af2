package report

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/portspec/portspec/runner"
)

// JSONSchema is the version of the JSON report's layout; see the README.
const JSONSchema = 1

// JSON writes the machine-readable report: the run's metadata, then a
// result a check, streamed as they come, then the summary.
type JSON struct {
	quiet
	w     io.Writer
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
	Spec     jsonSpec  `json:"spec"`
}

type jsonSpec struct {
	Files  []string `json:"files"`
	Digest string   `json:"digest"`
}

type jsonResult struct {
	Host        string        `json:"host"`
	Name        string        `json:"name,omitempty"`
	Address     string        `json:"address"`
	Protocol    string        `json:"protocol"`
	Port        uint16        `json:"port"`
	Expected    string        `json:"expected"`
	Actual      string        `json:"actual"`
	Verdict     string        `json:"verdict"`
	Message     string        `json:"message,omitempty"`
	Note        string        `json:"note,omitempty"`
	Error       string        `json:"error,omitempty"`
	Description string        `json:"description,omitempty"`
	Source      string        `json:"source"`
	Started     *time.Time    `json:"started,omitempty"`
	DurationMS  float64       `json:"duration_ms"`
	Evidence    *jsonEvidence `json:"evidence,omitempty"`
}

type jsonEvidence struct {
	Signal    string    `json:"signal"`
	ICMP      *jsonICMP `json:"icmp,omitempty"`
	Probe     string    `json:"probe,omitempty"`
	ReplyHex  string    `json:"reply_hex,omitempty"`
	App       string    `json:"app,omitempty"`
	TimeoutMS float64   `json:"timeout_ms"`
	Tries     []jsonTry `json:"tries"`
}

type jsonICMP struct {
	Family string `json:"family"`
	Type   uint8  `json:"type"`
	Code   uint8  `json:"code"`
	From   string `json:"from"`
	Text   string `json:"text"`
}

type jsonTry struct {
	Started    time.Time `json:"started"`
	DurationMS float64   `json:"duration_ms"`
	TimeoutMS  float64   `json:"timeout_ms"`
	Signal     string    `json:"signal"`
	ICMP       *jsonICMP `json:"icmp,omitempty"`
	Error      string    `json:"error,omitempty"`
	Paced      bool      `json:"paced,omitempty"`
}

type jsonSummary struct {
	Total       int     `json:"total"`
	Passed      int     `json:"passed"`
	Failed      int     `json:"failed"`
	Errors      int     `json:"errors"`
	Skipped     int     `json:"skipped"`
	Interrupted bool    `json:"interrupted"`
	ElapsedMS   float64 `json:"elapsed_ms"`
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
		Command: m.Command, Vantage: m.Vantage, Tags: tags, Spec: jsonSpec{Files: m.Files, Digest: m.Digest}}
	j.write(fmt.Sprintf("{\n\"meta\": %s,\n\"results\": [", j.marshal(meta)))
	return j.err
}

func (j *JSON) Result(o runner.Outcome) error {
	c := o.Check
	r := jsonResult{
		Host: c.Host.Name, Name: c.Name, Address: Address(c), Protocol: c.Protocol.String(), Port: c.Port,
		Expected: c.State().String(), Actual: actual(o), Verdict: o.Verdict.String(),
		Message: o.Message, Note: o.Note, Description: c.Expect.Description, Source: Source(c),
		DurationMS: ms(o.Duration),
	}
	if o.Err != nil && o.Verdict == runner.Errored {
		r.Error = o.Err.Error()
	}
	if !o.Start.IsZero() {
		r.Started = &o.Start
	}
	if len(o.Evidence.Tries) > 0 {
		ev := o.Evidence
		je := &jsonEvidence{Signal: ev.Signal.String(), ICMP: icmpJSON(ev.ICMP), Probe: ev.Probe, App: ev.App,
			TimeoutMS: ms(ev.Timeout), Tries: []jsonTry{}}
		if len(ev.Reply) > 0 {
			je.ReplyHex = hex.EncodeToString(ev.Reply)
		}
		for _, t := range ev.Tries {
			jt := jsonTry{Started: t.Start, DurationMS: ms(t.Duration), TimeoutMS: ms(t.Timeout), Signal: t.Signal.String(), ICMP: icmpJSON(t.ICMP), Paced: t.Paced}
			if t.Err != nil {
				jt.Error = t.Err.Error()
			}
			je.Tries = append(je.Tries, jt)
		}
		r.Evidence = je
	}
	sep := "\n"
	if !j.first {
		sep = ",\n"
	}
	j.first = false
	j.write(sep + j.marshal(r))
	return j.err
}

func icmpJSON(e *runner.ICMPError) *jsonICMP {
	if e == nil {
		return nil
	}
	family := "icmp"
	if e.V6 {
		family = "icmpv6"
	}
	return &jsonICMP{Family: family, Type: e.Type, Code: e.Code, From: e.From.String(), Text: e.String()}
}

func (j *JSON) End(s Summary) error {
	sum := jsonSummary{Total: s.Total(), Passed: s.Passed, Failed: s.Failed, Errors: s.Errors, Skipped: s.Skipped,
		Interrupted: s.Interrupted, ElapsedMS: ms(s.Elapsed)}
	j.write(fmt.Sprintf("\n],\n\"summary\": %s\n}\n", j.marshal(sum)))
	return j.err
}

var _ Reporter = (*JSON)(nil)
