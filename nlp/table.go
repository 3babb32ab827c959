package nlp

import (
	"errors"
	"math"
	"math/bits"
)

// wordTable is a read-only open-addressing hash table from lowercase word
// to entry. It replaces a Go map on the hot path because it is about a
// third of the size (16-byte slots, keys packed in one string), so more of
// it stays in cache, and because lookups need no interface to the runtime.
type wordTable struct {
	slots []slot
	mask  uint32
	keys  string // every key, concatenated; slots point into it
	// filter has one bit per hash value modulo its size. Most words of a
	// message are in no table, and an 8 KiB bitmap that stays in L1 turns
	// their lookups into one load instead of a cache miss on slots.
	filter [filterWords]uint64
}

const filterWords = 1024 // 65536 bits

func (t *wordTable) mayContain(h uint32) bool {
	b := (h >> 7) & (filterWords*64 - 1)
	return t.filter[b>>6]&(1<<(b&63)) != 0
}

// slot packs one entry. Valences are stored in tenths: every VADER
// lexicon value has one decimal, and float64(v)/10 reproduces the parsed
// float64 exactly because IEEE division is correctly rounded.
type slot struct {
	hash  uint32
	off   uint32
	klen  uint16 // 0 marks an empty slot
	val   int16  // valence in tenths
	flags entryFlag
	id    wordID
}

// hashWord is FNV-1a: simple, no tables, and good enough for ~9k keys at
// load factor below 0.6.
func hashWord(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func newWordTable(m map[string]entry) (*wordTable, error) {
	n := uint32(1) << bits.Len32(uint32(len(m))*2) // load factor <= 0.5
	t := &wordTable{slots: make([]slot, n), mask: n - 1}
	var keys []byte
	for k, e := range m {
		if len(k) == 0 || len(k) > math.MaxUint16 {
			continue
		}
		tenths := math.Round(e.val * 10)
		if tenths/10 != e.val || math.Abs(tenths) > math.MaxInt16 {
			return nil, errors.New("nlp: lexicon valence " + k + " is not a multiple of 0.1")
		}
		h := hashWord(k)
		i := h & t.mask
		for t.slots[i].klen != 0 {
			i = (i + 1) & t.mask
		}
		flags := e.flags
		if e.boost < 0 {
			flags |= fDampen
		}
		b := (h >> 7) & (filterWords*64 - 1)
		t.filter[b>>6] |= 1 << (b & 63)
		t.slots[i] = slot{hash: h, off: uint32(len(keys)), klen: uint16(len(k)), val: int16(tenths), flags: flags, id: e.id}
		keys = append(keys, k...)
	}
	t.keys = string(keys)
	return t, nil
}

// lookup returns the entry for lowercase word s.
func (t *wordTable) lookup(s string) (slot, bool) {
	h := hashWord(s)
	if !t.mayContain(h) {
		return slot{}, false
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		if sl.klen == 0 {
			return slot{}, false
		}
		if sl.hash == h && int(sl.klen) == len(s) && t.keys[sl.off:sl.off+uint32(sl.klen)] == s {
			return *sl, true
		}
	}
}
