package spec

import (
	"fmt"
	"net/netip"
	"regexp"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/verdict"
)

// Protocol and State are the verdict package's: the spec, the runner and
// the reports share one vocabulary.
type (
	Protocol = verdict.Protocol
	State    = verdict.State
)

const (
	TCP = verdict.TCP
	UDP = verdict.UDP

	Listening    = verdict.ExpectListening
	NotListening = verdict.ExpectNotListening
	Filtered     = verdict.ExpectFiltered
	// Blocked is anything but listening: NOT LISTENING or FILTERED.
	Blocked = verdict.ExpectBlocked
)

// Family narrows the addresses of a host.
type Family uint8

const (
	AnyFamily Family = iota
	IPv4
	IPv6
)

func (f Family) String() string {
	switch f {
	case IPv4:
		return "ipv4"
	case IPv6:
		return "ipv6"
	}
	return "any"
}

// Allows reports whether addr belongs to the family.
func (f Family) Allows(addr netip.Addr) bool {
	switch f {
	case IPv4:
		return addr.Unmap().Is4()
	case IPv6:
		return addr.Is6() && !addr.Is4In6()
	}
	return true
}

// Spec is a loaded, validated set of spec files.
type Spec struct {
	// Files are the loaded file names, in load order.
	Files []string
	// Digest identifies what the spec means: a SHA-256 of the files'
	// contents, in order, and of the variables' values. Results of runs
	// with different digests must not be merged.
	Digest   string
	Settings Settings
	Hosts    []*Host
	Profiles []*Profile

	// addresses is how many addresses the hosts' addresses and CIDRs
	// expand to; the addresses names resolve to are added as they do, up
	// to maxTotal (Options.MaxTotalAddresses).
	addresses, maxTotal int
}

// Settings are run-wide defaults from the settings block. A zero field was
// not set; command-line flags override any of them.
type Settings struct {
	Timeout     time.Duration
	TCPTries    int
	UDPTries    int
	Concurrency int
	PerHost     int
	Rate        float64 // probes per second, 0 for unlimited
	// ICMPInterval is how often the targets refill their ICMP error
	// budget: Linux's icmp_ratelimit. 0 means Linux's default.
	ICMPInterval time.Duration
	DeclRange    hcl.Range
}

// Metadata is what a compliance run says of a block: the controls it
// answers to, who owns it, and where to read more. A block's values beat
// its host's, which beat its profile's (Check.Metadata).
type Metadata struct {
	Controls []string
	Owner    string
	Link     string
}

// Profile is a named, reusable set of expectations.
type Profile struct {
	Name         string
	Description  string
	Metadata     Metadata
	Expectations []*Expectation
	DeclRange    hcl.Range
}

// Host is one host block.
type Host struct {
	Name        string
	Targets     []Target
	Family      Family
	Profiles    []*Profile
	Tags        []string
	From        []string
	Description string
	Metadata    Metadata
	DeclRange   hcl.Range

	// Expectations are the host's own blocks; the profiles' blocks are in
	// Profiles. Use AllExpectations for both, in expansion order.
	Expectations []*Expectation
}

// Local reports whether the host is the machine portspec runs on
// (address = "local"): its checks read its sockets, and send nothing.
func (h *Host) Local() bool { return len(h.Targets) == 1 && h.Targets[0].Local }

// AllExpectations returns the host's profiles' blocks, in the order the
// profiles are listed, followed by its own blocks.
func (h *Host) AllExpectations() []*Expectation {
	var all []*Expectation
	for _, p := range h.Profiles {
		all = append(all, p.Expectations...)
	}
	return append(all, h.Expectations...)
}

// Target is one entry of a host's address or addresses: a single IP, a
// prefix that expands to its addresses, or a DNS name that the runner
// resolves.
type Target struct {
	Addr   netip.Addr   // valid for a single address
	Prefix netip.Prefix // valid for a CIDR
	Name   string       // set for a DNS name
	// Local is address = "local": the machine portspec runs on, whose
	// own sockets are read rather than probed.
	Local bool
	Range hcl.Range
}

func (t Target) String() string {
	switch {
	case t.Local:
		return verdict.LocalAddress
	case t.Name != "":
		return t.Name
	case t.Prefix.IsValid():
		return t.Prefix.String()
	}
	return t.Addr.String()
}

// Expectation is one tcp or udp block: the state that a set of ports must
// be in, with the options for probing them.
type Expectation struct {
	Protocol Protocol
	State    State
	Ports    []PortRange
	// Others says the block's ports are "others": every port no other
	// block of its host and protocol names, from the run's vantage point.
	// Ports is then empty; Selection works them out.
	Others bool

	Timeout    time.Duration // 0: adaptive
	Tries      int           // 0: the protocol's default
	Banner     *regexp.Regexp
	Payload    []byte // nil: the built-in probe for the port, or empty
	Community  string // SNMP community; "" means "public"
	SourcePort uint16
	// Process, on a local host's listening block, is the process that
	// must own the listening sockets.
	Process     string
	From        []string // the block's own; see Host.From for the host's
	Tags        []string // the block's own; see Host.Tags for the host's
	Description string
	Metadata    Metadata // the block's own; see Check.Metadata
	// Waiver, when set, accepts a failure of the block's checks until a
	// date, for a tracked reason.
	Waiver *Waiver

	// Profile names the profile the block came from, or is "".
	Profile   string
	DeclRange hcl.Range
	// PortsRange is where the ports attribute is, for pointing at a port.
	PortsRange hcl.Range
	// ProcessRange is where the process attribute is.
	ProcessRange hcl.Range
}

// Waiver is a tracked, expiring exception: a failing check of its block
// is waived, not failed, until the end of Until.
type Waiver struct {
	Reason string
	// Until is the last day the waiver holds, at midnight UTC.
	Until     time.Time
	DeclRange hcl.Range
}

// Expired reports whether the waiver no longer holds on day today.
func (w *Waiver) Expired(today time.Time) bool { return verdict.WaiverExpired(w.Until, today) }

// PortRange is an inclusive range of ports, a single port when Low == High.
type PortRange struct {
	Low, High uint16
	Range     hcl.Range
}

// Len is the number of ports in the range.
func (r PortRange) Len() int { return int(r.High) - int(r.Low) + 1 }

func (r PortRange) String() string {
	if r.Low == r.High {
		return fmt.Sprint(r.Low)
	}
	return fmt.Sprintf("%d-%d", r.Low, r.High)
}
