package arguments

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"runtime"
	"time"

	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

// Probe are how to probe, for every command that probes.
type Probe struct {
	Timeout      time.Duration
	Tries        int
	ICMPInterval time.Duration
	// SourcePrefixes are --source-prefix, at most one a family.
	SourcePrefixes []netip.Prefix
	// SYN is --syn: TCP tries as bare SYNs from a raw socket.
	SYN bool

	sourcePrefixes Strings
}

// register adds the flags with dash, "--" or "-": query and snapshot
// spell their flags PortQry's way.
func (f *Probe) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.Timeout, "timeout", 0, "a fixed `timeout` per try, for every port (default: adaptive, 100ms to 1s)")
	fs.IntVar(&f.Tries, "tries", 0, "`tries` before silence counts, for every port (default: 3 tcp, 2 udp)")
	fs.DurationVar(&f.ICMPInterval, "icmp-interval", 0, "how often a target may send one ICMP error, Linux's icmp_ratelimit: a slower target needs it to be proven right (default: settings, else 1s)")
	fs.BoolVar(&f.SYN, "syn", false, "send TCP tries as bare SYNs from a raw socket, as nmap -sS does, rather than connects: a sweep costs the kernel far less (Linux; root or CAP_NET_RAW; a check that reads a banner or names a source port still connects)")
	fs.Var(&f.sourcePrefixes, "source-prefix", "send the probes from addresses across this `prefix`, routed to this machine (an IPv4 /16 to /30, an IPv6 /48 to /126; one a family): each address has its own ICMP budget at a target")
}

func (f *Probe) validate() error {
	if f.Timeout < 0 || f.Timeout > spec.MaxTimeout {
		return fmt.Errorf("--timeout is a fixed timeout per try, at most %s (0: adaptive); got %s", spec.MaxTimeout, f.Timeout)
	}
	if f.Tries < 0 || f.Tries > spec.MaxTries {
		return fmt.Errorf("--tries is the tries before silence counts, from 1 to %d; got %d", spec.MaxTries, f.Tries)
	}
	prefixes, err := parseSourcePrefixes(f.sourcePrefixes)
	if err != nil {
		return err
	}
	f.SourcePrefixes = prefixes
	if f.SYN && !runner.SYNSupported {
		return fmt.Errorf("--syn: %s cannot send bare SYNs: only Linux's raw sockets do it here; leave --syn out to connect", runtime.GOOS)
	}
	if f.ICMPInterval < 0 || f.ICMPInterval > spec.MaxICMPInterval {
		return fmt.Errorf("--icmp-interval must be from 1ms to %s; got %s", spec.MaxICMPInterval, f.ICMPInterval)
	}
	return nil
}

// ProbeOptions are the probe options these flags set; a query proves
// every silence.
func (f *Probe) ProbeOptions() runner.ProbeOptions {
	return runner.ProbeOptions{Tries: f.Tries, Timeout: f.Timeout, ProveSilence: true}
}

// RunnerOptions are the runner options these flags set.
func (f *Probe) RunnerOptions() runner.Options {
	return runner.Options{ICMPInterval: f.ICMPInterval, SourcePrefixes: f.SourcePrefixes, SYN: f.SYN}
}

// parseSourcePrefixes reads --source-prefix: one prefix a family, no
// broader than a probe needs addresses from (runner uses 256 at most),
// no narrower than a few.
func parseSourcePrefixes(given []string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	seen := map[bool]string{}
	for _, v := range given {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, fmt.Errorf("--source-prefix is a prefix such as 198.18.9.0/24 or 2001:db8:9::/64; got %q", v)
		}
		p = p.Masked()
		if p.Addr().Is4() && (p.Bits() < 16 || p.Bits() > 30) || p.Addr().Is6() && (p.Bits() < 48 || p.Bits() > 126) {
			return nil, fmt.Errorf("--source-prefix %s: an IPv4 prefix is /16 to /30, an IPv6 one /48 to /126", p)
		}
		if other, ok := seen[p.Addr().Is4()]; ok {
			return nil, fmt.Errorf("--source-prefix %s and %s are of one family: give one for IPv4 and one for IPv6 at most", other, p)
		}
		seen[p.Addr().Is4()] = v
		prefixes = append(prefixes, p)
	}
	return prefixes, nil
}

// Trace say which failed checks to trace, and how to name hops.
type Trace struct {
	Limit     int
	Off       bool
	NoReverse bool
}

func (f *Trace) register(fs *flag.FlagSet) {
	fs.IntVar(&f.Limit, "trace-limit", runner.DefaultTraceLimit, "trace at most `N` failed checks a run: where a FILTERED probe dies, hop by hop")
	fs.BoolVar(&f.Off, "no-trace", false, "trace no failed check")
	fs.BoolVar(&f.NoReverse, "nr", false, "do not look up the names of a trace's hops")
}

func (f *Trace) validate() error {
	switch {
	case f.Limit < 0:
		return errors.New("--trace-limit must not be negative")
	case f.Limit > 0 && !runner.TracesSupported:
		return fmt.Errorf("--trace-limit: %s cannot trace: a trace needs the ICMP time-exceeded of each router and who sent it, which only Linux gives an unprivileged socket; give --no-trace or 0", runtime.GOOS)
	}
	return nil
}

// RunnerLimit is the runner's trace limit: 0 with --no-trace.
func (f *Trace) RunnerLimit() int {
	if f.Off {
		return 0
	}
	return f.Limit
}
