package cmd

// Text and id helpers many commands share.

import "strings"

// firstLine is s up to its first newline: one line of a long error.
func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// uniqueIDs drops repeated ids, keeping the first of each.
func uniqueIDs(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
