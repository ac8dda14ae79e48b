// Package suggest finds the names a user probably meant when they typed
// one that does not exist (a flag, an input), for "did you mean" hints.
package suggest

import "strings"

// Close returns the candidates that name is probably a typo of, in the
// order given: those that contain name or are contained in it, and those
// within two edits of it.
func Close(name string, candidates []string) []string {
	var out []string
	for _, c := range candidates {
		if strings.Contains(c, name) || strings.Contains(name, c) || EditDistance(c, name) <= 2 {
			out = append(out, c)
		}
	}
	return out
}

// EditDistance is the Levenshtein distance between a and b: the fewest
// single-byte insertions, deletions and substitutions that turn a into b.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
