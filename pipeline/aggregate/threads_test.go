package aggregate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRunsMerge pushes runs of overlapping threads, enough for merged runs
// of many blocks, and checks that the settled run holds each thread once,
// in order, with the replies of all its entries; and that a merge empties
// the runs it read.
func TestRunsMerge(t *testing.T) {
	ts := newThreads(0)
	for c := range 3 {
		ts.channel(ChannelKey{"T1", fmt.Sprint("C", c)})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[threadID]int64{}
	for range 40 {
		var entries []thread
		seen := map[threadID]bool{}
		for range rng.IntN(3000) {
			id := threadID{uint32(rng.IntN(3)), int64(rng.IntN(20000))}
			if seen[id] {
				continue
			}
			seen[id] = true
			replies := int64(1 + rng.IntN(5))
			entries = append(entries, thread{ch: id.ch, ts: id.ts, replies: replies})
			want[id] += replies
		}
		slices.SortFunc(entries, compareThreads)
		ts.push(wholeRun(entries))
	}
	ts.settle()
	if len(ts.runs) != 1 || ts.runs[0].n != len(want) || ts.Len() != len(want) {
		t.Fatalf("settled into %d runs, %d entries; want 1 run of %d", len(ts.runs), ts.Len(), len(want))
	}
	if len(ts.runs[0].blocks) < 2 {
		t.Fatalf("the merged run has %d blocks; the test wants several", len(ts.runs[0].blocks))
	}
	var prev *thread
	n := 0
	for e := range ts.held {
		if prev != nil && compareThreads(*prev, *e) >= 0 {
			t.Fatalf("entry %v after %v: not sorted, or twice", e.id(), prev.id())
		}
		if got := e.replies; got != want[e.id()] {
			t.Errorf("thread %v: %d replies, want %d", e.id(), got, want[e.id()])
		}
		prev = e
		n++
	}
	if n != len(want) {
		t.Errorf("%d entries held, want %d", n, len(want))
	}

	x, y := wholeRun([]thread{{ch: 0, ts: 1}}), wholeRun([]thread{{ch: 0, ts: 2}})
	if m := ts.mergeRuns(&x, &y); m.n != 2 || x.n != 0 || y.n != 0 || x.blocks != nil || y.blocks != nil {
		t.Errorf("merge of two one-entry runs: %+v, inputs left %+v %+v", m, x, y)
	}
}
