package aggregate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestOnceSetCollisions drives a onceSet with hashes chosen to collide (a
// few values for many bigrams), and with bigrams too long for its blocks,
// against a plain map: what it holds must never depend on the hashes.
func TestOnceSetCollisions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hashes uint64 // distinct hash values used
		long   bool   // some bigrams longer than onceLongKey
	}{
		{"distinct hashes", 1 << 62, false},
		{"four hashes", 4, false},
		{"one hash", 1, false},
		{"long bigrams", 8, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			s := newOnceSet(0)
			want := map[string]uint32{} // bigram → message
			hash := func(k string) uint64 { return uint64(len(k)*31+int(k[0])) % tc.hashes }
			for stamp := uint64(1); stamp <= 2000; stamp++ {
				k := fmt.Sprintf("w%d v%d", rng.IntN(40), rng.IntN(40))
				if tc.long && rng.IntN(10) == 0 {
					k += " " + strings.Repeat("x", onceLongKey+rng.IntN(3))
				}
				h := hash(k)
				i, ok := s.find(h, k)
				m, held := want[k]
				if ok != held {
					t.Fatalf("message %d: find(%q) = %v, want %v", stamp, k, ok, held)
				}
				if ok {
					got := s.take(h, k, i)
					if got.compound != int64(m) {
						t.Fatalf("take(%q) gave message %d, want %d", k, got.compound, m)
					}
					delete(want, k)
					continue
				}
				s.put(h, k, s.message(stamp, onceTopic{compound: int64(stamp)}))
				want[k] = uint32(stamp)
			}
			if s.Len() != len(want) {
				t.Fatalf("Len = %d, want %d", s.Len(), len(want))
			}
			seen := map[string]bool{}
			for k, m := range s.all {
				if seen[k] {
					t.Fatalf("all yields %q twice", k)
				}
				seen[k] = true
				if w, ok := want[k]; !ok || m.compound != int64(w) {
					t.Fatalf("all yields %q with message %d; want held %v, message %d", k, m.compound, ok, w)
				}
			}
			if len(seen) != len(want) {
				t.Fatalf("all yields %d bigrams, want %d", len(seen), len(want))
			}
		})
	}
}

// TestOnceSetMessageOnce checks that a message's new bigrams share one
// record of it, and the next message gets its own.
func TestOnceSetMessageOnce(t *testing.T) {
	s := newOnceSet(0)
	for _, k := range []string{"a b", "b c", "c d"} {
		s.put(uint64(len(k)), k, s.message(7, onceTopic{compound: 1}))
	}
	s.put(99, "d e", s.message(8, onceTopic{compound: 2}))
	if len(s.msgs) != 2 {
		t.Fatalf("%d messages recorded, want 2", len(s.msgs))
	}
}
