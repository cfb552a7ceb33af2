// Package suggest finds what a user most likely meant by a misspelt
// name: a spec's word, a command, a flag.
package suggest

import "strings"

// Nearest returns the candidate nearest to given by edit distance, if it is
// within a third of the length (at least 2 edits), as a typo would be.
func Nearest(given string, candidates []string) string {
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
