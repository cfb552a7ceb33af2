package agent

import (
	"errors"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/verdict"
)

// Protocol is the version of the messages; both ends must speak the same.
// 2: probe options sent once and named by id; no try messages, the tries
// riding in their results. 3: DNS names resolved on the far end (resolve
// and resolved).
const Protocol = 3

// MaxLine is the longest line either end reads: a result with its
// evidence, trace and 64 bytes of reply is a few KiB.
const MaxLine = 1 << 20

// message is one line: exactly one field is set.
type message struct {
	Hello        *Hello            `json:"hello,omitempty"`
	Options      *Options          `json:"options,omitempty"`
	ProbeOptions *wireProbeOptions `json:"probe_options,omitempty"`
	Probe        *wireProbe        `json:"probe,omitempty"`
	End          *struct{}         `json:"end,omitempty"`
	Resolve      *wireResolve      `json:"resolve,omitempty"`
	Resolved     *wireResolved     `json:"resolved,omitempty"`
	Result       *wireResult       `json:"result,omitempty"`
	Summary      *wireSummary      `json:"summary,omitempty"`
	Refused      *wireRefused      `json:"refused,omitempty"`
}

// wireRefused is an agent's answer to options its machine cannot honour
// (runner.Ready): it probes nothing, and ends.
type wireRefused struct {
	Reason string `json:"reason"`
}

// Hello opens each direction.
type Hello struct {
	Protocol int    `json:"protocol"`
	Version  string `json:"version"`
	OS       string `json:"os,omitempty"`
	Arch     string `json:"arch,omitempty"`
}

// Options are the run options the agent's runner takes.
type Options struct {
	Concurrency    int            `json:"concurrency,omitempty"`
	PerHost        int            `json:"per_host,omitempty"`
	Rate           float64        `json:"rate,omitempty"`
	MinTimeout     time.Duration  `json:"min_timeout,omitempty"`
	MaxTimeout     time.Duration  `json:"max_timeout,omitempty"`
	ICMPInterval   time.Duration  `json:"icmp_interval,omitempty"`
	SourcePrefixes []netip.Prefix `json:"source_prefixes,omitempty"`
	SYN            bool           `json:"syn,omitempty"`
	TraceLimit     int            `json:"trace_limit,omitempty"`
	ReverseNames   bool           `json:"reverse_names,omitempty"`
}

func optionsOf(o runner.Options, reverse bool) Options {
	return Options{Concurrency: o.Concurrency, PerHost: o.PerHost, Rate: o.Rate, MinTimeout: o.MinTimeout, MaxTimeout: o.MaxTimeout,
		ICMPInterval: o.ICMPInterval, SourcePrefixes: o.SourcePrefixes, SYN: o.SYN, TraceLimit: o.TraceLimit, ReverseNames: reverse}
}

func (o Options) runner() runner.Options {
	return runner.Options{Concurrency: o.Concurrency, PerHost: o.PerHost, Rate: o.Rate, MinTimeout: o.MinTimeout, MaxTimeout: o.MaxTimeout,
		ICMPInterval: o.ICMPInterval, SourcePrefixes: o.SourcePrefixes, SYN: o.SYN, TraceLimit: o.TraceLimit}
}

// wireProbeOptions are the options of the probes that name ID, sent once
// before the first of them: a block's probes share one, so a million
// probes carry a number each rather than a copy, on the wire and in the
// agent's memory.
type wireProbeOptions struct {
	ID   int                 `json:"id"`
	Opts runner.ProbeOptions `json:"opts"`
}

// maxProbeOptions bounds the distinct options of a run: one a block.
const maxProbeOptions = 1 << 20

// wireProbe is a runner.Probe with an ID for its result; the caller's Ref
// stays with the coordinator. Opts names its wireProbeOptions, 0 for the
// defaults.
type wireProbe struct {
	ID         int              `json:"id"`
	Addr       netip.Addr       `json:"addr"`
	Proto      verdict.Protocol `json:"proto"`
	Port       uint16           `json:"port"`
	Local      bool             `json:"local,omitempty"`
	Opts       int              `json:"opts,omitempty"`
	Group      string           `json:"group,omitempty"`
	Unresolved string           `json:"unresolved,omitempty"`
}

func probeOf(id, opts int, p runner.Probe) wireProbe {
	w := wireProbe{ID: id, Addr: p.Addr, Proto: p.Proto, Port: p.Port, Local: p.Local, Opts: opts, Group: p.Group}
	w.Unresolved = errText(p.Unresolved)
	return w
}

