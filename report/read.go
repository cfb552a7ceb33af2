package report

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

// JSONReader reads back a JSON report, a result at a time, for merge.
type JSONReader struct {
	Meta  Meta
	dec   *json.Decoder
	hosts map[string]*spec.Host
	read  int // results read
}

type readMeta struct {
	Schema   int
	Portspec string
	Started  time.Time
	Hostname string
	Command  []string
	Vantage  string
	Tags     []string
	Shard    string
	Spec     struct {
		Files  []string
		Digest string
	}
}

type readICMP struct {
	Family     string
	Type, Code uint8
	From       string
}

type readTry struct {
	Started    time.Time
	DurationMS float64 `json:"duration_ms"`
	TimeoutMS  float64 `json:"timeout_ms"`
	Signal     string
	ICMP       *readICMP
	Error      string
	Confirm    bool
	Tokens     float64
	Proven     bool
}

type readResult struct {
	Host, Vantage, Name, Address, Protocol string
	Port                                   uint16
	Expected, Actual, Verdict              string
	Message, Note, Error, Description      string
	Profile                                string
	ProfileDescription                     string `json:"profile_description"`
	HostDescription                        string `json:"host_description"`
	Source                                 string
	Order                                  [3]int
	Started                                *time.Time
	DurationMS                             float64 `json:"duration_ms"`
	Evidence                               *struct {
		Signal    string
		ICMP      *readICMP
		Probe     string
		ReplyHex  string `json:"reply_hex"`
		App       string
		TimeoutMS float64 `json:"timeout_ms"`
		Silence   string
		Tries     []readTry
	}
}

// OpenJSON reads a JSON report's metadata and leaves the reader at its
// first result.
func OpenJSON(r io.Reader) (*JSONReader, error) {
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a portspec JSON report: it is not a JSON object")
	}
	jr := &JSONReader{dec: dec, hosts: map[string]*spec.Host{}}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not a portspec JSON report: %v", err)
		}
		switch tok {
		case "meta":
			var m readMeta
			if err := dec.Decode(&m); err != nil {
				return nil, fmt.Errorf("reading meta: %v", err)
			}
			if m.Schema != JSONSchema {
				return nil, fmt.Errorf("JSON report schema %d; this portspec reads schema %d", m.Schema, JSONSchema)
			}
			jr.Meta = Meta{Version: m.Portspec, Hostname: m.Hostname, Command: m.Command, Vantage: m.Vantage,
				Tags: m.Tags, Shard: m.Shard, Files: m.Spec.Files, Digest: m.Spec.Digest, Start: m.Started}
		case "results":
			if jr.Meta.Digest == "" {
				return nil, errors.New("not a portspec JSON report: no meta before the results")
			}
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return nil, errors.New("not a portspec JSON report: results is not a list")
			}
			return jr, nil
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
		}
	}
}

// Next returns the next result, or ok false after the last.
func (jr *JSONReader) Next() (o runner.Outcome, ok bool, err error) {
	if !jr.dec.More() {
		return o, false, nil
	}
	var r readResult
	if err := jr.dec.Decode(&r); err != nil {
		return o, false, truncated(err)
	}
	o, err = jr.outcome(r)
	if err == nil {
		jr.read++
	}
	return o, err == nil, err
}

// Tail is what a JSON report says after its results.
type Tail struct {
	Total       int
	Interrupted bool
}

// End reads what follows the last result (the end of the list, the
// summary, the end of the document), once Next has said there are no
// more, and checks that the summary counts the results that were read. A
// report that stops early, has results missing, or has no summary is not
// whole: the run that wrote it did not finish, or the file was cut.
func (jr *JSONReader) End() (Tail, error) {
	if tok, err := jr.dec.Token(); err != nil || tok != json.Delim(']') {
		return Tail{}, truncated(err)
	}
	var sum *jsonSummary
	for jr.dec.More() {
		tok, err := jr.dec.Token()
		if err != nil {
			return Tail{}, truncated(err)
		}
		if tok != "summary" {
			var skip json.RawMessage
			if err := jr.dec.Decode(&skip); err != nil {
				return Tail{}, truncated(err)
			}
			continue
		}
		sum = &jsonSummary{Total: -1}
		if err := jr.dec.Decode(sum); err != nil {
			return Tail{}, truncated(err)
		}
	}
	if tok, err := jr.dec.Token(); err != nil || tok != json.Delim('}') {
		return Tail{}, truncated(err)
	}
	if _, err := jr.dec.Token(); err != io.EOF {
		return Tail{}, errors.New("more follows the end of the report")
	}
	switch {
	case sum == nil:
		return Tail{}, errors.New("the report has no summary: the run that wrote it did not finish")
	case sum.Total != jr.read:
		return Tail{}, fmt.Errorf("the summary counts %d results, but the report holds %d: results are missing", sum.Total, jr.read)
	}
	return Tail{Total: sum.Total, Interrupted: sum.Interrupted}, nil
}

