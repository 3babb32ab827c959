package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// The decoder and engine benchmarks read a generated archive held in
// memory, so that they time decoding and the engine's stages, not a disk.
// Their input is small enough for `go test -bench` on a laptop and large
// enough to span many objects and hours; the figures of a whole run over
// the 1 GB archive come from `make bench` (bench/cmd/runbench).

// benchArchive generates the benchmarks' archive: the generator's
// defaults (duplicates, late, malformed and glued records included) over
// two days.
func benchArchive(b *testing.B) (*generator.MemStore, *generator.Facts) {
	b.Helper()
	cfg := generator.DefaultConfig()
	cfg.Messages = 40_000
	cfg.Days = 2
	store := &generator.MemStore{}
	facts, err := generator.Generate(context.Background(), cfg, store)
	if err != nil {
		b.Fatal(err)
	}
	return store, facts
}

// archiveLines returns every line of every object in the store.
func archiveLines(b *testing.B, store *generator.MemStore) (lines [][]byte, size int64) {
	b.Helper()
	ctx := context.Background()
	for info, err := range store.List(ctx, "") {
		if err != nil {
			b.Fatal(err)
		}
		rc, err := store.Open(ctx, info.Key)
		if err != nil {
			b.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			b.Fatal(err)
		}
		for line := range bytes.Lines(data) {
			lines = append(lines, line)
			size += int64(len(line))
		}
	}
	return lines, size
}

// BenchmarkDecode times the record decoder alone over the archive's lines,
// in NDJSON bytes per second: the figure to re-measure when the decoder
// (see schema/decode.go) is reconsidered.
func BenchmarkDecode(b *testing.B) {
	store, _ := benchArchive(b)
	lines, size := archiveLines(b, store)
	var (
		d    schema.Decoder
		m    schema.Message
		good int
	)
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		good = 0
		for _, line := range lines {
			d.Reset(line)
			for {
				err := d.Next(&m)
				if err == io.EOF {
					break
				}
				if err == nil {
					good++
				}
			}
		}
	}
	if good == 0 {
		b.Fatal("no record decoded")
	}
}

// BenchmarkEngine times pipeline.Run over the archive with Workers that
// only count rows: listing, reading, splitting, decoding, accounting,
// deduplication and Arrow batches, without the analysis.
func BenchmarkEngine(b *testing.B) {
	store, facts := benchArchive(b)
	var size int64
	for info, err := range store.List(context.Background(), "") {
		if err != nil {
			b.Fatal(err)
		}
		size += info.Size
	}
	cfg := pipeline.Config{
		Source: store,
		Range:  archive.Range{From: facts.Start, To: facts.End},
	}
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		h := &countingHandler{}
		counts, err := pipeline.Run(context.Background(), cfg, h)
		if err != nil {
			b.Fatal(err)
		}
		if h.rows.Load() != counts.InRange {
			b.Fatalf("workers saw %d rows, the run counted %d in range", h.rows.Load(), counts.InRange)
		}
	}
}

// countingHandler's Workers count the rows they are given.
type countingHandler struct{ rows atomic.Int64 }

func (h *countingHandler) NewWorker() (pipeline.Worker, error) { return countingWorker{h}, nil }

func (h *countingHandler) Complete(context.Context, time.Time) error { return nil }

type countingWorker struct{ h *countingHandler }

func (w countingWorker) Process(_ context.Context, rec arrow.RecordBatch) error {
	if rec == nil {
		return errors.New("nil batch")
	}
	w.h.rows.Add(rec.NumRows())
	return nil
}

func (countingWorker) Flush(context.Context, time.Time) error { return nil }