func (w wireProbe) probe(opts *runner.ProbeOptions) runner.Probe {
	p := runner.Probe{Addr: w.Addr, Proto: w.Proto, Port: w.Port, Local: w.Local, Opts: opts, Group: w.Group, Ref: w.ID}
	p.Unresolved = textErr(w.Unresolved)
	return p
}

// wireResolve asks the agent for the addresses of a DNS name, as its end
// resolves it: a vantage point may see its own DNS (split horizon), and a
// check --from NAME run there would resolve it there.
type wireResolve struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// wireResolved answers the resolve of the same ID: the addresses, IPv4
// first, or the lookup's error as text.
type wireResolved struct {
	ID    int          `json:"id"`
	Addrs []netip.Addr `json:"addrs,omitempty"`
	Err   string       `json:"err,omitempty"`
}

// Bounds of a lookup: a name as long as DNS allows, with room to spare,
// and more addresses than any name has.
const (
	maxWireName  = 1024
	maxWireAddrs = 1024
)

// check refuses an answer a lookup could not have given.
func (w wireResolved) check() error {
	if len(w.Addrs) > maxWireAddrs || len(w.Err) > maxWireText {
		return errors.New("an answer to a lookup larger than a lookup gives")
	}
	for _, a := range w.Addrs {
		if !a.IsValid() || a.Zone() != "" {
			return errors.New("an answer to a lookup with an address that is not one")
		}
	}
	return nil
}

// cutText is s as valid UTF-8, cut at a character to at most n bytes: what
// the other end reads back within a bound of n.
func cutText(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// errText and textErr carry an error across the wire as its text: ""
// is no error.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func textErr(text string) error {
	if text == "" {
		return nil
	}
	return errors.New(text)
}

// wireTryOf is a runner.Try with its error as text.
type wireTryOf struct {
	runner.Try
	Err string `json:"err,omitempty"`
}

func tryOf(t runner.Try) wireTryOf {
	w := wireTryOf{Try: t, Err: errText(t.Err)}
	w.Try.Err = nil
	return w
}

func (w wireTryOf) try() runner.Try {
	t := w.Try
	t.Err = textErr(w.Err)
	return t
}

// wireResult is a runner.Result with its errors as text.
type wireResult struct {
	ID        int                `json:"id"`
	Status    verdict.Status     `json:"status"`
	Evidence  wireEvidence       `json:"evidence"`
	Err       string             `json:"err,omitempty"`
	Start     time.Time          `json:"start"`
	Duration  time.Duration      `json:"duration"`
	Skipped   bool               `json:"skipped,omitempty"`
	Trace     *wireTrace         `json:"trace,omitempty"`
	Listeners *[]runner.Listener `json:"listeners,omitempty"`
	// Stopped marks a probe not run because a signal stopped the agent.
	Stopped bool `json:"stopped,omitempty"`
}

type wireEvidence struct {
	Signal  runner.Signal       `json:"signal"`
	ICMP    *runner.ICMPError   `json:"icmp,omitempty"`
	Reply   []byte              `json:"reply,omitempty"`
	App     string              `json:"app,omitempty"`
	Tries   []wireTryOf         `json:"tries,omitempty"`
	Probe   string              `json:"probe,omitempty"`
	Timeout time.Duration       `json:"timeout,omitempty"`
	Silence runner.SilenceProof `json:"silence,omitempty"`
}

type wireTrace struct {
	Hops       []wireHop `json:"hops"`
	Ref        *wireHop  `json:"ref,omitempty"`
	RefPort    uint16    `json:"ref_port,omitempty"`
	Incomplete bool      `json:"incomplete,omitempty"`
}

type wireHop struct {
	runner.Hop
	Err string `json:"err,omitempty"`
}

func hopOf(h runner.Hop) wireHop {
	w := wireHop{Hop: h, Err: errText(h.Err)}
	w.Hop.Err = nil
	return w
}

func (w wireHop) hop() runner.Hop {
	h := w.Hop
	h.Err = textErr(w.Err)
	return h
}

