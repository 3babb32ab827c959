package nlp

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
)

// wordTable is a read-only open-addressing hash table from lowercase word
// to entry. It replaces a Go map on the hot path because it is about a
// third of the size (16-byte slots, keys packed in one string), so more of
// it stays in cache, and because lookups need no interface to the runtime.
//
// A word of up to eight bytes is identified by its length and one 64-bit
// integer (see pack), which the slot stores: most lookups compare that
// integer and never touch the key bytes, so a hit costs one cache line.
type wordTable struct {
	slots []slot
	mask  uint32
	shift uint8  // 64 - log2(len(slots))
	keys  string // every key longer than eight bytes, concatenated
	// filter has one bit per hash value modulo its size. Most words of a
	// message are in no table, and an 8 KiB bitmap that stays in L1 turns
	// their lookups into one load instead of a cache miss on slots.
	filter [filterWords]uint64
}

const filterWords = 1024 // 65536 bits

func (t *wordTable) mayContain(h uint64) bool {
	b := uint32(h>>24) & (filterWords*64 - 1)
	return t.filter[b>>6]&(1<<(b&63)) != 0
}

// index is the home slot of hash h: its top bits.
func (t *wordTable) index(h uint64) uint32 { return uint32(h>>t.shift) & t.mask }

// slot packs one entry. Valences are stored in tenths: every VADER
// lexicon value has one decimal, and float64(v)/10 reproduces the parsed
// float64 exactly because IEEE division is correctly rounded.
type slot struct {
	key   uint64 // pack(word)
	ref   uint32 // key length in the low 8 bits (0: empty slot); offset of the tail in keys above
	val   int16  // valence in tenths
	flags entryFlag
	id    wordID
}

const (
	maxKeyLen  = 255     // ref holds the length in 8 bits
	maxKeysLen = 1 << 24 // and the offset in 24
)

// load32 reads four bytes of s at i, little-endian. The compiler turns it
// into one load.
func load32(s string, i int) uint64 {
	_ = s[i+3]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24
}

// pack returns the first eight bytes of s (fewer if s is shorter, the rest
// zero) as a little-endian integer, which with the length identifies a
// string of up to eight bytes exactly. Short strings are read with
// overlapping loads that OR together: the overlap holds the same bytes.
func pack(s string) uint64 {
	n := len(s)
	switch {
	case n >= 8:
		return load32(s, 0) | load32(s, 4)<<32
	case n >= 4:
		return load32(s, 0) | load32(s, n-4)<<(8*(n-4))
	case n > 0:
		return uint64(s[0]) | uint64(s[n>>1])<<(8*(n>>1)) | uint64(s[n-1])<<(8*(n-1))
	}
	return 0
}

// packPadded is pack(string(b)) for a b with at least eight bytes of
// capacity, where one load and a mask do.
func packPadded(b []byte) uint64 {
	w := binary.LittleEndian.Uint64(b[:8])
	if len(b) < 8 {
		w &= 1<<(8*len(b)) - 1
	}
	return w
}

// hashWord mixes the packed prefix, the length and, for long words, the
// remaining bytes with one multiplication (Fibonacci hashing): the high
// bits of the product depend on every input bit, so the table takes its
// index and its filter bit from there.
func hashWord(s string, key uint64) uint64 {
	h := key ^ uint64(len(s))<<56
	for i := 8; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 0x100000001b3
	}
	return (h ^ h>>29) * 0x9e3779b97f4a7c15
}

func newWordTable(m map[string]entry) (*wordTable, error) {
	logN := bits.Len32(uint32(len(m)) * 2) // load factor <= 0.5
	n := uint32(1) << logN
	t := &wordTable{slots: make([]slot, n), mask: n - 1, shift: uint8(64 - logN)}
	var keys []byte
	for k, e := range m {
		if len(k) == 0 || len(k) > maxKeyLen {
			continue // too long for a slot; find misses such words too
		}
		tenths := math.Round(e.val * 10)
		if tenths/10 != e.val || math.Abs(tenths) > math.MaxInt16 {
			return nil, errors.New("nlp: lexicon valence " + k + " is not a multiple of 0.1")
		}
		key := pack(k)
		h := hashWord(k, key)
		i := t.index(h)
		for t.slots[i].ref != 0 {
			i = (i + 1) & t.mask
		}
		flags := e.flags
		if e.boost < 0 {
			flags |= fDampen
		}
		b := uint32(h>>24) & (filterWords*64 - 1)
		t.filter[b>>6] |= 1 << (b & 63)
		ref := uint32(len(k))
		if len(k) > 8 {
			if len(keys) >= maxKeysLen {
				return nil, errors.New("nlp: lexicon keys exceed the word table's capacity")
			}
			ref |= uint32(len(keys)) << 8
			keys = append(keys, k[8:]...)
		}
		t.slots[i] = slot{key: key, ref: ref, val: int16(tenths), flags: flags, id: e.id}
	}
	t.keys = string(keys)
	return t, nil
}

// lookup returns the entry for lowercase word s.
func (t *wordTable) lookup(s string) (slot, bool) {
	if sl := t.find(s, pack(s)); sl != nil {
		return *sl, true
	}
	return slot{}, false
}

// find returns the slot of lowercase word s, whose pack is key, or nil.
func (t *wordTable) find(s string, key uint64) *slot {
	if len(s) > maxKeyLen {
		return nil
	}
	h := hashWord(s, key)
	if !t.mayContain(h) {
		return nil
	}
	ref := uint8(len(s))
	for i := t.index(h); ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		if sl.ref == 0 {
			return nil
		}
		if sl.key == key && uint8(sl.ref) == ref && (ref <= 8 || t.tail(sl.ref) == s[8:]) {
			return sl
		}
	}
}

// tail is the part after the first eight bytes of a long key.
func (t *wordTable) tail(ref uint32) string {
	off := ref >> 8
	return t.keys[off : off+ref&0xff-8]
}
