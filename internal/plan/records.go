package plan

import (
	"encoding/hex"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

// Record judges a result against its check, and returns the record the
// reports read. The check is forgotten: call it once a result.
func (p *Plan) Record(res runner.Result) report.Record {
	rec, _ := p.RecordOf(res)
	return rec
}

// RecordOf is Record with the check it judged, for check --wait to probe
// it again.
func (p *Plan) RecordOf(res runner.Result) (report.Record, spec.Check) {
	c := p.checkOf(res.Probe, true)
	return p.records.record(c, res), c
}

// Attempt is a try of a check's probe, as the log shows it.
func (p *Plan) Attempt(probe runner.Probe, t runner.Try) report.Attempt {
	c := p.checkOf(probe, false)
	a := report.Attempt{Host: c.Host.Name, Address: address(c), Protocol: c.Protocol.String(), Port: c.Port, Try: reportTry(t)}
	a.Escape()
	return a
}

// CheckRecord judges res against c, from vantage, on day today (for the
// waivers).
func CheckRecord(c spec.Check, res runner.Result, vantage string, today time.Time) report.Record {
	return (&recorder{vantage: vantage, today: today}).record(c, res)
}

// recorder turns a run's results into records. It keeps the text that
// many records share, a block's place and an address, rather than make it
// again for each of a million checks.
type recorder struct {
	vantage string
	today   time.Time

	sources  map[*spec.Expectation]string
	lastAddr netip.Addr
	lastText string
}

func (r *recorder) source(e *spec.Expectation) string {
	if s, ok := r.sources[e]; ok {
		return s
	}
	var s string
	if rng := e.DeclRange; rng.Filename != "" {
		s = fmt.Sprintf("%s:%d:%d", rng.Filename, rng.Start.Line, rng.Start.Column)
	}
	if r.sources == nil {
		r.sources = map[*spec.Expectation]string{}
	}
	r.sources[e] = s
	return s
}

func (r *recorder) address(c spec.Check) string {
	if !c.Addr.IsValid() {
		return c.Target()
	}
	if c.Addr != r.lastAddr {
		r.lastAddr, r.lastText = c.Addr, c.Addr.String()
	}
	return r.lastText
}

func (r *recorder) record(c spec.Check, res runner.Result) report.Record {
	rec := found(c.Host.Name, r.address(c), res)
	want := verdict.Expectation{State: c.Expect.State, Banner: c.Expect.Banner, Process: c.Expect.Process}
	if w := c.Expect.Waiver; w != nil {
		want.Waiver = verdict.NewWaiver(w.Reason, w.Until, r.today)
		held := *want.Waiver // the record's own, which escaping rewrites
		rec.Waiver = &held
	}
	meta := c.Metadata()
	rec.Controls, rec.Owner, rec.Link = meta.Controls, meta.Owner, meta.Link
	rec.Tags = c.Tags()
	got := verdict.Found{Status: res.Status, Err: res.Err, Skipped: res.Skipped, Reply: res.Evidence.Reply,
		Probe: res.Evidence.Probe, Evidence: rec.Evidence.Summary}
	if res.Listeners != nil {
		for _, l := range *res.Listeners {
			got.Owners = append(got.Owners, l.Process)
			got.OwnersHidden = got.OwnersHidden || l.Hidden
		}
	}
	o := verdict.Judge(want, got)
	rec.Verdict, rec.Message, rec.Note = o.Verdict, o.Message, o.Note
	rec.Vantage, rec.Name = r.vantage, c.Name
	rec.Protocol, rec.Port = c.Protocol.String(), c.Port
	rec.Expected = c.Expect.State.String()
	rec.Description, rec.Profile = c.Expect.Description, c.Expect.Profile
	rec.ProfileDescription, rec.HostDescription = c.ProfileDescription(), c.HostDescription()
	rec.Source = r.source(c.Expect)
	rec.Order = [3]int{c.Order.Unit, c.Order.Address, c.Order.Seq}
	rec.Escape()
	return rec
}

// Found is the record of what a probe found, with nothing expected of it,
// for query: its verdict is Skipped for a probe that never
// ran, and Unknown otherwise.
func Found(host string, res runner.Result) report.Record {
	rec := found(host, res.Probe.Addr.String(), res)
	rec.Escape()
	return rec
}

func found(host, address string, res runner.Result) report.Record {
	rec := report.Record{Host: host, Address: address, Protocol: res.Probe.Proto.String(), Port: res.Probe.Port,
		Actual: res.Status.String(), Started: res.Start, DurationMS: report.MS(res.Duration)}
	switch {
	case res.Skipped:
		rec.Verdict, rec.Actual = verdict.Skipped, ""
	case res.Status == verdict.Error && res.Err != nil:
		rec.Error = res.Err.Error()
	}
	if ev := res.Evidence; len(ev.Tries) > 0 {
		rec.Evidence = &report.Evidence{Signal: ev.Signal.String(), ICMP: reportICMP(ev.ICMP), Probe: ev.Probe,
			ReplyHex: hex.EncodeToString(ev.Reply), App: ev.App, TimeoutMS: report.MS(ev.Timeout), Silence: ev.Silence.String()}
		for _, t := range ev.Tries {
			rec.Evidence.Tries = append(rec.Evidence.Tries, reportTry(t))
		}
	}
	if t := res.Trace; t != nil {
		rec.Trace = &report.Trace{Incomplete: t.Incomplete}
		for _, h := range t.Hops {
			rec.Trace.Hops = append(rec.Trace.Hops, reportHop(h))
		}
		if t.Ref != nil {
			rec.Trace.Ref = &report.TraceRef{Port: t.RefPort, Hop: reportHop(*t.Ref)}
		}
		rec.Trace.Summary = rec.Trace.Summarize(address, fmt.Sprintf("%s/%d", rec.Protocol, rec.Port))
	}
	return rec
}

func reportHop(h runner.Hop) report.TraceHop {
	hop := report.TraceHop{TTL: h.TTL, Signal: h.Signal.String(), ICMP: reportICMP(h.ICMP), Name: h.Name,
		RTTMS: report.MS(h.RTT), Proven: h.Proven}
	if h.Tries > 1 {
		hop.Tries = h.Tries
	}
	if h.From.IsValid() {
		hop.Address = h.From.String()
	}
	if h.Err != nil {
		hop.Error = h.Err.Error()
	}
	return hop
}

// address is the address a check probed, or the name it could not
// resolve.
func address(c spec.Check) string {
	if c.Addr.IsValid() {
		return c.Addr.String()
	}
	return c.Target()
}

func reportTry(t runner.Try) report.Try {
	rt := report.Try{Started: t.Start, DurationMS: report.MS(t.Duration), TimeoutMS: report.MS(t.Timeout),
		Signal: t.Signal.String(), ICMP: reportICMP(t.ICMP), Confirm: t.Confirm, Proven: t.Proven}
	if t.Err != nil {
		rt.Error = t.Err.Error()
	}
	if t.Source.IsValid() && !t.Source.IsUnspecified() {
		rt.Source = t.Source.String()
	}
	if t.Confirm || t.Signal == runner.Silence {
		// Two decimals say enough of a budget's bound.
		tokens := math.Round(t.Tokens*100) / 100
		rt.Tokens = &tokens
	}
	return rt
}

func reportICMP(e *runner.ICMPError) *report.ICMP {
	if e == nil {
		return nil
	}
	family := "icmp"
	if e.V6 {
		family = "icmpv6"
	}
	return &report.ICMP{Family: family, Type: e.Type, Code: e.Code, From: e.From.String(), Text: e.String()}
}
