package generator

import (
	"context"
	"sync/atomic"
	"testing"
)

// discard is a Putter that only counts what it is given.
type discard struct{ bytes atomic.Int64 }

func (d *discard) Put(ctx context.Context, key string, body []byte) error {
	d.bytes.Add(int64(len(body)))
	return nil
}

// BenchmarkGenerate measures generation alone (no storage), in NDJSON bytes
// per second.
func BenchmarkGenerate(b *testing.B) {
	for _, tt := range []struct {
		name string
		gzip bool
	}{{"ndjson", false}, {"gzip", true}} {
		b.Run(tt.name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Messages = 100_000
			cfg.Days = 7
			cfg.Gzip = tt.gzip
			b.ReportAllocs()
			var ndjson int64
			for b.Loop() {
				f, err := Generate(context.Background(), cfg, &discard{})
				if err != nil {
					b.Fatal(err)
				}
				ndjson = f.NDJSONBytes
			}
			b.SetBytes(ndjson)
		})
	}
}
