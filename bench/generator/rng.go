package generator

import (
	"math/bits"
	"math/rand/v2"
)

// rng is a PCG generator with the few draws the generator needs, all in
// integer arithmetic so that the output is the same on every platform.
// It is not safe for concurrent use: each day has its own.
type rng struct {
	p rand.PCG
}

// splitmix64 scrambles x; it derives independent seeds from (seed, stream).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// newRNG returns the generator of stream (0 for the world, 1+day for a day)
// under seed.
func newRNG(seed int64, stream uint64) *rng {
	a := splitmix64(uint64(seed) ^ splitmix64(stream))
	b := splitmix64(a ^ 0x5851f42d4c957f2d ^ stream)
	r := &rng{}
	r.p.Seed(a, b)
	return r
}

func (r *rng) u64() uint64 { return r.p.Uint64() }

// intn returns a number in [0, n); n must be positive. Lemire's
// multiply-shift without rejection: the bias is below 2^-40 for the n used
// here and the result is deterministic.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.p.Uint64(), uint64(n))
	return int(hi)
}

// int64n is intn for int64.
func (r *rng) int64n(n int64) int64 {
	hi, _ := bits.Mul64(r.p.Uint64(), uint64(n))
	return int64(hi)
}

// chance reports true with probability ppm per million.
func (r *rng) chance(ppm uint64) bool {
	if ppm == 0 {
		return false
	}
	hi, _ := bits.Mul64(r.p.Uint64(), 1_000_000)
	return hi < ppm
}

// pick returns an index drawn from the cumulative weights cum (cum[i] is the
// sum of weights 0..i; the last is positive).
func (r *rng) pick(cum []uint64) int {
	hi, _ := bits.Mul64(r.p.Uint64(), cum[len(cum)-1])
	lo, up := 0, len(cum)-1
	for lo < up {
		mid := int(uint(lo+up) >> 1)
		if cum[mid] > hi {
			up = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

const hexDigits = "0123456789abcdef"

// appendUUID appends a random version-4 UUID, 8-4-4-4-12 lowercase hex.
func (r *rng) appendUUID(dst []byte) []byte {
	a, b := r.p.Uint64(), r.p.Uint64()
	a = a&^(0xf<<12) | 4<<12         // version 4
	b = b&^(0x3<<62) | uint64(2)<<62 // variant 10
	var u [16]byte
	for i := 0; i < 8; i++ {
		u[i] = byte(a >> (56 - 8*i))
		u[8+i] = byte(b >> (56 - 8*i))
	}
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// id returns prefix followed by n random uppercase letters and digits, the
// shape of Slack ids (U…, C…, B…).
func (r *rng) id(prefix string, n int) string {
	b := make([]byte, 0, len(prefix)+n)
	b = append(b, prefix...)
	for i := 0; i < n; i++ {
		b = append(b, idAlphabet[r.intn(len(idAlphabet))])
	}
	return string(b)
}

// eventIDBits is the width of the event-id space: 12 bits of day and 38 of
// sequence number, scrambled by a bijection, so ids never collide.
const (
	eventIDBits = 50
	eventIDMask = 1<<eventIDBits - 1
	eventSeqMax = 1 << 38
)

// appendEventID appends the Events API id of event seq of day: "Ev" and ten
// base-36 characters. Distinct (day, seq) give distinct ids.
func appendEventID(dst []byte, day int, seq uint64) []byte {
	x := (uint64(day)<<38 | seq) & eventIDMask
	// Each step is a bijection of [0, 2^50): multiplication by an odd
	// number and an xor with a right shift.
	x = (x * 0x2545f4914f6cdd1d) & eventIDMask
	x ^= x >> 23
	x = (x * 0x9e3779b97f4a7c15) & eventIDMask
	x ^= x >> 29
	var buf [10]byte
	for i := len(buf) - 1; i >= 0; i-- {
		buf[i] = idAlphabet[x%36]
		x /= 36
	}
	dst = append(dst, 'E', 'v')
	return append(dst, buf[:]...)
}
