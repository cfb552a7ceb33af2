package plan

import (
	"cmp"
	"fmt"
	"iter"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
	"github.com/portspec/portspec/verdict"
)

// Flags are the command line's options, which beat the blocks' and the
// settings block's. A zero field was not given.
type Flags struct {
	Timeout      time.Duration
	Tries        int
	Concurrency  int
	PerHost      int
	Rate         float64
	ICMPInterval time.Duration
	// Today is the day waivers are judged on (--today).
	Today time.Time
	// TraceLimit is how many failed checks to trace (--trace-limit; 0
	// with --no-trace).
	TraceLimit int
	// SourcePrefixes are --source-prefix.
	SourcePrefixes []netip.Prefix
	// SYN is --syn.
	SYN bool
}

// RunnerOptions are the run-wide options: each flag, else the settings
// block's, else the runner's default (a zero field).
func RunnerOptions(f Flags, s spec.Settings) runner.Options {
	return runner.Options{
		Concurrency:    cmp.Or(f.Concurrency, s.Concurrency),
		PerHost:        cmp.Or(f.PerHost, s.PerHost),
		Rate:           cmp.Or(f.Rate, s.Rate),
		ICMPInterval:   cmp.Or(f.ICMPInterval, s.ICMPInterval),
		TraceLimit:     f.TraceLimit,
		SourcePrefixes: f.SourcePrefixes,
		SYN:            f.SYN,
	}
}

// ProbeOptions are how to probe one check: the flag, else the block's
// option, else the settings block's, else the default.
func ProbeOptions(c spec.Check, f Flags, s spec.Settings) runner.ProbeOptions {
	e := c.Expect
	tries := cmp.Or(f.Tries, e.Tries, s.TCPTries, runner.DefaultTCPTries)
	if c.Protocol == spec.UDP {
		tries = cmp.Or(f.Tries, e.Tries, s.UDPTries, runner.DefaultUDPTries)
	}
	return runner.ProbeOptions{
		Tries:        tries,
		Timeout:      cmp.Or(f.Timeout, e.Timeout, s.Timeout),
		Payload:      e.Payload,
		Community:    e.Community,
		SourcePort:   e.SourcePort,
		ReadBanner:   e.Banner != nil,
		ProveSilence: e.State.NeedsProvenSilence(),
		// Where FILTERED fails the check, it is tried again before it is
		// believed, and a trace says where it dies.
		SilenceFails: e.State.FailsOnSilence(),
	}
}

// budgetGroup names the machine whose ICMP budget answers for c's
// address: its host block, whose addresses and names are taken to be one
// machine (one budget for both families and every address), except for an
// address from a CIDR range, taken to be a machine of its own.
func budgetGroup(c spec.Check) string {
	for _, t := range c.Host.Targets {
		if t.Prefix.IsValid() && t.Prefix.Bits() < t.Prefix.Addr().BitLen() && t.Prefix.Contains(c.Addr) {
			return "address " + c.Addr.String()
		}
	}
	return hostGroup(c.Host.Name)
}

// hostGroup is the budget group of a named host's addresses.
func hostGroup(name string) string { return "host " + name }

// AdHocProbes are the probes of a command line rather than a spec, for
// query and snapshot: every protocol of every port of every address, the
// addresses of one name sharing one ICMP budget. portMajor puts a port's
// protocols together, as PortQry does; otherwise each protocol's ports
// come together.
func AdHocProbes(name string, addrs []netip.Addr, protos []verdict.Protocol, ports []uint16, portMajor bool, opts runner.ProbeOptions) iter.Seq[runner.Probe] {
	group := hostGroup(name)
	return func(yield func(runner.Probe) bool) {
		probe := func(a netip.Addr, p verdict.Protocol, port uint16) bool {
			return yield(runner.Probe{Addr: a, Proto: p, Port: port, Opts: &opts, Group: group})
		}
		for _, a := range addrs {
			if portMajor {
				for _, port := range ports {
					for _, p := range protos {
						if !probe(a, p, port) {
							return
						}
					}
				}
				continue
			}
			for _, p := range protos {
				for _, port := range ports {
					if !probe(a, p, port) {
						return
					}
				}
			}
		}
	}
}

// Plan is one run of a spec's checks: it hands the runner a probe a
// check, and finds the check again for each try and result.
type Plan struct {
	flags    Flags
	settings spec.Settings
	records  recorder

	// options and groups are shared by the probes of a block and of a
	// unit, made once each.
	options   map[*spec.Expectation]*runner.ProbeOptions
	lastUnit  int
	lastGroup string

	// inFlight are the checks whose results are not out yet, in order:
	// results come out in the order of the probes, so the oldest is at
	// the head (Ref head). They are kept as runs of a block's checks of
	// one address, what their probes do not carry once a run: the
	// runner's window holds hundreds of thousands (issue #23: 33 MB of
	// a run's 57 when each was kept apart).
	mu       sync.Mutex
	next     int
	head     int
	inFlight []pendingRun
}

