package jobs

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/wiretap-hq/wiretap/pipeline"
)

// TestPeopleIndex numbers ids from two goroutines at once, as a run's
// workers do, and checks that each id has one number and each number one
// id.
func TestPeopleIndex(t *testing.T) {
	p := newIDIndex()
	const n = 2000
	got := make([][]uint32, 2)
	var wg sync.WaitGroup
	for w := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				// The workers meet the ids in opposite orders.
				k := i
				if w == 1 {
					k = n - 1 - i
				}
				buf := []byte(fmt.Sprintf("U%05d", k)) // a scratch buffer, reused below
				num, stable := p.number(string(buf))
				if stable != fmt.Sprintf("U%05d", k) {
					t.Errorf("number(U%05d) returned the id %q", k, stable)
				}
				got[w] = append(got[w], num)
			}
		}()
	}
	wg.Wait()
	seen := map[uint32]bool{}
	for i := range n {
		a, b := got[0][i], got[1][n-1-i]
		if a != b {
			t.Fatalf("U%05d numbered %d and %d", i, a, b)
		}
		if seen[a] {
			t.Fatalf("number %d given twice", a)
		}
		seen[a] = true
		if id := p.id(a); id != fmt.Sprintf("U%05d", i) {
			t.Fatalf("id(%d) = %q, want U%05d", a, id, i)
		}
	}
	if len(seen) != n {
		t.Fatalf("%d numbers for %d ids", len(seen), n)
	}
}

// TestAnalystPeopleStable checks that a worker's person keeps its address
// while later numbers grow the worker's table: observe holds an author's
// pointer while it looks up the people the message mentions.
func TestAnalystPeopleStable(t *testing.T) {
	roster, err := pipeline.ParseRoster(strings.NewReader("U00001,berlin\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := &analyst{index: newIDIndex(), known: map[string]uint32{}, roster: roster}
	first := a.person("U00001")
	if first.id != "U00001" || len(first.rows) != 1 || first.rows[0].Office != "berlin" {
		t.Fatalf("person U00001 = %+v, want its id and its roster row", first)
	}
	for i := range 3 * personChunk {
		a.person(fmt.Sprintf("U%05d", i+2))
	}
	if again := a.person("U00001"); again != first {
		t.Fatal("the person moved when the table grew")
	}
	if p := a.person("U03000"); p.id != "U03000" || p.rows != nil {
		t.Fatalf("person U03000 = %+v, want its id and no roster rows", p)
	}
}
