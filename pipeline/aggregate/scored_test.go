package aggregate

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestScored checks the order of scored evidence (score, then earliest ts,
// then channel), that a message offered twice is kept once with its higher
// score, and that any order of offers and merges keeps the same messages.
func TestScored(t *testing.T) {
	c1, c2 := "C1", "C2"
	type offer struct {
		channel *string
		ts      int64
		score   int64
	}
	tests := []struct {
		name   string
		offers []offer
		want   []Ref
		scores []int64
	}{
		{"by score", []offer{{&c1, 1, 10}, {&c1, 2, 30}, {&c1, 3, 20}, {&c1, 4, 5}},
			[]Ref{{Channel: c1, TS: 2}, {Channel: c1, TS: 3}, {Channel: c1, TS: 1}}, []int64{30, 20, 10}},
		{"ties by ts then channel", []offer{{&c2, 5, 7}, {&c1, 5, 7}, {&c1, 9, 7}, {&c2, 1, 7}},
			[]Ref{{Channel: c2, TS: 1}, {Channel: c1, TS: 5}, {Channel: c2, TS: 5}}, []int64{7, 7, 7}},
		{"same message twice", []offer{{&c1, 1, 10}, {&c1, 1, 50}, {&c1, 2, 20}},
			[]Ref{{Channel: c1, TS: 1}, {Channel: c1, TS: 2}}, []int64{50, 20}},
		{"no channel", []offer{{nil, 1, 10}}, []Ref{}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			for range 20 {
				// Offers split among three partials in a random order, merged
				// in a random order.
				parts := make([]Scored, 3)
				for _, i := range rng.Perm(len(tt.offers)) {
					o := tt.offers[i]
					parts[rng.IntN(3)].add(ref{channel: o.channel, ts: o.ts}, o.score)
				}
				var s Scored
				for _, i := range rng.Perm(3) {
					s.Merge(&parts[i])
				}
				refs, scores := s.Refs()
				if !reflect.DeepEqual(refs, tt.want) || !reflect.DeepEqual(scores, tt.scores) {
					t.Fatalf("refs %v scores %v, want %v %v", refs, scores, tt.want, tt.scores)
				}
			}
		})
	}
}
