package spec

import (
	"fmt"
	"strings"
)

// didYouMean returns ` Did you mean "x"?` for the candidate closest to
// given, or "" when none is close enough to be a likely typo.
func didYouMean(given string, candidates []string) string {
	if s := suggest(given, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// suggest returns the candidate nearest to given by edit distance, if it is
// within a third of the length (at least 2 edits), as a typo would be.
func suggest(given string, candidates []string) string {
	best, bestDist := "", -1
	limit := max(2, len(given)/3)
	for _, c := range candidates {
		d := editDistance(strings.ToLower(given), strings.ToLower(c))
		if d <= limit && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
