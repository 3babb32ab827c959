package aggregate

import "unsafe"

// cells carves the many small strings and slices of a Tables out of large
// blocks: a day's users and topics carry millions of evidence refs, and an
// allocation for each string and each list was a tenth of Tables. The
// strings are views of the blocks (never written again once handed out),
// and the slices are capped at their length, so that an append to one
// cannot write into the next.
type cells struct {
	bytes  []byte
	strs   []string
	scores []int64
}

const (
	cellBytes = 64 << 10
	cellItems = 4 << 10
)

// ref renders a ref as "channel/ts" (Ref.String).
func (c *cells) ref(channel string, ts int64) string {
	need := len(channel) + 1 + 32 // a sign, 20 digits, a point and 6 more fit
	if cap(c.bytes)-len(c.bytes) < need {
		c.bytes = make([]byte, 0, max(cellBytes, need))
	}
	start := len(c.bytes)
	c.bytes = append(c.bytes, channel...)
	c.bytes = append(c.bytes, '/')
	c.bytes = Ref{TS: ts}.appendSlackTS(c.bytes)
	return unsafe.String(&c.bytes[start], len(c.bytes)-start)
}

// strings returns n empty strings.
func (c *cells) strings(n int) []string { return carve(&c.strs, n) }

// ints returns n zero ints.
func (c *cells) ints(n int) []int64 { return carve(&c.scores, n) }

// carve returns n zero Ts from the end of *block, starting a new block
// when it has no room for them.
func carve[T any](block *[]T, n int) []T {
	if cap(*block)-len(*block) < n {
		*block = make([]T, 0, max(cellItems, n))
	}
	start := len(*block)
	*block = (*block)[:start+n]
	return (*block)[start : start+n : start+n]
}