// truncated names an error in the middle of a report for what it most
// likely is.
func truncated(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the report ends early: it was cut, or the run that wrote it did not finish")
	}
	return fmt.Errorf("the report is not whole: %v", err)
}

var (
	statusByName  = map[string]runner.Status{}
	signalByName  = map[string]runner.Signal{}
	verdictByName = map[string]runner.Verdict{}
	silenceByName = map[string]runner.SilenceProof{}
)

func init() {
	for _, s := range []runner.Status{runner.Error, runner.Listening, runner.NotListening, runner.Filtered, runner.ListeningOrFiltered} {
		statusByName[s.String()] = s
	}
	for s := runner.SignalUnknown; s <= runner.Local; s++ {
		signalByName[s.String()] = s
	}
	for v := runner.VerdictUnknown; v <= runner.Skipped; v++ {
		verdictByName[v.String()] = v
	}
	for s := runner.NotSilent; s <= runner.SilenceProven; s++ {
		silenceByName[s.String()] = s
	}
}

func fromMS(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

func (jr *JSONReader) outcome(r readResult) (runner.Outcome, error) {
	var o runner.Outcome
	h, ok := jr.hosts[r.Host]
	if !ok {
		h = &spec.Host{Name: r.Host, Description: r.HostDescription}
		jr.hosts[r.Host] = h
	}
	if r.Profile != "" && !slices.ContainsFunc(h.Profiles, func(p *spec.Profile) bool { return p.Name == r.Profile }) {
		h.Profiles = append(h.Profiles, &spec.Profile{Name: r.Profile, Description: r.ProfileDescription})
	}
	state, ok := spec.ParseState(r.Expected)
	if !ok {
		return o, fmt.Errorf("result for %s: unknown expected state %q", r.Host, r.Expected)
	}
	proto := spec.TCP
	if r.Protocol == "udp" {
		proto = spec.UDP
	}
	c := spec.Check{Host: h, Name: r.Name, Protocol: proto, Port: r.Port,
		Expect: &spec.Expectation{Protocol: proto, State: state, Description: r.Description, Profile: r.Profile, DeclRange: parseSource(r.Source)},
		Order:  spec.Order{Unit: r.Order[0], Address: r.Order[1], Seq: r.Order[2]}}
	if a, err := netip.ParseAddr(r.Address); err == nil {
		c.Addr = a
	}
	o.Check, o.Vantage, o.Message, o.Note = c, r.Vantage, r.Message, r.Note
	o.Duration = fromMS(r.DurationMS)
	if r.Started != nil {
		o.Start = *r.Started
	}
	verdict, ok := verdictByName[r.Verdict]
	if !ok {
		return o, fmt.Errorf("result for %s %s/%d: unknown verdict %q", r.Host, r.Protocol, r.Port, r.Verdict)
	}
	o.Verdict = verdict
	o.Skipped = verdict == runner.Skipped
	o.Status = statusByName[r.Actual]
	if r.Error != "" {
		o.Err = errors.New(r.Error)
	}
	if ev := r.Evidence; ev != nil {
		o.Evidence = runner.Evidence{Signal: signalByName[ev.Signal], ICMP: icmpFrom(ev.ICMP), Probe: ev.Probe,
			App: ev.App, Timeout: fromMS(ev.TimeoutMS), Silence: silenceByName[ev.Silence]}
		if ev.ReplyHex != "" {
			o.Evidence.Reply, _ = hex.DecodeString(ev.ReplyHex)
		}
		for _, t := range ev.Tries {
			try := runner.Try{Start: t.Started, Duration: fromMS(t.DurationMS), Timeout: fromMS(t.TimeoutMS),
				Signal: signalByName[t.Signal], ICMP: icmpFrom(t.ICMP),
				Confirm: t.Confirm, Tokens: t.Tokens, Proven: t.Proven}
			if t.Error != "" {
				try.Err = errors.New(t.Error)
			}
			o.Evidence.Tries = append(o.Evidence.Tries, try)
		}
	}
	return o, nil
}

func icmpFrom(r *readICMP) *runner.ICMPError {
	if r == nil {
		return nil
	}
	from, _ := netip.ParseAddr(r.From)
	return &runner.ICMPError{V6: r.Family == "icmpv6", Type: r.Type, Code: r.Code, From: from}
}

// parseSource reads Source's "file:line:col" back into a range.
func parseSource(s string) hcl.Range {
	rest, col, ok1 := cutLast(s)
	file, line, ok2 := cutLast(rest)
	if !ok1 || !ok2 {
		return hcl.Range{Filename: s}
	}
	return hcl.Range{Filename: file, Start: hcl.Pos{Line: line, Column: col}}
}

func cutLast(s string) (string, int, bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, 0, false
	}
	n, err := strconv.Atoi(s[i+1:])
	return s[:i], n, err == nil
}
