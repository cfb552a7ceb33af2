package spec

import (
	"fmt"

	"github.com/portspec/portspec/internal/suggest"
)

// didYouMean returns ` Did you mean "x"?` for the candidate closest to
// given, or "" when none is close enough to be a likely typo.
func didYouMean(given string, candidates []string) string {
	if s := suggest.Nearest(given, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}
