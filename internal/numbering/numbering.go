// Package numbering numbers keys in the order first seen, so that maps and
// entries can hold small integers, free of pointers, in place of keys, and
// translates the numbers of one numbering into another's.
package numbering

// Numbering numbers keys in the order first seen. Its zero value is ready
// to use. It is not safe for concurrent use.
type Numbering[K comparable] struct {
	num  map[K]uint32
	keys []K // by number
}

// New returns a Numbering with room for n keys.
func New[K comparable](n int) Numbering[K] {
	return Numbering[K]{num: make(map[K]uint32, n)}
}

// Number returns k's number, made if new; k's strings must be stable, as
// the numbering keeps k.
func (p *Numbering[K]) Number(k K) uint32 {
	n, ok := p.num[k]
	if !ok {
		if p.num == nil {
			p.num = make(map[K]uint32)
		}
		n = uint32(len(p.keys))
		p.keys = append(p.keys, k)
		p.num[k] = n
	}
	return n
}

// Lookup returns k's number, if it has one.
func (p *Numbering[K]) Lookup(k K) (uint32, bool) {
	n, ok := p.num[k]
	return n, ok
}

// Key is the key numbered n.
func (p *Numbering[K]) Key(n uint32) K { return p.keys[n] }

// Len is how many keys are numbered.
func (p *Numbering[K]) Len() int { return len(p.keys) }

// Renumbering translates the numbers of From into those of To, numbering
// keys in To as needed, each once; the keys must be stable.
type Renumbering[K comparable] struct {
	From, To *Numbering[K]
	nums     []uint32 // plus one; 0: not translated yet
}

// Of returns the number in To of the key numbered n in From.
func (r *Renumbering[K]) Of(n uint32) uint32 {
	if r.nums == nil {
		r.nums = make([]uint32, len(r.From.keys))
	}
	if r.nums[n] == 0 {
		r.nums[n] = r.To.Number(r.From.keys[n]) + 1
	}
	return r.nums[n] - 1
}
