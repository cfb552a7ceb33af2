package spec

import (
	"cmp"
	"fmt"
	"iter"
	"maps"
	"net/netip"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/verdict"
)

// Selection chooses which blocks a run performs.
type Selection struct {
	// From is the vantage point (--from). Blocks with no from always run;
	// blocks with a from run only when it holds From.
	From string
	// Tags (--tag), when any, keep only the blocks tagged with one of them,
	// counting the host's tags as the block's.
	Tags []string
	// Controls (--control), when any, keep only the blocks that answer to
	// one of them (Check.Metadata's controls).
	Controls []string
	// Shard (--shard k/n), when set, keeps one of n disjoint parts.
	Shard Shard
}

// Selects reports whether the selection runs block e of host h.
func (sel Selection) Selects(h *Host, e *Expectation) bool {
	if !sel.appliesFrom(h, e) {
		return false
	}
	if len(sel.Controls) > 0 && !intersects(sel.Controls, Check{Host: h, Expect: e}.Metadata().Controls) {
		return false
	}
	if len(sel.Tags) == 0 {
		return true
	}
	return intersects(sel.Tags, h.Tags) || intersects(sel.Tags, e.Tags)
}

// appliesFrom reports whether block e of host h applies from the
// selection's vantage point: blocks with no from apply from every one.
func (sel Selection) appliesFrom(h *Host, e *Expectation) bool {
	from := effectiveFrom(h, e)
	return len(from) == 0 || sel.From != "" && intersects(from, []string{sel.From})
}

// Check is one probe to make and its expected outcome: a (host, address,
// protocol, port, expected state) tuple with the block that asked for it.
type Check struct {
	Host *Host
	// Addr is the address to probe. It is the zero Addr when the address
	// is behind a DNS name that was not resolved, or failed to resolve.
	Addr netip.Addr
	// Name is the DNS name the address came from, or "".
	Name string
	// ResolveErr says why Name gave no address to probe.
	ResolveErr error
	// Local says the check reads this machine's sockets (address =
	// "local"); Addr is then the zero Addr.
	Local    bool
	Protocol Protocol
	Port     uint16
	Expect   *Expectation
	// Order places the check in the whole run, so that the results of
	// shards can be put back in the order one run would have given them.
	Order Order
}

// Order is a check's place in a run: its unit (one address of a host, or
// one DNS name, in spec order), the address's rank among a name's
// addresses, and the check's rank among the unit's checks for an address.
// It does not depend on sharding.
type Order struct {
	Unit, Address, Seq int
}

// Less orders checks as one run yields them.
func (o Order) Less(p Order) bool {
	if o.Unit != p.Unit {
		return o.Unit < p.Unit
	}
	if o.Address != p.Address {
		return o.Address < p.Address
	}
	return o.Seq < p.Seq
}

// Target is what the check probes, as the user wrote it: the DNS name, or
// the address.
func (c Check) Target() string {
	if c.Local {
		return verdict.LocalAddress
	}
	if c.Name != "" {
		return c.Name
	}
	return c.Addr.String()
}

// Resolver looks up the addresses of a DNS name, narrowed to a family.
type Resolver func(name string, family Family) ([]netip.Addr, error)

// State is the expected state.
func (c Check) State() State { return c.Expect.State }

// profile is the profile the check's block came from, or nil.
func (c Check) profile() *Profile {
	if c.Expect.Profile == "" || c.Host == nil {
		return nil
	}
	for _, p := range c.Host.Profiles {
		if p.Name == c.Expect.Profile {
			return p
		}
	}
	return nil
}

// ProfileDescription is the description of the profile the check's block
// came from, if any.
func (c Check) ProfileDescription() string {
	if p := c.profile(); p != nil {
		return p.Description
	}
	return ""
}

