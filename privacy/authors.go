package privacy

import (
	"cmp"
	"slices"
)

// MaxMinGroup is the largest minimum group size (--min-group) that an
// AuthorSet decides exactly.
const MaxMinGroup = 32

// An AuthorSet holds what it takes to tell, exactly and after any number
// of merges, whether a group (an office's topic, an hour-of-week cell) has
// fewer than n distinct authors for any n up to MaxMinGroup: the hashes of
// its distinct authors while there are fewer than MaxMinGroup of them, and
// only the fact that there are at least that many once there are. A count
// of authors would not merge (the same person writes on many days, in many
// shards); the set does, and stays small where it matters, since only
// small groups keep their hashes.
//
// Hashes are 64-bit FNV-1a of team and user id (AuthorHash): among even a
// few thousand authors of one group a collision, which would count two
// people as one, has a chance below 1e-12.
//
// The zero AuthorSet is empty. It is not safe for concurrent use.
type AuthorSet struct {
	hashes []uint64 // distinct, fewer than MaxMinGroup, as added; nil when many
	many   bool
}

// AuthorHash is the hash an AuthorSet keeps for the author (team, user).
func AuthorHash(team, user string) uint64 {
	// FNV-1a by hand: it runs once per message, and hash/fnv's interface
	// would allocate each time.
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(team); i++ {
		h = (h ^ uint64(team[i])) * prime
	}
	h *= prime // a 0 byte between the two
	for i := 0; i < len(user); i++ {
		h = (h ^ uint64(user[i])) * prime
	}
	return h
}

// Add adds an author by hash.
func (s *AuthorSet) Add(h uint64) {
	if s.many {
		return
	}
	// A linear scan of at most MaxMinGroup hashes, in order: cheaper than a
	// binary search, whose every step is a branch the processor cannot
	// predict, and an append instead of an insert. Add runs for every
	// topic of every message.
	for _, x := range s.hashes {
		if x == h {
			return
		}
	}
	if len(s.hashes)+1 >= MaxMinGroup {
		s.hashes, s.many = nil, true
		return
	}
	s.hashes = append(s.hashes, h)
}

// Merge adds o's authors into s.
func (s *AuthorSet) Merge(o *AuthorSet) {
	if o.many {
		s.hashes, s.many = nil, true
		return
	}
	for _, h := range o.hashes {
		s.Add(h)
	}
}

// Fewer says whether the group has fewer than n distinct authors. It is
// exact for n <= MaxMinGroup; above, a group of MaxMinGroup or more
// authors reads as large enough.
func (s *AuthorSet) Fewer(n int) bool {
	return !s.many && len(s.hashes) < n
}

// Columns are the set as the Parquet tables store it: the hashes, sorted
// (as int64 bit patterns, since Parquet has no unsigned 64-bit column
// without a logical type every reader knows), and whether there are many.
func (s *AuthorSet) Columns() (hashes []int64, many bool) {
	hashes = make([]int64, len(s.hashes))
	for i, h := range s.hashes {
		hashes[i] = int64(h)
	}
	slices.SortFunc(hashes, func(a, b int64) int { return cmp.Compare(uint64(a), uint64(b)) })
	return hashes, s.many
}

// AuthorSetOf rebuilds a set from its Columns.
func AuthorSetOf(hashes []int64, many bool) AuthorSet {
	var s AuthorSet
	if many {
		s.many = true
		return s
	}
	for _, h := range hashes {
		s.Add(uint64(h))
	}
	return s
}
