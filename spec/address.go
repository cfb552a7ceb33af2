package spec

import (
	"fmt"
	"math/big"
	"net/netip"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/portspec/portspec/verdict"
)

// decodeTargets reads a host's address or addresses and enforces the cap on
// how many addresses one host block may expand to.
func (d *decoder) decodeTargets(h *Host, address, addresses *hcl.Attribute, b *hcl.Block, bodyOK bool) {
	var items []item
	switch {
	case address != nil && addresses != nil:
		d.errorf(addresses.NameRange, "Both address and addresses",
			"A host has address (one) or addresses (a list), not both; address is at %s.", posString(address.NameRange))
		return
	case address != nil:
		if s, ok := d.str(address); ok {
			items = []item{{value: cty.StringVal(s), rng: address.Expr.Range()}}
		}
	case addresses != nil:
		var ds hcl.Diagnostics
		var ok bool
		items, ok, ds = d.eval.items(addresses.Expr, false)
		d.add(ds)
		if len(items) == 0 && ok && !ds.HasErrors() {
			d.errorf(addresses.Expr.Range(), "Empty addresses", "Host %q lists no addresses.", h.Name)
		}
	case bodyOK:
		d.errorf(b.DefRange, "Host without an address",
			"Host %q needs address = \"...\" or addresses = [...]: an IPv4 or IPv6 address, a CIDR, or a DNS name.", h.Name)
		return
	}

	total := new(big.Int)
	limit := big.NewInt(int64(d.opts.MaxAddresses))
	for _, it := range items {
		s, ok := d.itemString(it, "address")
		if !ok {
			continue
		}
		if s == verdict.LocalAddress {
			switch {
			case addresses != nil:
				d.errorf(it.rng, "local in a list of addresses",
					"\"local\" is the machine portspec runs on, checked from its own sockets; it stands alone, as address = \"local\", in a host of its own.")
			default:
				h.Targets = append(h.Targets, Target{Local: true, Range: it.rng})
			}
			continue
		}
		t, err := ParseTarget(s)
		if err != nil {
			d.errorf(it.rng, "Invalid address", "%s.", err)
			continue
		}
		t.Range = it.rng
		if !t.familyOK(h.Family) {
			d.errorf(it.rng, "Address outside the host's family", "%s is not an %s address, and host %q has family = %q.", s, h.Family, h.Name, h.Family)
			continue
		}
		total.Add(total, t.size())
		if total.Cmp(limit) > 0 {
			d.errorf(it.rng, "Too many addresses",
				"Host %q expands to %s addresses with %s, over the cap of %d per host block. Split the range into several hosts, or raise the cap with --max-addresses.",
				h.Name, total, s, d.opts.MaxAddresses)
			return
		}
		if t.Name == "" {
			// A name counts once it resolves: see ResolvedChecks.
			d.addresses.Add(d.addresses, t.size())
			if d.addresses.Cmp(big.NewInt(int64(d.opts.MaxTotalAddresses))) > 0 {
				d.errorf(it.rng, "Too many addresses in the spec",
					"With %s, the spec's hosts expand to %s addresses, over the cap of %d for the whole spec. Check fewer at once (--tag, --shard), or raise the cap with --max-total-addresses.",
					s, d.addresses, d.opts.MaxTotalAddresses)
				return
			}
		}
		h.Targets = append(h.Targets, t)
	}
}

// ParseTarget parses an address, a CIDR or a DNS name.
func ParseTarget(s string) (Target, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return Target{Addr: a}, nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return Target{}, fmt.Errorf("%q is not a valid CIDR: %v", s, err)
		}
		if p.Masked() != p {
			return Target{}, fmt.Errorf("%q has host bits set; the network is %s", s, p.Masked())
		}
		return Target{Prefix: p}, nil
	}
	if !validDNSName(s) {
		return Target{}, fmt.Errorf("%q is not an IP address, a CIDR or a DNS name", s)
	}
	if err := numericName(s); err != nil {
		return Target{}, err
	}
	return Target{Name: strings.TrimSuffix(s, ".")}, nil
}

// numericName refuses a name whose last label is all digits, such as
// 10.0.0.300: no top-level domain is (RFC 3696, section 2), so it is a
// mistyped address, which a resolver would only fail to find at check
// time.
func numericName(s string) error {
	labels := strings.Split(strings.TrimSuffix(s, "."), ".")
	if strings.Trim(labels[len(labels)-1], "0123456789") != "" {
		return nil
	}
	if len(labels) == 4 && strings.Trim(strings.Join(labels, ""), "0123456789") == "" {
		return fmt.Errorf("%q is not an IPv4 address: each of its four numbers is 0 to 255, without leading zeros", s)
	}
	return fmt.Errorf("%q is not an IP address, and cannot be a DNS name: no top-level domain is all digits", s)
}

func validDNSName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

func (t Target) familyOK(f Family) bool {
	switch {
	case t.Name != "":
		return true // narrowed when the name is resolved
	case t.Prefix.IsValid():
		return f.Allows(t.Prefix.Addr())
	}
	return f.Allows(t.Addr)
}

// size is how many addresses the target expands to; a DNS name counts as one.
func (t Target) size() *big.Int {
	if !t.Prefix.IsValid() {
		return big.NewInt(1)
	}
	n := new(big.Int).Lsh(big.NewInt(1), uint(t.Prefix.Addr().BitLen()-t.Prefix.Bits()))
	if skipsEnds(t.Prefix) {
		n.Sub(n, big.NewInt(2))
	}
	return n
}

// skipsEnds reports whether a prefix's first and last addresses are its
// network and broadcast addresses, which no host answers as itself: IPv4
// prefixes of /30 and wider.
func skipsEnds(p netip.Prefix) bool {
	return p.Addr().Is4() && p.Bits() <= 30
}

// Addrs yields the addresses of an IP or CIDR target in ascending order; a
// DNS name yields nothing, since only the runner resolves names.
func (t Target) Addrs(yield func(netip.Addr) bool) {
	switch {
	case t.Name != "" || t.Local:
		return
	case !t.Prefix.IsValid():
		yield(t.Addr)
		return
	}
	a := t.Prefix.Addr()
	if skipsEnds(t.Prefix) {
		a = a.Next()
	}
	for ; a.IsValid() && t.Prefix.Contains(a); a = a.Next() {
		if skipsEnds(t.Prefix) && !t.Prefix.Contains(a.Next()) {
			return // the broadcast address
		}
		if !yield(a) {
			return
		}
	}
}
