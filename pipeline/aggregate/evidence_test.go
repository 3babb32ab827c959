package aggregate

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestEvidenceKeepsEarliestWhateverTheOrder(t *testing.T) {
	var refs []Ref
	for i := range 20 {
		refs = append(refs, Ref{Channel: fmt.Sprintf("C%d", i%3), TS: fmt.Sprintf("14790000%02d.000000", 40-i)})
	}
	want := []Ref{refs[19], refs[18], refs[17]}
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 50 {
		rng.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
		// Split into parts, observe each, merge the parts.
		var parts [4]Evidence
		for i, r := range refs {
			parts[i%4].add(r.Channel, r.TS)
			parts[i%4].add(r.Channel, r.TS) // a repeat changes nothing
		}
		var e Evidence
		for i := range parts {
			e.Merge(&parts[(i+trial)%4])
		}
		if got := e.Refs(); !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: kept %v, want %v", trial, got, want)
		}
		if back := evidenceOf(e.strings()); !reflect.DeepEqual(back.Refs(), want) {
			t.Fatalf("round trip through strings: %v", back.Refs())
		}
	}
	var empty Evidence
	empty.add("", "1.0")
	empty.add("C1", "")
	if empty.n != 0 || empty.strings() != nil {
		t.Errorf("refs without channel or ts were kept: %v", empty.Refs())
	}
}
