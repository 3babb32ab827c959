package pipeline

import (
	"hash/maphash"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// dictBuilder builds one dictionary-encoded string column of a batch.
//
// Arrow's BinaryDictionaryBuilder memoises values in a generic hash table
// and was a twentieth of a run's CPU. Ids repeat in runs (a batch usually
// has one team, one source, one kind), so this builder first checks the
// previous row's value, then a Go map keyed by the value's 64-bit hash,
// confirming a hit against the dictionary itself so that it needs no copy
// of the value as a key; values whose hash collides with another's go to a
// second map keyed by the value.
type dictBuilder struct {
	idx     *array.Int32Builder
	vals    *array.StringBuilder
	seed    maphash.Seed
	memo    map[uint64]int32
	spill   map[string]int32
	lastIdx int32 // dictionary position of the previous non-null row, or -1
}

func newDictBuilder(mem memory.Allocator) *dictBuilder {
	return &dictBuilder{
		idx:     array.NewInt32Builder(mem),
		vals:    array.NewStringBuilder(mem),
		seed:    maphash.MakeSeed(),
		memo:    make(map[uint64]int32),
		lastIdx: -1,
	}
}

func (d *dictBuilder) value(k int32) string {
	// BinaryBuilder.Value does not copy; comparing it to a string does not
	// allocate either.
	return string(d.vals.BinaryBuilder.Value(int(k)))
}

func (d *dictBuilder) append(v string) {
	if d.lastIdx >= 0 && d.value(d.lastIdx) == v {
		d.idx.Append(d.lastIdx)
		return
	}
	h := maphash.String(d.seed, v)
	k, ok := d.memo[h]
	switch {
	case ok && d.value(k) == v:
	case ok: // another value has this hash
		if k, ok = d.spill[v]; !ok {
			k = d.add(v)
			if d.spill == nil {
				d.spill = make(map[string]int32)
			}
			d.spill[string([]byte(v))] = k
		}
	default:
		k = d.add(v)
		d.memo[h] = k
	}
	d.lastIdx = k
	d.idx.Append(k)
}

func (d *dictBuilder) add(v string) int32 {
	k := int32(d.vals.Len())
	d.vals.Append(v)
	return k
}

func (d *dictBuilder) appendNull() { d.idx.AppendNull() }

// newArray returns the column built so far and starts a new one with an
// empty dictionary, so that every batch stands alone.
func (d *dictBuilder) newArray() arrow.Array {
	idx := d.idx.NewInt32Array()
	vals := d.vals.NewStringArray()
	arr := array.NewDictionaryArray(dictString, idx, vals)
	idx.Release()
	vals.Release()
	clear(d.memo)
	d.spill = nil
	d.lastIdx = -1
	return arr
}

func (d *dictBuilder) release() {
	d.idx.Release()
	d.vals.Release()
}