// pending is what a check's probe does not carry.
type pending struct {
	host   *spec.Host
	expect *spec.Expectation
	name   string
	order  spec.Order
}

// pendingRun is n checks in a row, Refs ref onwards, that differ only in
// their order's Seq, which rises by one from the first's.
type pendingRun struct {
	first  pending
	ref, n int
}

// extends reports whether the check c with Ref ref is the next of run.
func (run *pendingRun) extends(c *spec.Check, ref int) bool {
	f := &run.first
	return ref == run.ref+run.n && c.Order.Seq == f.order.Seq+run.n && c.Host == f.host && c.Expect == f.expect &&
		c.Order.Unit == f.order.Unit && c.Order.Address == f.order.Address && c.Name == f.name
}

// New plans a run of a spec with settings s, from vantage (--from, or "").
func New(f Flags, s spec.Settings, vantage string) *Plan {
	return &Plan{flags: f, settings: s, records: recorder{vantage: vantage, today: f.Today},
		options: map[*spec.Expectation]*runner.ProbeOptions{}, lastUnit: -1}
}

// Probes turns checks into probes, one a check, in order. A check whose
// name did not resolve is a probe with Unresolved set. Only the checks
// whose results are not out yet are held, so memory stays flat.
func (p *Plan) Probes(checks iter.Seq[spec.Check]) iter.Seq[runner.Probe] {
	return func(yield func(runner.Probe) bool) {
		for c := range checks {
			p.mu.Lock()
			ref := p.next
			p.next++
			if n := len(p.inFlight); n > 0 && p.inFlight[n-1].extends(&c, ref) {
				p.inFlight[n-1].n++
			} else {
				p.inFlight = append(p.inFlight, pendingRun{first: pending{c.Host, c.Expect, c.Name, c.Order}, ref: ref, n: 1})
			}
			p.mu.Unlock()
			opts, ok := p.options[c.Expect]
			if !ok {
				o := ProbeOptions(c, p.flags, p.settings)
				opts = &o
				p.options[c.Expect] = opts
			}
			if c.Order.Unit != p.lastUnit {
				p.lastUnit, p.lastGroup = c.Order.Unit, budgetGroup(c)
			}
			probe := runner.Probe{Addr: c.Addr, Proto: c.Protocol, Port: c.Port, Ref: ref,
				Opts: opts, Group: p.lastGroup, Unresolved: c.ResolveErr, Local: c.Local}
			if !yield(probe) {
				return
			}
		}
	}
}

// check finds the check of a probe; done forgets it, which must be in
// order, once its result is out.
func (p *Plan) checkOf(probe runner.Probe, done bool) spec.Check {
	p.mu.Lock()
	defer p.mu.Unlock()
	if probe.Ref < p.head || probe.Ref >= p.next {
		panic(fmt.Sprintf("plan: no check for probe %d", probe.Ref))
	}
	i := sort.Search(len(p.inFlight), func(i int) bool {
		run := &p.inFlight[i]
		return run.ref+run.n > probe.Ref
	})
	run := &p.inFlight[i]
	in := run.first
	in.order.Seq += probe.Ref - run.ref
	c := spec.Check{Host: in.host, Addr: probe.Addr, Name: in.name, ResolveErr: probe.Unresolved, Local: probe.Local,
		Protocol: probe.Proto, Port: probe.Port, Expect: in.expect, Order: in.order}
	if done {
		if probe.Ref != p.head {
			panic(fmt.Sprintf("plan: result %d out of order, %d expected", probe.Ref, p.head))
		}
		p.head++
		if run.n--; run.n > 0 {
			run.ref++
			run.first.order.Seq++
		} else {
			// The array's head is let go as the slice moves on:
			// append moves the live runs to a new one when the tail
			// runs out.
			*run = pendingRun{}
			p.inFlight = p.inFlight[1:]
		}
	}
	return c
}

// Resolve narrows the runner's resolver to a host's family, for
// spec.ResolvedChecks.
func Resolve(r *runner.Resolver) spec.Resolver {
	return func(name string, f spec.Family) ([]netip.Addr, error) {
		all, err := r.Resolve(name)
		if err != nil {
			return nil, err
		}
		var out []netip.Addr
		for _, a := range all {
			if f.Allows(a) {
				out = append(out, a)
			}
		}
		return out, nil
	}
}
