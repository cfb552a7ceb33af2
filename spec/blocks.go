package spec

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/portspec/portspec/verdict"
)

var settingsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "timeout"}, {Name: "tcp_tries"}, {Name: "udp_tries"},
		{Name: "concurrency"}, {Name: "per_host"}, {Name: "rate"},
		{Name: "icmp_interval"},
	},
}

// MaxTries bounds a block's and the settings' tries, and --tries: a
// million tries of a dropped port is a run that never ends.
const MaxTries = 100

// MaxICMPInterval bounds icmp_interval: a target slower than one ICMP error
// a minute would take a day to confirm a thousand ports.
const MaxICMPInterval = time.Minute

// MaxTimeout bounds a try's timeout: no path takes a minute to answer, and
// a check's time must stay within what a report can hold and merge can
// read back (a day).
const MaxTimeout = time.Minute

func (d *decoder) decodeSettings(blocks hcl.Blocks, s *Settings) {
	for i, b := range blocks {
		if i > 0 {
			d.errorf(b.DefRange, "Duplicate settings block",
				"A spec has at most one settings block; previous definition was at %s.", posString(blocks[0].DefRange))
			continue
		}
		s.DeclRange = b.DefRange
		content, ds := b.Body.Content(settingsSchema)
		d.add(ds)
		attrs := content.Attributes
		s.Timeout = d.duration(attrs["timeout"], MaxTimeout, "a try's timeout")
		s.ICMPInterval = d.duration(attrs["icmp_interval"], MaxICMPInterval, "how often a target may send one ICMP error (Linux's icmp_ratelimit, 1s by default)")
		s.TCPTries = d.integer(attrs["tcp_tries"], 1, MaxTries)
		s.UDPTries = d.integer(attrs["udp_tries"], 1, MaxTries)
		s.Concurrency = d.integer(attrs["concurrency"], 1, 1<<20)
		s.PerHost = d.integer(attrs["per_host"], 1, 1<<20)
		if a := attrs["rate"]; a != nil {
			if v, ok := d.number(a); ok {
				if f, _ := v.Float64(); f > 0 {
					s.Rate = f
				} else {
					d.errorf(a.Expr.Range(), "Invalid rate", "The rate is in probes per second and must be above 0; got %s.", v.Text('g', -1))
				}
			}
		}
	}
}

func (d *decoder) number(a *hcl.Attribute) (*big.Float, bool) {
	v, ok, ds := d.eval.typed(a.Expr, cty.Number, "a number")
	d.add(ds)
	if !ok {
		return nil, false
	}
	return v.AsBigFloat(), true
}

// integer decodes an optional whole number in [lo, hi]; 0 means unset.
func (d *decoder) integer(a *hcl.Attribute, lo, hi int) int {
	if a == nil {
		return 0
	}
	f, ok := d.number(a)
	if !ok {
		return 0
	}
	n, acc := f.Int64()
	if acc != big.Exact || n < int64(lo) || n > int64(hi) {
		d.errorf(a.Expr.Range(), fmt.Sprintf("Invalid %s", a.Name),
			"%s must be a whole number from %d to %d; got %s.", a.Name, lo, hi, f.Text('g', -1))
		return 0
	}
	return int(n)
}

// duration decodes a, an optional positive duration such as "1s" or
// "250ms" of at most most; what says what it is, for the error.
func (d *decoder) duration(a *hcl.Attribute, most time.Duration, what string) time.Duration {
	if a == nil {
		return 0
	}
	s, ok := d.str(a)
	if !ok {
		return 0
	}
	dur, err := time.ParseDuration(s)
	if err != nil || dur <= 0 || dur > most {
		d.errorf(a.Expr.Range(), fmt.Sprintf("Invalid %s", a.Name),
			"%s is %s: a positive duration such as \"1s\" or \"250ms\", at most %s; got %q.", a.Name, what, most, s)
		return 0
	}
	return dur
}

func (d *decoder) str(a *hcl.Attribute) (string, bool) {
	v, ok, ds := d.eval.typed(a.Expr, cty.String, "a string")
	d.add(ds)
	if !ok {
		return "", false
	}
	return v.AsString(), true
}