func resultOf(id int, r runner.Result) wireResult {
	ev := r.Evidence
	w := wireResult{ID: id, Status: r.Status, Start: r.Start, Duration: r.Duration, Skipped: r.Skipped, Listeners: r.Listeners,
		Evidence: wireEvidence{Signal: ev.Signal, ICMP: ev.ICMP, Reply: ev.Reply, App: ev.App, Probe: ev.Probe, Timeout: ev.Timeout, Silence: ev.Silence}}
	w.Err = errText(r.Err)
	for _, t := range ev.Tries {
		w.Evidence.Tries = append(w.Evidence.Tries, tryOf(t))
	}
	if tr := r.Trace; tr != nil {
		w.Trace = &wireTrace{RefPort: tr.RefPort, Incomplete: tr.Incomplete}
		for _, h := range tr.Hops {
			w.Trace.Hops = append(w.Trace.Hops, hopOf(h))
		}
		if tr.Ref != nil {
			ref := hopOf(*tr.Ref)
			w.Trace.Ref = &ref
		}
	}
	return w
}

// Bounds of what one result may carry from a far end: no more than a run
// of this portspec makes (runner.MaxTries tries, 30 hops, 64 bytes of
// reply), so that a 1 MiB line cannot become a hundred times that in
// reports.
const (
	maxWireTries = 256
	maxWireHops  = 64
	maxWireReply = 64
	maxWireText  = 4096
)

// validSignal reports whether s is a signal of this protocol, with its
// ICMP error when it says ICMP.
func validSignal(s runner.Signal, icmp *runner.ICMPError) bool {
	return s <= runner.Refused && (s != runner.ICMP || icmp != nil)
}

// check refuses a result a runner of this version could not have made:
// a signal, silence proof or status out of range, an ICMP signal without
// its error, more tries or hops or text than a run makes.
func (w wireResult) check() error {
	e := w.Evidence
	switch {
	case !validSignal(e.Signal, e.ICMP) || e.Silence > runner.SilenceProven || w.Status > verdict.ListeningOrFiltered:
		return errors.New("a result with a signal, status or proof this protocol does not have")
	case len(e.Tries) > maxWireTries || len(e.Reply) > maxWireReply || len(e.App) > maxWireText || len(e.Probe) > maxWireText || len(w.Err) > maxWireText:
		return errors.New("a result larger than a run makes")
	case w.Listeners != nil && len(*w.Listeners) > maxWireHops:
		return errors.New("a result with more listeners than a run reports")
	}
	for _, t := range e.Tries {
		if err := t.check(); err != nil {
			return err
		}
	}
	if tr := w.Trace; tr != nil {
		if len(tr.Hops) > maxWireHops {
			return errors.New("a trace longer than a run makes")
		}
		hops := tr.Hops
		if tr.Ref != nil {
			hops = append(hops[:len(hops):len(hops)], *tr.Ref)
		}
		for _, h := range hops {
			if !validSignal(h.Signal, h.ICMP) || len(h.Err) > maxWireText || len(h.Name) > maxWireText {
				return errors.New("a trace hop this protocol does not have")
			}
		}
	}
	return nil
}

// check refuses a try a runner could not have made.
func (w wireTryOf) check() error {
	if !validSignal(w.Signal, w.ICMP) || len(w.Err) > maxWireText {
		return errors.New("a try with a signal this protocol does not have")
	}
	return nil
}

// result is the runner.Result the wire carried, for probe p.
func (w wireResult) result(p runner.Probe) runner.Result {
	e := w.Evidence
	r := runner.Result{Probe: p, Status: w.Status, Start: w.Start, Duration: w.Duration, Skipped: w.Skipped, Listeners: w.Listeners,
		Evidence: runner.Evidence{Signal: e.Signal, ICMP: e.ICMP, Reply: e.Reply, App: e.App, Probe: e.Probe, Timeout: e.Timeout, Silence: e.Silence}}
	r.Err = textErr(w.Err)
	for _, t := range e.Tries {
		r.Evidence.Tries = append(r.Evidence.Tries, t.try())
	}
	if tr := w.Trace; tr != nil {
		r.Trace = &runner.Trace{RefPort: tr.RefPort, Incomplete: tr.Incomplete}
		for _, h := range tr.Hops {
			r.Trace.Hops = append(r.Trace.Hops, h.hop())
		}
		if tr.Ref != nil {
			ref := tr.Ref.hop()
			r.Trace.Ref = &ref
		}
	}
	return r
}

// wireSummary ends the agent's stream.
type wireSummary struct {
	Results         int           `json:"results"`
	ICMPWait        time.Duration `json:"icmp_wait"`
	ICMPWaitTargets int           `json:"icmp_wait_targets"`
	// Stopped says a signal stopped the agent: the probes it did not
	// answer never ran.
	Stopped bool `json:"stopped,omitempty"`
}
