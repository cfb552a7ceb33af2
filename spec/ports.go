package spec

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/portspec/portspec/internal/services"
)

// othersPorts is the ports item that means every port no other block
// names.
const othersPorts = "others"

// ports decodes a ports attribute: a number, a "low-high" range, a service
// name, or a list of any of these; or "others", alone, which others
// reports.
func (d *decoder) ports(a *hcl.Attribute) (ports []PortRange, others bool) {
	items, ok, ds := d.eval.items(a.Expr, true)
	d.add(ds)
	for _, it := range items {
		if isOthers(it) {
			others = true
		}
	}
	if others {
		if len(items) > 1 {
			for _, it := range items {
				if !isOthers(it) {
					d.errorf(it.rng, "\"others\" stands alone",
						"\"others\" means every port no other block names, so it cannot share a list with other ports: give those a block of their own.")
				}
			}
		}
		return nil, true
	}
	var out []PortRange
	for _, it := range items {
		r, diag := parsePortItem(it)
		if diag != nil {
			d.add(hcl.Diagnostics{diag})
			continue
		}
		out = append(out, r)
	}
	if ok && len(items) == 0 {
		d.errorf(a.Expr.Range(), "No ports", "ports must name at least one port.")
	}
	return out, false
}

func isOthers(it item) bool {
	return !it.value.IsNull() && it.value.Type() == cty.String && strings.TrimSpace(it.value.AsString()) == othersPorts
}

var numericRange = regexp.MustCompile(`^(\d+)\s*-\s*(\d+)$`)

// ParsePort parses one port item as text: "25", "135-139" or "smtp".
func ParsePort(s string) (PortRange, error) {
	r, diag := parsePortItem(item{value: cty.StringVal(s)})
	if diag != nil {
		return PortRange{}, fmt.Errorf("%s", strings.TrimSuffix(diag.Detail, "."))
	}
	return r, nil
}

func parsePortItem(it item) (PortRange, *hcl.Diagnostic) {
	bad := func(summary, format string, args ...any) (PortRange, *hcl.Diagnostic) {
		return PortRange{}, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  summary,
			Detail:   fmt.Sprintf(format, args...),
			Subject:  it.rng.Ptr(),
		}
	}
	v := it.value
	switch {
	case v.IsNull():
		return bad("Invalid port", "A port cannot be null.")
	case v.Type() == cty.Number:
		n, acc := v.AsBigFloat().Int64()
		if acc != big.Exact {
			return bad("Invalid port", "A port is a whole number; got %s.", v.AsBigFloat().Text('g', -1))
		}
		return portNumber(n, it.rng, bad)
	case v.Type() == cty.String:
		s := strings.TrimSpace(v.AsString())
		if m := numericRange.FindStringSubmatch(s); m != nil {
			lo, _ := strconv.ParseInt(m[1], 10, 64)
			hi, _ := strconv.ParseInt(m[2], 10, 64)
			low, diag := portNumber(lo, it.rng, bad)
			if diag != nil {
				return low, diag
			}
			high, diag := portNumber(hi, it.rng, bad)
			if diag != nil {
				return high, diag
			}
			if low.Low > high.Low {
				return bad("Reversed port range", "The range %q runs backwards; did you mean \"%d-%d\"?", s, high.Low, low.Low)
			}
			return PortRange{Low: low.Low, High: high.Low, Range: it.rng}, nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return portNumber(n, it.rng, bad)
		}
		if p, ok := services.Lookup(strings.ToLower(s)); ok {
			return PortRange{Low: p, High: p, Range: it.rng}, nil
		}
		return bad("Unknown service name", "%q is not a port number, a \"low-high\" range, or a service name portspec knows.%s", s, didYouMean(s, services.Names()))
	}
	return bad("Wrong value type", "A port is a number, a \"low-high\" range string or a service name, but this is %s.", typeName(v.Type()))
}

func portNumber(n int64, rng hcl.Range, bad func(string, string, ...any) (PortRange, *hcl.Diagnostic)) (PortRange, *hcl.Diagnostic) {
	if n < 1 || n > 65535 {
		return bad("Port out of range", "Ports run from 1 to 65535; got %d.", n)
	}
	return PortRange{Low: uint16(n), High: uint16(n), Range: rng}, nil
}