// names decodes an optional list of names, such as tags or vantage points.
func (d *decoder) names(a *hcl.Attribute, what string) []string {
	if a == nil {
		return nil
	}
	items, _, ds := d.eval.items(a.Expr, false)
	d.add(ds)
	if !d.fewItems(a.Expr.Range(), items, what) {
		return nil
	}
	var out []string
	for _, it := range items {
		s, ok := d.itemString(it, what)
		if !ok || !d.short(it.rng, s, what, maxNameBytes) {
			continue
		}
		if !ValidName(s) {
			d.errorf(it.rng, fmt.Sprintf("Invalid %s", what),
				"A %s is made of letters, digits, '_', '-' and '.'; got %q.", what, s)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (d *decoder) itemString(it item, what string) (string, bool) {
	if it.value.IsNull() || it.value.Type() != cty.String && it.value.Type() != cty.Number {
		d.errorf(it.rng, "Wrong value type", "Each %s must be a string, but this is %s.", what, typeName(it.value.Type()))
		return "", false
	}
	if it.value.Type() == cty.Number {
		return it.value.AsBigFloat().Text('f', -1), true
	}
	return it.value.AsString(), true
}

// ValidName reports whether s can name a vantage point or a tag: letters,
// digits, '_', '-' and '.'.
func ValidName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.", r)) {
			return false
		}
	}
	return true
}

var expectationBlocks = []hcl.BlockHeaderSchema{
	{Type: "tcp", LabelNames: []string{"state"}},
	{Type: "udp", LabelNames: []string{"state"}},
}

// metadataAttributes are the compliance attributes every host, profile
// and expectation block may carry.
var metadataAttributes = []hcl.AttributeSchema{{Name: "control"}, {Name: "owner"}, {Name: "link"}}

var profileSchema = &hcl.BodySchema{
	Attributes: append([]hcl.AttributeSchema{{Name: "description"}}, metadataAttributes...),
	Blocks:     expectationBlocks,
}

// metadata decodes a block's control, owner and link.
func (d *decoder) metadata(attrs hcl.Attributes) Metadata {
	var m Metadata
	if a := attrs["control"]; a != nil {
		items, _, ds := d.eval.items(a.Expr, true)
		d.add(ds)
		if !d.fewItems(a.Expr.Range(), items, "control") {
			items = nil
		}
		for _, it := range items {
			s, ok := d.itemString(it, "control")
			switch {
			case !ok || !d.short(it.rng, s, "control", maxTextBytes):
			case strings.TrimSpace(s) == "":
				d.errorf(it.rng, "Empty control", "A control names a requirement, such as \"PCI-DSS 1.2.1\".")
			default:
				m.Controls = append(m.Controls, strings.TrimSpace(s))
			}
		}
	}
	if a := attrs["owner"]; a != nil {
		m.Owner, _ = d.text(a, "owner", maxTextBytes)
	}
	if a := attrs["link"]; a != nil {
		if s, ok := d.text(a, "link", maxTextBytes); ok {
			if u, err := url.Parse(s); err != nil || u.Scheme == "" || u.Host == "" {
				d.errorf(a.Expr.Range(), "Invalid link", "A link is an absolute URL, such as \"https://wiki.example.com/policy/db\"; got %q.", s)
			} else {
				m.Link = s
			}
		}
	}
	return m
}

func (d *decoder) decodeProfile(b *hcl.Block) *Profile { return d.decodeProfileAs(b, false) }

// decodeProfileAs decodes a profile block; builtin says it ships with
// portspec, and may have the slash a spec's own profile may not.
func (d *decoder) decodeProfileAs(b *hcl.Block, builtin bool) *Profile {
	name := b.Labels[0]
	d.short(b.LabelRanges[0], name, "profile name", maxNameBytes)
	if !builtin && strings.Contains(name, "/") {
		d.errorf(b.LabelRanges[0], "Invalid profile name",
			"A profile's name may not contain a slash: names such as %q belong to the profiles that ship with portspec (`portspec profiles` lists them).", builtinPrefix+"web_server")
		return nil
	}
	if prev, ok := d.profiles[name]; ok {
		d.duplicate("profile", name, prev.DeclRange, b.DefRange)
		return nil
	}
	p := &Profile{Name: name, DeclRange: b.DefRange}
	d.profiles[name] = p
	content, ds := b.Body.Content(profileSchema)
	d.add(ds)
	if a := content.Attributes["description"]; a != nil {
		p.Description, _ = d.text(a, "description", maxProseBytes)
	}
	p.Metadata = d.metadata(content.Attributes)
	for _, eb := range content.Blocks {
		if e := d.decodeExpectation(eb); e != nil {
			e.Profile = name
			p.Expectations = append(p.Expectations, e)
		}
	}
	return p
}

var hostSchema = &hcl.BodySchema{
	Attributes: append([]hcl.AttributeSchema{
		{Name: "address"}, {Name: "addresses"}, {Name: "family"},
		{Name: "profiles"}, {Name: "tags"}, {Name: "from"}, {Name: "description"},
	}, metadataAttributes...),
	Blocks: expectationBlocks,
}

