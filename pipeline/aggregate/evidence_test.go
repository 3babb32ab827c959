package aggregate

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestEvidenceKeepsEarliestWhateverTheOrder(t *testing.T) {
	var refs []Ref
	for i := range 20 {
		refs = append(refs, Ref{Channel: fmt.Sprintf("C%d", i%3), TS: 1479000000_000000 + int64(40-i)})
	}
	want := []Ref{refs[19], refs[18], refs[17]}
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 50 {
		rng.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
		var parts [4]Evidence
		for i, r := range refs {
			parts[i%4].add(in(r))
			parts[i%4].add(in(r)) // a repeat changes nothing
		}
		var e Evidence
		for i := range parts {
			e.Merge(&parts[(i+trial)%4])
		}
		if got := e.Refs(); !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: kept %v, want %v", trial, got, want)
		}
		if back := evidenceOf(e.strings(&cells{}), e.texts(), channelIDs{}); !reflect.DeepEqual(back.Refs(), want) {
			t.Fatalf("round trip through strings: %v", back.Refs())
		}
	}
	var empty Evidence
	empty.add(in(Ref{TS: 1}))
	if empty.n != 0 || empty.strings(&cells{}) != nil {
		t.Errorf("a ref without a channel was kept: %v", empty.Refs())
	}
}

// in converts a Ref to the form Evidence keeps, with strings of its own.
func in(r Ref) ref {
	c, text := r.Channel, r.Text
	x := ref{channel: &c, ts: r.TS}
	if text != "" {
		x.text = &text
	}
	return x
}

// TestEvidenceTextWhateverTheOrder offers refs to the same messages with
// and without text, in every order: each message kept has its text.
func TestEvidenceTextWhateverTheOrder(t *testing.T) {
	const ts = 1479000000_000000
	refs := []Ref{
		{Channel: "C1", TS: ts + 1}, {Channel: "C1", TS: ts + 1, Text: "one"},
		{Channel: "C2", TS: ts + 1, Text: "two"}, {Channel: "C2", TS: ts + 1},
		{Channel: "C1", TS: ts + 2, Text: "three"}, {Channel: "C1", TS: ts + 2},
		{Channel: "C1", TS: ts + 3, Text: "four"},
	}
	want := []Ref{{"C1", ts + 1, "one"}, {"C2", ts + 1, "two"}, {"C1", ts + 2, "three"}}
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		rng.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
		var a, b, e Evidence
		for i, r := range refs {
			if i%2 == 0 {
				a.add(in(r))
			} else {
				b.add(in(r))
			}
		}
		if trial%2 == 0 {
			e.Merge(&a)
			e.Merge(&b)
		} else {
			e.Merge(&b)
			e.Merge(&a)
		}
		if got := e.Refs(); !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d (%v): kept %v, want %v", trial, refs, got, want)
		}
		if back := evidenceOf(e.strings(&cells{}), e.texts(), channelIDs{}); !reflect.DeepEqual(back.Refs(), want) {
			t.Fatalf("round trip through strings: %v", back.Refs())
		}
	}
}

func TestRefForms(t *testing.T) {
	r := Ref{Channel: "C2147483705", TS: 1355517523_000005}
	if got, want := r.String(), "C2147483705/1355517523.000005"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	for _, bad := range []string{"", "C1", "/1.000001", "C1/1.5", "C1/x.000001", "C1/1"} {
		if _, ok := ParseRef(bad); ok {
			t.Errorf("ParseRef(%q) succeeded", bad)
		}
	}
	if back, ok := ParseRef(r.String()); !ok || back != r {
		t.Errorf("ParseRef(String) = %v, %v", back, ok)
	}
}

func TestSlackTSMatchesFmt(t *testing.T) {
	for _, ts := range []int64{0, 1, 999_999, 1_000_000, 1_355_517_523_000_005, 1_479_427_200_123_456, -1, -1_000_001} {
		want := fmt.Sprintf("%d.%06d", ts/1_000_000, ts%1_000_000)
		r := Ref{Channel: "C1", TS: ts}
		if got := r.SlackTS(); got != want {
			t.Errorf("SlackTS(%d) = %q, want %q", ts, got, want)
		}
		if got := r.String(); got != "C1/"+want {
			t.Errorf("String(%d) = %q, want %q", ts, got, "C1/"+want)
		}
	}
}

// TestCompareSlackTS checks that ordering ts as numbers, as the threads
// table does, is the order of their renderings it stands for: shorter
// first, then in byte order, including ts before 1970.
func TestCompareSlackTS(t *testing.T) {
	values := []int64{0, 1, 999_999, 1_000_000, 9_999_999, 10_000_000, 1479114000_000000, 1479114000_000001,
		-1, -999_999, -1_000_000, -1_000_001, -1479114000_000000, math.MaxInt64, math.MinInt64}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		values = append(values, rng.Int64N(2e15)-1e15)
	}
	for _, x := range values {
		for _, y := range values {
			xs, ys := Ref{TS: x}.SlackTS(), Ref{TS: y}.SlackTS()
			want := cmp.Or(cmp.Compare(len(xs), len(ys)), cmp.Compare(xs, ys))
			if got := CompareSlackTS(x, y); got != want {
				t.Fatalf("CompareSlackTS(%d, %d) = %d, want %d (%q vs %q)", x, y, got, want, xs, ys)
			}
		}
	}
}
