package completion

import (
	"slices"

	"github.com/portspec/portspec/spec"
)

// NamesOf are the vantage points, tags and controls that select blocks
// of s, each sorted: those --from, --tag and --control would match, a
// block's own with its host's and profile's as the selection counts them.
func NamesOf(s *spec.Spec) Names {
	var tags, controls []string
	for _, h := range s.Hosts {
		tags = append(tags, h.Tags...)
		for _, e := range h.AllExpectations() {
			c := spec.Check{Host: h, Expect: e}
			tags = append(tags, c.Tags()...)
			controls = append(controls, c.Metadata().Controls...)
		}
	}
	slices.Sort(tags)
	slices.Sort(controls)
	return Names{From: s.Vantages(), Tags: slices.Compact(tags), Controls: slices.Compact(controls)}
}
