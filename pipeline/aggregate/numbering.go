package aggregate

// numbering numbers keys in the order first seen, so that maps and entries
// can hold small integers, free of pointers, in place of keys.
type numbering[K comparable] struct {
	num  map[K]uint32
	keys []K // by number
}

func newNumbering[K comparable](n int) numbering[K] {
	return numbering[K]{num: make(map[K]uint32, n)}
}

// number returns k's number, made if new; k's strings must be stable.
func (p *numbering[K]) number(k K) uint32 {
	n, ok := p.num[k]
	if !ok {
		n = uint32(len(p.keys))
		p.keys = append(p.keys, k)
		p.num[k] = n
	}
	return n
}

// renumbering translates the numbers of one numbering into another,
// numbering keys there as needed, each once; the keys must be stable.
type renumbering[K comparable] struct {
	from, to *numbering[K]
	nums     []uint32 // plus one; 0: not translated yet
}

func (r *renumbering[K]) of(n uint32) uint32 {
	if r.nums == nil {
		r.nums = make([]uint32, len(r.from.keys))
	}
	if r.nums[n] == 0 {
		r.nums[n] = r.to.number(r.from.keys[n]) + 1
	}
	return r.nums[n] - 1
}