// Tags are the check's host's tags and its block's, each once.
// It is called for every check: when only one of the two has tags, it
// returns that one's slice, not a copy.
func (c Check) Tags() []string {
	var host []string
	if c.Host != nil {
		host = c.Host.Tags
	}
	switch {
	case len(c.Expect.Tags) == 0:
		return host
	case len(host) == 0:
		return c.Expect.Tags
	}
	tags := slices.Clone(host)
	for _, t := range c.Expect.Tags {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// Metadata is the check's controls, owner and link, each the block's
// own, else its host's, else its profile's.
func (c Check) Metadata() Metadata {
	var host, profile Metadata
	if c.Host != nil {
		host = c.Host.Metadata
	}
	if p := c.profile(); p != nil {
		profile = p.Metadata
	}
	return effectiveMetadata(c.Expect.Metadata, host, profile)
}

func effectiveMetadata(layers ...Metadata) Metadata {
	var m Metadata
	for _, l := range layers {
		if m.Controls == nil {
			m.Controls = l.Controls
		}
		m.Owner = cmp.Or(m.Owner, l.Owner)
		m.Link = cmp.Or(m.Link, l.Link)
	}
	return m
}

// HostDescription is the description of the check's host block, if any.
func (c Check) HostDescription() string {
	if c.Host == nil {
		return ""
	}
	return c.Host.Description
}

// Range is the source range of the block that asked for the check.
func (c Check) Range() hcl.Range { return c.Expect.DeclRange }

// Checks yields the checks of the selected blocks in a fixed order: hosts
// in spec order; for each, its addresses in the order written, a CIDR in
// ascending order; for each address, the blocks of its profiles then its own
// blocks; for each block, its ports in the order written. It holds one check
// at a time, so a million checks cost no more memory than one.
func (s *Spec) Checks(sel Selection) iter.Seq[Check] {
	return s.ResolvedChecks(sel, nil)
}

// ResolvedChecks is Checks with each DNS name resolved, when it is first
// reached, into the addresses it has: the blocks then expand for each
// address in turn, as for a host with those addresses written out. A name
// that fails to resolve, or has no address in the host's family, yields its
// checks once with ResolveErr set. With a nil resolve, names stay
// unresolved.
func (s *Spec) ResolvedChecks(sel Selection, resolve Resolver) iter.Seq[Check] {
	return func(yield func(Check) bool) {
		var plan *shardPlan
		if sel.Shard.N > 1 {
			plan = s.planShards(sel)
		}
		// What the cap over the whole spec leaves for names, which count
		// once they resolve; -1 is no cap (a Spec not from Load).
		left := -1
		if s.maxTotal > 0 {
			left = s.maxTotal - s.addresses
		}
		for u := range s.units(sel) {
			if plan != nil && !plan.touches(u.index, sel.Shard.K) {
				continue
			}
			c := Check{Host: u.host, Order: Order{Unit: u.index}}
			var ok bool
			if u.local {
				c.Local = true
				ok = yieldBlocks(yield, c, u.blocks, plan, sel.Shard.K)
			} else if u.name != "" {
				ok = yieldName(yield, c, u.name, u.blocks, resolve, plan, sel.Shard.K, &left, s.maxTotal)
			} else {
				c.Addr = u.addr
				ok = yieldBlocks(yield, c, u.blocks, plan, sel.Shard.K)
			}
			if !ok {
				return
			}
		}
	}
}

// unit is one address of a host, or one DNS name, with the blocks the
// selection runs for it: the checks that the runner's per-host cap and
// ICMP-budget model see as one target, and that sharding keeps together
// where it can.
type unit struct {
	index  int
	host   *Host
	addr   netip.Addr
	name   string
	local  bool
	blocks []selectedBlock
	size   int // checks per address
}

// selectedBlock is a block the selection runs, with the ports it expands
// to: its own, or for others, what the host's other blocks leave.
type selectedBlock struct {
	e     *Expectation
	ports []PortRange
}

func (s *Spec) units(sel Selection) iter.Seq[unit] {
	return func(yield func(unit) bool) {
		index := 0
		for _, h := range s.Hosts {
			selected, size := sel.blocks(h)
			if len(selected) == 0 {
				continue
			}
			for _, t := range h.Targets {
				if t.Name != "" || t.Local {
					if !yield(unit{index, h, netip.Addr{}, t.Name, t.Local, selected, size}) {
						return
					}
					index++
					continue
				}
				for a := range t.Addrs {
					if !yield(unit{index, h, a, "", false, selected, size}) {
						return
					}
					index++
				}
			}
		}
	}
}

// blocks are the blocks of host h the selection runs, with the ports each
// expands to, and how many checks they make for one address.
func (sel Selection) blocks(h *Host) (selected []selectedBlock, size int) {
	for _, e := range h.AllExpectations() {
		if !sel.Selects(h, e) {
			continue
		}
		b := selectedBlock{e, e.Ports}
		if e.Others {
			b.ports = sel.others(h, e)
		}
		selected = append(selected, b)
		for _, r := range b.ports {
			size += r.Len()
		}
	}
	return selected, size
}

func yieldName(yield func(Check) bool, c Check, name string, blocks []selectedBlock, resolve Resolver, plan *shardPlan, shard int, left *int, maxTotal int) bool {
	c.Name = name
	if resolve == nil {
		return yieldBlocks(yield, c, blocks, plan, shard)
	}
	addrs, err := resolve(name, c.Host.Family)
	switch {
	case err == nil && len(addrs) == 0:
		err = fmt.Errorf("%s has no %s address", name, c.Host.Family)
	case err == nil && *left >= 0 && len(addrs) > *left:
		err = fmt.Errorf("%s resolves to %d addresses, which would take the spec over its cap of %d addresses (--max-total-addresses raises it)", name, len(addrs), maxTotal)
	case err == nil && *left >= 0:
		*left -= len(addrs)
	}
	if err != nil {
		c.ResolveErr = err
		return yieldBlocks(yield, c, blocks, plan, shard)
	}
	for i, a := range addrs {
		c.Addr, c.Order.Address = a, i
		if !yieldBlocks(yield, c, blocks, plan, shard) {
			return false
		}
	}
	return true
}

func yieldBlocks(yield func(Check) bool, c Check, blocks []selectedBlock, plan *shardPlan, shard int) bool {
	seq := 0
	for _, b := range blocks {
		c.Expect, c.Protocol = b.e, b.e.Protocol
		for _, r := range b.ports {
			for p := int(r.Low); p <= int(r.High); p++ {
				c.Port, c.Order.Seq = uint16(p), seq
				seq++
				if plan != nil && plan.shardOf(c.Order.Unit, c.Order.Seq) != shard {
					continue
				}
				if !yield(c) {
					return false
				}
			}
		}
	}
	return true
}

// others is what an others block of host h expands to from the
// selection's vantage point: every port from 1 to 65535 that no other block
// of the host and protocol names, counting the blocks that apply from that
// vantage, whatever the tags select.
func (sel Selection) others(h *Host, e *Expectation) []PortRange {
	var named []PortRange
	for _, o := range h.AllExpectations() {
		if o.Protocol == e.Protocol && !o.Others && sel.appliesFrom(h, o) {
			named = append(named, o.Ports...)
		}
	}
	return complement(named, e.PortsRange)
}

// complement returns the ports from 1 to 65535 outside every range, as
// ranges placed at rng.
func complement(ranges []PortRange, rng hcl.Range) []PortRange {
	sorted := slices.Clone(ranges)
	slices.SortFunc(sorted, func(a, b PortRange) int { return int(a.Low) - int(b.Low) })
	var out []PortRange
	next := 1 // the lowest port not yet covered
	for _, r := range sorted {
		if int(r.Low) > next {
			out = append(out, PortRange{Low: uint16(next), High: r.Low - 1, Range: rng})
		}
		next = max(next, int(r.High)+1)
	}
	if next <= 65535 {
		out = append(out, PortRange{Low: uint16(next), High: 65535, Range: rng})
	}
	return out
}

// Count returns how many hosts have at least one selected check, and how
// many checks there are, without resolving names: a DNS name counts as one
// address. It multiplies a host's addresses by its checks for one address
// rather than visiting each check: a /16 of every TCP and UDP port is 8.6
// billion checks, which took 90 s to visit. A shard is counted from its
// plan, one unit (an address) at a time.
func (s *Spec) Count(sel Selection) (hosts, checks int) {
	if sel.Shard.N > 1 {
		return s.countShard(sel)
	}
	for _, h := range s.Hosts {
		_, size := sel.blocks(h)
		addresses := 0
		for _, t := range h.Targets {
			addresses += int(t.size().Int64())
		}
		if size > 0 && addresses > 0 {
			hosts++
			checks += size * addresses
		}
	}
	return hosts, checks
}

func (s *Spec) countShard(sel Selection) (hosts, checks int) {
	plan := s.planShards(sel)
	var last *Host
	for u := range s.units(sel) {
		n := plan.checksOf(u.index, u.size, sel.Shard.K)
		if n == 0 {
			continue
		}
		checks += n
		if u.host != last {
			hosts++
			last = u.host
		}
	}
	return hosts, checks
}

// Vantages are the vantage points the spec's blocks name in their from
// lists (a host's, a block's, a profile's), sorted; none when every block
// runs from everywhere.
func (s *Spec) Vantages() []string {
	seen := map[string]bool{}
	for _, h := range s.Hosts {
		for _, e := range h.AllExpectations() {
			for _, f := range effectiveFrom(h, e) {
				seen[f] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