// checkRepeated warns of a block of host h that checks exactly what an
// earlier one does: the same protocol, state, ports, from, tags and probe.
// Both run, and the run counts each check twice, which no one means.
func (d *decoder) checkRepeated(h *Host) {
	seen := map[string]*Expectation{}
	for _, e := range h.Expectations {
		banner := ""
		if e.Banner != nil {
			banner = e.Banner.String()
		}
		var ports []string
		for _, r := range e.Ports {
			ports = append(ports, r.String())
		}
		key := fmt.Sprintf("%v|%v|%q|%v|%q|%q|%v|%d|%q|%q|%q|%d|%q", e.Protocol, e.State, ports, e.Others, e.From, e.Tags,
			e.Timeout, e.Tries, banner, e.Payload, e.Community, e.SourcePort, e.Process)
		if prev, ok := seen[key]; ok {
			d.warnf(e.DeclRange, "Repeated block",
				"This block checks exactly what another block of host %q does; previous definition was at %s. Both run, and each of their checks is counted twice.",
				h.Name, posString(prev.DeclRange))
			continue
		}
		seen[key] = e
	}
}

func (d *decoder) decodeHost(b *hcl.Block) *Host {
	h := &Host{Name: b.Labels[0], DeclRange: b.DefRange}
	if strings.TrimSpace(h.Name) == "" {
		d.errorf(b.LabelRanges[0], "Empty host name", "A host block needs a name, as in host \"mx\" { ... }.")
	}
	d.short(b.LabelRanges[0], h.Name, "host name", maxNameBytes)
	content, ds := b.Body.Content(hostSchema)
	d.add(ds)
	attrs := content.Attributes
	// An unsupported argument may well be a misspelt address; saying the
	// host has none as well would bury the real cause.
	bodyOK := !ds.HasErrors()

	if a := attrs["family"]; a != nil {
		if s, ok := d.str(a); ok {
			switch s {
			case "ipv4":
				h.Family = IPv4
			case "ipv6":
				h.Family = IPv6
			case "any":
				h.Family = AnyFamily
			default:
				d.errorf(a.Expr.Range(), "Invalid family", "family is \"ipv4\", \"ipv6\" or \"any\"; got %q.%s", s, didYouMean(s, []string{"ipv4", "ipv6", "any"}))
			}
		}
	}
	h.Tags = d.names(attrs["tags"], "tag")
	h.From = d.names(attrs["from"], "vantage point")
	if a := attrs["description"]; a != nil {
		h.Description, _ = d.text(a, "description", maxProseBytes)
	}
	h.Metadata = d.metadata(attrs)
	d.decodeTargets(h, attrs["address"], attrs["addresses"], b, bodyOK)
	if a := attrs["family"]; a != nil && h.Local() && h.Family != AnyFamily {
		d.errorf(a.Expr.Range(), "family on a local host",
			"Host %q has address = \"local\", which checks sockets of both families; remove family = %q.", h.Name, h.Family)
	}

	if a := attrs["profiles"]; a != nil {
		items, _, ds := d.eval.items(a.Expr, false)
		d.add(ds)
		for _, it := range items {
			name, ok := d.itemString(it, "profile name")
			if !ok {
				continue
			}
			if strings.HasPrefix(name, builtinPrefix) {
				if p := d.builtin(name, it.rng); p != nil {
					h.Profiles = append(h.Profiles, p)
				}
				continue
			}
			p, found := d.profiles[name]
			if !found {
				d.errorf(it.rng, fmt.Sprintf("Undefined profile %q", name),
					"There is no profile named %q.%s", name, didYouMean(name, profileNames(d.profiles)))
				continue
			}
			h.Profiles = append(h.Profiles, p)
		}
	}
	for _, eb := range content.Blocks {
		if e := d.decodeExpectation(eb); e != nil {
			h.Expectations = append(h.Expectations, e)
		}
	}
	d.checkOthers(h)
	d.checkLocal(h)
	d.checkRepeated(h)
	for _, e := range h.AllExpectations() {
		if len(h.From) > 0 && len(e.From) > 0 && !intersects(h.From, e.From) {
			d.errorf(e.DeclRange, "Block can never run",
				"The block's from (%s) shares no vantage point with host %q's from (%s), so no --from selects it.",
				strings.Join(e.From, ", "), h.Name, strings.Join(h.From, ", "))
		}
	}
	if len(h.AllExpectations()) == 0 && !d.diags.HasErrors() {
		d.warnf(h.DeclRange, "Host has no expectations", "Host %q has no tcp or udp blocks and no profiles, so nothing is checked on it.", h.Name)
	}
	return h
}

