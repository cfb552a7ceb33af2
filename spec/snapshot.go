package spec

import (
	"fmt"
	"maps"
	"net/netip"
	"sort"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/portspec/portspec/internal/escape"
)

// SnapshotHost is what a snapshot found on one host: the state of each
// port probed, by protocol.
type SnapshotHost struct {
	Name    string
	Address string // an address, or the DNS name its addresses all agreed under
	States  map[Protocol]map[uint16]State
	// Others, when it has a state for a protocol, folds the ports found
	// in that state into one "others" block: the snapshot must then have
	// probed every port of the protocol.
	Others map[Protocol]State
}

// MostCommon is the state most ports are in, for snapshot --others auto;
// a tie goes to the state nearest closed: filtered, then not_listening.
func MostCommon(states map[uint16]State) State {
	count := map[State]int{}
	for _, st := range states {
		count[st]++
	}
	best := State(0)
	for _, st := range []State{Filtered, NotListening, Listening} {
		if count[st] > count[best] {
			best = st
		}
	}
	return best
}

// folds reports whether a port found in state found belongs in an others
// block that expects state others.
func folds(found, others State) bool {
	return found == others || others == Blocked && found != Listening
}

// Snapshot writes hosts as a spec that expects exactly what was found,
// canonically formatted, after header as comments. Ports in the same
// state are coalesced into ranges, so a mostly closed host stays a few
// lines long. Every name is written as an HCL string, escaped, so any
// UTF-8 name loads back as itself; a header line is escaped
// (escape.Text), so a newline in it cannot end the comment and start a
// line of HCL.
func Snapshot(header []string, hosts []SnapshotHost) []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for i, h := range hosts {
		if i > 0 {
			body.AppendNewline()
		}
		block := body.AppendNewBlock("host", []string{h.Name})
		hb := block.Body()
		hb.SetAttributeValue("address", cty.StringVal(h.Address))
		for _, proto := range []Protocol{TCP, UDP} {
			others := h.Others[proto]
			byState := map[State][]uint16{}
			for port, state := range h.States[proto] {
				if others != 0 && folds(state, others) {
					continue
				}
				byState[state] = append(byState[state], port)
			}
			for _, state := range []State{Listening, NotListening, Filtered} {
				ports := byState[state]
				if len(ports) == 0 {
					continue
				}
				sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
				eb := hb.AppendNewBlock(proto.String(), []string{state.String()}).Body()
				eb.SetAttributeValue("ports", cty.TupleVal(coalesce(ports)))
			}
			if others != 0 && len(h.States[proto]) > 0 {
				eb := hb.AppendNewBlock(proto.String(), []string{others.String()}).Body()
				eb.SetAttributeValue("ports", cty.TupleVal([]cty.Value{cty.StringVal(othersPorts)}))
			}
		}
	}
	out := []byte{}
	for _, line := range header {
		out = append(out, "# "+escape.Text(line)+"\n"...)
	}
	if len(header) > 0 {
		out = append(out, '\n')
	}
	return append(out, hclwrite.Format(f.Bytes())...)
}

// coalesce writes sorted ports as numbers and "low-high" ranges.
func coalesce(ports []uint16) []cty.Value {
	var out []cty.Value
	for i := 0; i < len(ports); {
		j := i
		for j+1 < len(ports) && ports[j+1] == ports[j]+1 {
			j++
		}
		if j == i {
			out = append(out, cty.NumberIntVal(int64(ports[i])))
		} else {
			out = append(out, cty.StringVal(fmt.Sprintf("%d-%d", ports[i], ports[j])))
		}
		i = j + 1
	}
	return out
}

// SnapshotFindings are the states a snapshot found, address by address,
// as its probes answer.
type SnapshotFindings map[netip.Addr]map[Protocol]map[uint16]State

// Add records that port of proto on addr was found in state.
func (f SnapshotFindings) Add(addr netip.Addr, proto Protocol, port uint16, state State) {
	if f[addr] == nil {
		f[addr] = map[Protocol]map[uint16]State{}
	}
	if f[addr][proto] == nil {
		f[addr][proto] = map[uint16]State{}
	}
	f[addr][proto][port] = state
}

// Hosts are the host blocks of a snapshot of target, whose addresses
// were addrs: one block, called name, when all the addresses agree, and
// one block an address when they do not. With fold, the ports in state
// others (0: each protocol's most common) are folded into an "others"
// block.
func (f SnapshotFindings) Hosts(name, target string, addrs []netip.Addr, fold bool, others State) []SnapshotHost {
	agree := true
	for _, a := range addrs[1:] {
		agree = agree && maps.EqualFunc(f[a], f[addrs[0]], maps.Equal)
	}
	var hosts []SnapshotHost
	if agree {
		hosts = []SnapshotHost{{Name: name, Address: target, States: f[addrs[0]]}}
	} else {
		for _, a := range addrs {
			hosts = append(hosts, SnapshotHost{Name: name + " " + a.String(), Address: a.String(), States: f[a]})
		}
	}
	if !fold {
		return hosts
	}
	for i, h := range hosts {
		hosts[i].Others = map[Protocol]State{}
		for proto, states := range h.States {
			hosts[i].Others[proto] = others
			if others == 0 {
				hosts[i].Others[proto] = MostCommon(states)
			}
		}
	}
	return hosts
}
