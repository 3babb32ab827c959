package numbering

import "testing"

// TestNumbering numbers keys in the order first seen, from a zero value,
// and translates one numbering into another, each key once.
func TestNumbering(t *testing.T) {
	var from Numbering[string]
	for i, k := range []string{"b", "a", "b", "c", "a"} {
		want := map[string]uint32{"b": 0, "a": 1, "c": 2}[k]
		if got := from.Number(k); got != want {
			t.Fatalf("key %d, %q: number %d, want %d", i, k, got, want)
		}
	}
	if from.Len() != 3 || from.Key(2) != "c" {
		t.Fatalf("Len %d, Key(2) %q; want 3, \"c\"", from.Len(), from.Key(2))
	}
	if _, ok := from.Lookup("d"); ok {
		t.Fatal("Lookup found a key never numbered")
	}
	to := New[string](0)
	to.Number("c") // 0 in to
	r := Renumbering[string]{From: &from, To: &to}
	for _, tc := range []struct{ from, to uint32 }{{2, 0}, {0, 1}, {1, 2}, {0, 1}} {
		if got := r.Of(tc.from); got != tc.to {
			t.Fatalf("Of(%d) = %d, want %d", tc.from, got, tc.to)
		}
	}
	if to.Len() != 3 {
		t.Fatalf("to numbers %d keys, want 3", to.Len())
	}
}
