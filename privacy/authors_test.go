package privacy

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAuthorSetExact splits random groups of authors into random parts
// (days, shards), with repeats across parts, merges the parts' sets in a
// random order, and checks Fewer against the true distinct count for
// every n up to MaxMinGroup, also after a round trip through Columns.
func TestAuthorSetExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		distinct := rng.IntN(3 * MaxMinGroup)
		parts := make([]AuthorSet, 1+rng.IntN(6))
		for a := range distinct {
			h := AuthorHash("T1", fmt.Sprintf("U%d", a))
			for range 1 + rng.IntN(3) { // the same person on several days
				parts[rng.IntN(len(parts))].Add(h)
			}
		}
		var merged AuthorSet
		for _, i := range rng.Perm(len(parts)) {
			hashes, many := parts[i].Columns()
			p := AuthorSetOf(hashes, many)
			merged.Merge(&p)
		}
		for n := 0; n <= MaxMinGroup; n++ {
			if got, want := merged.Fewer(n), distinct < n; got != want {
				t.Fatalf("trial %d: %d authors in %d parts: Fewer(%d) = %v", trial, distinct, len(parts), n, got)
			}
		}
		hashes, many := merged.Columns()
		if many != (distinct >= MaxMinGroup) || (!many && len(hashes) != distinct) {
			t.Fatalf("trial %d: %d authors kept as %d hashes, many=%v", trial, distinct, len(hashes), many)
		}
		// The columns are the same whatever the order of adding and merging.
		if !slices.IsSortedFunc(hashes, func(a, b int64) int { return cmp.Compare(uint64(a), uint64(b)) }) {
			t.Fatalf("trial %d: columns %x not sorted as unsigned", trial, hashes)
		}
	}
	if AuthorHash("T1", "U12") == AuthorHash("T1U", "12") {
		t.Error("team and user run together in the hash")
	}
}