// checkLocal holds a host's blocks to what its sockets can tell: a local
// host's are read, not probed, so nothing there is FILTERED and no banner
// is read; a remote host's owners cannot be seen.
func (d *decoder) checkLocal(h *Host) {
	for _, e := range h.AllExpectations() {
		from := ""
		if e.Profile != "" {
			from = fmt.Sprintf(" (from profile %q, used by host %q)", e.Profile, h.Name)
		}
		switch {
		case h.Local() && e.State == Filtered:
			d.errorf(e.DeclRange, "filtered on a local host",
				"Host %q is address = \"local\": its sockets are read, not probed, and a port there listens or does not; nothing is FILTERED. Expect not_listening or blocked%s.", h.Name, from)
		case h.Local() && e.Banner != nil:
			d.errorf(e.DeclRange, "banner on a local host",
				"Host %q is address = \"local\": its sockets are read, not connected to, so no banner is read%s. Check it from a host block with the machine's address.", h.Name, from)
		case !h.Local() && e.Process != "" && len(h.Targets) > 0:
			d.errorf(e.ProcessRange, "process on a remote host",
				"Only a local host (address = \"local\") can see which process owns a socket; host %q is probed over the network%s.", h.Name, from)
		}
	}
}

// checkOthers allows one others block per host, protocol and vantage
// point: two would each claim the ports the other leaves.
func (d *decoder) checkOthers(h *Host) {
	var seen []*Expectation
	for _, e := range h.AllExpectations() {
		if !e.Others {
			continue
		}
		for _, prev := range seen {
			if prev.Protocol != e.Protocol || disjoint(effectiveFrom(h, prev), effectiveFrom(h, e)) {
				continue
			}
			summary := fmt.Sprintf("Two %s blocks of \"others\"", e.Protocol)
			if key := summary + "@" + e.PortsRange.String(); !d.conflicts[key] {
				d.conflicts[key] = true
				d.errorf(e.PortsRange, summary,
					"Host %q has two %s blocks of \"others\" that apply from one vantage point%s; previous definition was at %s. Give them from lists that share no vantage point, or keep one.",
					h.Name, e.Protocol, viaProfile(e), posString(prev.PortsRange))
			}
		}
		seen = append(seen, e)
	}
}

func profileNames(m map[string]*Profile) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	return out
}

func intersects(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

var expectationSchema = &hcl.BodySchema{
	Attributes: append([]hcl.AttributeSchema{
		{Name: "ports", Required: true},
		{Name: "timeout"}, {Name: "tries"}, {Name: "banner"}, {Name: "payload"},
		{Name: "community"}, {Name: "source_port"}, {Name: "from"}, {Name: "tags"},
		{Name: "description"}, {Name: "process"},
	}, metadataAttributes...),
	Blocks: []hcl.BlockHeaderSchema{{Type: "waiver"}},
}

var waiverSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "reason", Required: true}, {Name: "until", Required: true}},
}

// waiver decodes a block's waiver: a reason and the last day it holds,
// both required, since an exception with no end is a changed policy.
func (d *decoder) waiver(blocks hcl.Blocks) *Waiver {
	var w *Waiver
	for _, b := range blocks {
		if w != nil {
			d.errorf(b.DefRange, "Duplicate waiver", "A block has at most one waiver; previous definition was at %s.", posString(w.DeclRange))
			continue
		}
		w = &Waiver{DeclRange: b.DefRange}
		content, ds := b.Body.Content(waiverSchema)
		d.add(ds)
		if a := content.Attributes["reason"]; a != nil {
			if s, ok := d.text(a, "waiver reason", maxProseBytes); ok && strings.TrimSpace(s) == "" {
				d.errorf(a.Expr.Range(), "Empty waiver reason", "A waiver says why the exception is accepted, such as the ticket that tracks its end.")
			} else {
				w.Reason = strings.TrimSpace(s)
			}
		}
		if a := content.Attributes["until"]; a != nil {
			if s, ok := d.str(a); ok {
				until, err := time.Parse(time.DateOnly, s)
				if err != nil {
					d.errorf(a.Expr.Range(), "Invalid waiver date", "until is the last day the waiver holds, as YYYY-MM-DD, such as \"2027-01-31\"; got %q.", s)
				}
				w.Until = until
			}
		}
	}
	return w
}

