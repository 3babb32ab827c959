package jobs

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// TestHeldDays checks that final days are claimed earliest first, each by
// one claimant and whole, that days not yet final stay held, and that
// every retained batch is released.
func TestHeldDays(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batch := func() arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil))
		defer b.Release()
		b.Field(0).(*array.Int64Builder).Append(1)
		return b.NewRecordBatch()
	}
	d1 := aggregate.DayOf(time.Date(2016, 11, 14, 0, 0, 0, 0, time.UTC))
	d2, d3 := d1+1, d1+2

	h := newHeldDays()
	midnight, late, last := batch(), batch(), batch()
	h.hold([]aggregate.Day{d2, d1}, midnight) // an object spanning midnight
	h.hold([]aggregate.Day{d2}, late)
	h.hold([]aggregate.Day{d3}, last)
	// The holder lets go of its own reference, as a Worker's caller does.
	for _, rec := range []arrow.RecordBatch{midnight, late, last} {
		rec.Release()
	}

	if _, _, ok := h.claim(d1.End().Add(-time.Nanosecond)); ok {
		t.Fatal("claimed a day before its end")
	}
	for _, want := range []struct {
		day  aggregate.Day
		recs []arrow.RecordBatch
	}{{d1, []arrow.RecordBatch{midnight}}, {d2, []arrow.RecordBatch{midnight, late}}} {
		day, held, ok := h.claim(d2.End())
		if !ok || day != want.day || len(held) != len(want.recs) {
			t.Fatalf("claim: day %v, %d batches, ok %v; want %v, %d", day, len(held), ok, want.day, len(want.recs))
		}
		for i, rec := range held {
			if rec != want.recs[i] {
				t.Errorf("day %v: batch %d is not the one held", day, i)
			}
			rec.Release()
		}
	}
	if day, _, ok := h.claim(d2.End()); ok {
		t.Fatalf("day %v claimed twice, or before it is final", day)
	}
	h.release() // d3, never final: a failed run
	if _, _, ok := h.claim(d3.End()); ok {
		t.Fatal("a released day is still held")
	}
}
