package spec

import (
	"fmt"
	"sort"
)

// effectiveFrom is the set of vantage points under which a block of host h
// runs; empty means every vantage, including none.
func effectiveFrom(h *Host, e *Expectation) []string {
	switch {
	case len(e.From) == 0:
		return h.From
	case len(h.From) == 0:
		return e.From
	}
	var both []string
	for _, f := range e.From {
		if intersects([]string{f}, h.From) {
			both = append(both, f)
		}
	}
	return both
}

// disjoint reports whether no vantage point runs both sets.
func disjoint(a, b []string) bool {
	return len(a) > 0 && len(b) > 0 && !intersects(a, b)
}

// checkConflicts reports every port of host h that two blocks expect in
// states no actual state could satisfy at once, from a common vantage
// point. Ranges are swept in port order, and only each block's range that
// reaches furthest stays active: ranges of one block never conflict with
// each other, so the cost follows the number of blocks that overlap, not
// the number of ports or ranges.
func (d *decoder) checkConflicts(h *Host) {
	type entry struct {
		exp   *Expectation
		ports PortRange
		order int
	}
	byProto := map[Protocol][]entry{}
	for i, e := range h.AllExpectations() {
		for _, r := range e.Ports {
			byProto[e.Protocol] = append(byProto[e.Protocol], entry{e, r, i})
		}
	}
	for _, proto := range []Protocol{TCP, UDP} {
		entries := byProto[proto]
		sort.SliceStable(entries, func(i, j int) bool {
			if entries[i].ports.Low != entries[j].ports.Low {
				return entries[i].ports.Low < entries[j].ports.Low
			}
			return entries[i].order < entries[j].order
		})
		// active holds, in the order the blocks became active, each
		// block's furthest-reaching range that may still overlap.
		var active []entry
		for _, cur := range entries {
			kept := active[:0]
			for _, prev := range active {
				if prev.ports.High >= cur.ports.Low {
					kept = append(kept, prev)
				}
			}
			active = kept
			same := -1
			for i, prev := range active {
				if prev.exp == cur.exp {
					same = i
					continue
				}
				if prev.exp.State.Compatible(cur.exp.State) ||
					disjoint(effectiveFrom(h, prev.exp), effectiveFrom(h, cur.exp)) {
					continue
				}
				first, later := prev, cur
				if later.order < first.order {
					first, later = later, first
				}
				port := max(first.ports.Low, later.ports.Low)
				d.conflict(h, proto, port, first.exp, later.exp, later.ports)
			}
			switch {
			case same < 0:
				active = append(active, cur)
			case cur.ports.High > active[same].ports.High:
				active[same] = cur
			}
		}
	}
}

func (d *decoder) conflict(h *Host, proto Protocol, port uint16, first, later *Expectation, at PortRange) {
	summary := fmt.Sprintf("Conflicting expectations for %s/%d", proto, port)
	key := fmt.Sprintf("%s@%s", summary, at.Range)
	if d.conflicts[key] {
		return
	}
	d.conflicts[key] = true
	d.errorf(at.Range, summary,
		"Host %q expects %s port %d to be %s here%s, but %s in another block%s; previous definition was at %s. Two blocks may expect different states for a port only when their from lists share no vantage point.",
		h.Name, proto, port, later.State, viaProfile(later), first.State, viaProfile(first), posString(first.DeclRange))
}

func viaProfile(e *Expectation) string {
	if e.Profile == "" {
		return ""
	}
	return fmt.Sprintf(" (profile %q)", e.Profile)
}
