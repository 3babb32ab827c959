package ingest

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// BenchmarkServeLoopback is the load benchmark of the local ingest server:
// each iteration sends 10,000 signed Events API requests over loopback from
// 8 concurrent clients, to a server archiving into a temporary folder with
// the default buffering, and reports throughput and the 99th-percentile
// latency. Run it alone, once:
//
//	go test ./internal/ingest/ -run '^$' -bench BenchmarkServeLoopback -benchtime 1x
func BenchmarkServeLoopback(b *testing.B) {
	const requests, clients = 10000, 8
	dir := archive.Dir{Root: b.TempDir()}
	url, cancel, done := startServe(b, ServeOptions{Archive: dir, SigningSecret: testSecret})
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	var (
		latencies = make([]time.Duration, 0, requests*b.N)
		mu        sync.Mutex
		failures  atomic.Int64
		elapsed   time.Duration
	)
	b.ResetTimer()
	for iter := range b.N {
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Go(func() {
				local := make([]time.Duration, 0, requests/clients+1)
				for {
					i := int(next.Add(1)) - 1
					if i >= requests {
						break
					}
					t0 := time.Now()
					status, err := postSigned(client, url, testSecret, iter*requests+i)
					local = append(local, time.Since(t0))
					if err != nil || status != http.StatusOK {
						failures.Add(1)
					}
				}
				mu.Lock()
				latencies = append(latencies, local...)
				mu.Unlock()
			})
		}
		wg.Wait()
		elapsed += time.Since(start)
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	transport.CloseIdleConnections()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	// Everything acknowledged is in the archive.
	lines := 0
	for info, err := range dir.List(context.Background(), "") {
		if err != nil {
			b.Fatal(err)
		}
		data, err := os.ReadFile(dir.Locate(info.Key))
		if err != nil {
			b.Fatal(err)
		}
		lines += bytes.Count(data, []byte("\n"))
	}
	if lines != requests*b.N {
		b.Fatalf("archive holds %d records, want %d", lines, requests*b.N)
	}
	slices.Sort(latencies)
	p99 := latencies[len(latencies)*99/100]
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
}
