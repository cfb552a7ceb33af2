package report

import (
	"encoding/hex"
	"encoding/json"
	"github.com/portspec/portspec/runner"
	"time"
)

// The reference encoding of a result, through encoding/json's reflection,
// that JSON.Result's hand-built bytes must equal.
type jsonResult struct {
	Host        string        `json:"host"`
	Vantage     string        `json:"vantage,omitempty"`
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
	Profile     string        `json:"profile,omitempty"`
	ProfileDesc string        `json:"profile_description,omitempty"`
	HostDesc    string        `json:"host_description,omitempty"`
	Source      string        `json:"source"`
	Order       [3]int        `json:"order"`
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
	Silence   string    `json:"silence,omitempty"`
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
	Confirm    bool      `json:"confirm,omitempty"`
	Tokens     *float64  `json:"tokens,omitempty"`
	Proven     bool      `json:"proven,omitempty"`
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

func referenceResult(o runner.Outcome) []byte {
	c := o.Check
	r := jsonResult{
		Host: c.Host.Name, Name: c.Name, Address: Address(c), Protocol: c.Protocol.String(), Port: c.Port,
		Expected: c.State().String(), Actual: actual(o), Verdict: o.Verdict.String(),
		Message: o.Message, Note: o.Note, Description: c.Expect.Description, Source: Source(c), Vantage: o.Vantage,
		Profile: c.Expect.Profile, ProfileDesc: c.ProfileDescription(), HostDesc: c.HostDescription(),
		Order:      [3]int{c.Order.Unit, c.Order.Address, c.Order.Seq},
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
			TimeoutMS: ms(ev.Timeout), Silence: ev.Silence.String(), Tries: []jsonTry{}}
		if len(ev.Reply) > 0 {
			je.ReplyHex = hex.EncodeToString(ev.Reply)
		}
		for _, t := range ev.Tries {
			jt := jsonTry{Started: t.Start, DurationMS: ms(t.Duration), TimeoutMS: ms(t.Timeout), Signal: t.Signal.String(), ICMP: icmpJSON(t.ICMP),
				Confirm: t.Confirm, Proven: t.Proven}
			if t.Confirm || t.Signal == runner.Silence {
				n := tokens(t.Tokens)
				jt.Tokens = &n
			}
			if t.Err != nil {
				jt.Error = t.Err.Error()
			}
			je.Tries = append(je.Tries, jt)
		}
		r.Evidence = je
	}
	b, _ := json.Marshal(r)
	return b
}

// EncodeResult and ReferenceResult let the external test compare the two.
func EncodeResult(o runner.Outcome) []byte {
	j := NewJSON(nil)
	j.first = false
	return j.encode(o)
}

var ReferenceResult = referenceResult
