package aggregate

import (
	"hash/maphash"
	"math"
	"unsafe"
)

// onceSet holds an office's bigrams carried by exactly one message so far.
// Most bigrams of a day occur once and are pruned at its end
// (MinBigramSupport), yet they outnumber every other key of a day: a
// 9,000-person day has over a million. They are kept in memory the
// garbage collector need not scan: the index maps a bigram's hash to its
// entry, the entry locates the bigram's bytes in blocks of plain bytes, and
// the message that carried it is recorded once, however many of its bigrams
// are new. Kept as string-keyed map entries, each with the message's score,
// ref and author, they were a third of a large workspace's live heap and
// most of what every collection scanned.
//
// Hashes only index: a bigram is found by comparing its bytes, and one
// whose hash another bigram already holds goes to a small map of its own,
// so that results never depend on the seed.
type onceSet struct {
	seed    maphash.Seed
	index   map[uint64]uint32 // bigram hash → entry
	spill   map[string]uint32 // bigrams whose hash index holds for another
	entries []onceEntry
	keys    [][]byte // blocks of bigram bytes
	msgs    []onceTopic
	live    int
	// stamp is the Aggregate's observation count when msgs last grew: the
	// message being observed is already recorded when it matches.
	stamp uint64
}

// onceEntry is a bigram: its bytes in the set's blocks, and its message.
type onceEntry struct {
	block uint32
	off   uint16
	n     uint16 // len of the bigram; spilled bigrams keep theirs in spill
	msg   uint32 // dead when promoted
}

const (
	onceKeyBlock = 64 << 10
	// onceLongKey is the longest bigram kept in blocks; longer ones, rare,
	// are kept in spill.
	onceLongKey = 1 << 10
	deadEntry   = math.MaxUint32
)

func newOnceSet(n int) *onceSet {
	return &onceSet{seed: maphash.MakeSeed(), index: make(map[uint64]uint32, n)}
}

// Len is how many bigrams the set holds.
func (s *onceSet) Len() int { return s.live }

func (s *onceSet) key(e *onceEntry) string {
	if e.n == 0 {
		return ""
	}
	b := s.keys[e.block]
	return unsafe.String(&b[e.off], int(e.n))
}

// find returns the entry of bigram k, whose hash is h.
func (s *onceSet) find(h uint64, k string) (uint32, bool) {
	if i, ok := s.index[h]; ok {
		if s.key(&s.entries[i]) == k {
			return i, true
		}
	}
	if len(s.spill) > 0 {
		i, ok := s.spill[k]
		return i, ok
	}
	return 0, false
}

// take removes the entry i of bigram k, hash h, and returns its message.
func (s *onceSet) take(h uint64, k string, i uint32) onceTopic {
	if j, ok := s.index[h]; ok && j == i {
		delete(s.index, h)
	} else {
		delete(s.spill, k)
	}
	e := &s.entries[i]
	m := s.msgs[e.msg]
	e.msg = deadEntry
	s.live--
	return m
}

// put adds bigram k, hash h, not in s, carried by the message msg.
func (s *onceSet) put(h uint64, k string, msg uint32) {
	i := uint32(len(s.entries))
	e := onceEntry{msg: msg}
	if _, taken := s.index[h]; taken || len(k) > onceLongKey {
		if s.spill == nil {
			s.spill = make(map[string]uint32)
		}
		s.spill[string([]byte(k))] = i
		s.entries = append(s.entries, e)
		s.live++
		return
	}
	n := len(s.keys)
	if n == 0 || cap(s.keys[n-1])-len(s.keys[n-1]) < len(k) {
		s.keys = append(s.keys, make([]byte, 0, onceKeyBlock))
		n++
	}
	b := &s.keys[n-1]
	e.block, e.off, e.n = uint32(n-1), uint16(len(*b)), uint16(len(k))
	*b = append(*b, k...)
	s.index[h] = i
	s.entries = append(s.entries, e)
	s.live++
}

// message records the message being observed, the stamp-th, once, and
// returns its number.
func (s *onceSet) message(stamp uint64, m onceTopic) uint32 {
	if s.stamp != stamp || len(s.msgs) == 0 {
		s.msgs = append(s.msgs, m)
		s.stamp = stamp
	}
	return uint32(len(s.msgs) - 1)
}

// all yields every bigram held and its message, in the order added. The
// key aliases the set's blocks or spill: it lives as long as s does.
func (s *onceSet) all(yield func(string, *onceTopic) bool) {
	for k, m := range s.bigrams {
		if !yield(k, &s.msgs[m]) {
			return
		}
	}
}

// bigrams yields every bigram held and the number of its message, in the
// order added.
func (s *onceSet) bigrams(yield func(string, uint32) bool) {
	var spilled map[uint32]string
	for k, i := range s.spill {
		if spilled == nil {
			spilled = make(map[uint32]string, len(s.spill))
		}
		spilled[i] = k
	}
	for i := range s.entries {
		e := &s.entries[i]
		if e.msg == deadEntry {
			continue
		}
		k, ok := spilled[uint32(i)]
		if !ok {
			k = s.key(e)
		}
		if !yield(k, e.msg) {
			return
		}
	}
}