var stateLabels = []string{"listening", "not_listening", "filtered", "blocked"}

func (d *decoder) decodeExpectation(b *hcl.Block) *Expectation {
	e := &Expectation{DeclRange: b.DefRange}
	if b.Type == "tcp" {
		e.Protocol = TCP
	} else {
		e.Protocol = UDP
	}
	state, ok := verdict.ParseState(b.Labels[0])
	if !ok {
		d.errorf(b.LabelRanges[0], fmt.Sprintf("Unknown state %q", b.Labels[0]),
			"The label of a %s block is the expected state: listening, not_listening, filtered or blocked.%s",
			b.Type, didYouMean(b.Labels[0], stateLabels))
	}
	e.State = state
	content, ds := b.Body.Content(expectationSchema)
	d.add(ds)
	attrs := content.Attributes

	if a := attrs["ports"]; a != nil {
		e.PortsRange = a.Expr.Range()
		e.Ports, e.Others = d.ports(a)
	}
	e.Timeout = d.duration(attrs["timeout"], MaxTimeout, "a try's timeout")
	e.Tries = d.integer(attrs["tries"], 1, MaxTries)
	e.From = d.names(attrs["from"], "vantage point")
	e.Tags = d.names(attrs["tags"], "tag")
	if a := attrs["description"]; a != nil {
		e.Description, _ = d.text(a, "description", maxProseBytes)
	}
	e.Metadata = d.metadata(attrs)
	e.Waiver = d.waiver(content.Blocks)
	if a := attrs["source_port"]; a != nil {
		e.SourcePort = uint16(d.integer(a, 1, 65535))
	}
	d.onlyFor(attrs["banner"], e.Protocol, TCP, "what a TCP server sends first")
	d.onlyFor(attrs["payload"], e.Protocol, UDP, "the datagram sent to a UDP port")
	d.onlyFor(attrs["community"], e.Protocol, UDP, "the SNMP community of a UDP probe")
	if a := attrs["banner"]; a != nil && e.Protocol == TCP {
		if s, ok := d.str(a); ok {
			err := checkPattern(s)
			if err == nil {
				e.Banner, err = regexp.Compile(s)
			}
			if err != nil {
				d.errorf(a.Expr.Range(), "Invalid banner pattern", "The banner is a regular expression (Go RE2 syntax): %s.", err)
			}
		}
	}
	if a := attrs["payload"]; a != nil && e.Protocol == UDP {
		e.Payload = d.payload(a)
	}
	if a := attrs["community"]; a != nil && e.Protocol == UDP {
		e.Community, _ = d.text(a, "community", maxTextBytes)
	}
	if a := attrs["process"]; a != nil {
		e.ProcessRange = a.Expr.Range()
		if s, isStr := d.text(a, "process", maxTextBytes); isStr && strings.TrimSpace(s) == "" {
			d.errorf(a.Expr.Range(), "Empty process", "process names the program that must own the listening sockets, such as \"sshd\".")
		} else if isStr && ok && state != Listening {
			d.errorf(a.NameRange, "process on a block that expects no listener",
				"process names the owner of a listening socket; a %s %q block expects none to listen.", b.Type, state)
		} else {
			e.Process = strings.TrimSpace(s)
		}
	}
	if !ok {
		return nil
	}
	return e
}

// onlyFor reports an attribute that makes sense for one protocol only.
func (d *decoder) onlyFor(a *hcl.Attribute, got, want Protocol, meaning string) {
	if a != nil && got != want {
		d.errorf(a.NameRange, fmt.Sprintf("%s is for %s blocks", a.Name, want),
			"%s is %s, so it belongs in a %s block, not a %s block.", a.Name, meaning, want, got)
	}
}

// payload decodes "0x..." as hex and any other string as its bytes, at
// most what one datagram carries.
func (d *decoder) payload(a *hcl.Attribute) []byte {
	s, ok := d.str(a)
	if !ok {
		return nil
	}
	var b []byte
	if h, isHex := strings.CutPrefix(s, "0x"); isHex {
		var err error
		if b, err = hex.DecodeString(h); err != nil {
			d.errorf(a.Expr.Range(), "Invalid hex payload",
				"A payload starting with 0x is hex bytes: %s. To send the text itself, drop the 0x.", err)
			return nil
		}
	} else {
		b = []byte(s)
	}
	if len(b) > maxPayload {
		d.errorf(a.Expr.Range(), "Payload too long",
			"A payload is one UDP datagram, at most %d bytes over IPv4, and this one is %d.", maxPayload, len(b))
		return nil
	}
	return b
}
