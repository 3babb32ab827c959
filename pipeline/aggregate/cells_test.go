package aggregate

import (
	"fmt"
	"testing"
)

// TestCells renders refs across several blocks and checks each against
// Ref.String, then that a slice handed out cannot grow into the next.
func TestCells(t *testing.T) {
	var c cells
	type out struct {
		s    string
		want string
	}
	var got []out
	for i := range 3 * cellBytes / 20 {
		ch := fmt.Sprintf("C%0*d", 1+i%40, i)
		ts := int64(i)*1_000_003 - 5_000_000 // some before 1970
		got = append(got, out{c.ref(ch, ts), Ref{Channel: ch, TS: ts}.String()})
	}
	for i, g := range got {
		if g.s != g.want {
			t.Fatalf("ref %d = %q, want %q", i, g.s, g.want)
		}
	}
	a, b := c.strings(2), c.strings(2)
	b[0] = "next"
	a = append(a, "grown")
	if b[0] != "next" || len(a) != 3 {
		t.Fatalf("appending to one slice wrote into the next: %q", b)
	}
	x, y := c.ints(1), c.ints(1)
	y[0] = 7
	_ = append(x, 1)
	if y[0] != 7 {
		t.Fatal("appending to one ints slice wrote into the next")
	}
}
