package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/internal/dashboard"
	"github.com/wiretap-hq/wiretap/internal/slackverify"
	"github.com/wiretap-hq/wiretap/internal/slashcmd"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/internal/testutil/yearout"
)

func yearOut(b *testing.B) string {
	if testing.Short() {
		b.Skip("writes a year of partitions; skipped with -short")
	}
	out, err := yearout.Outputs()
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkSummaryAt200rps offers /api/v1/summary 1,000 warm requests at
// 200 a second on loopback (an open loop: requests start on the clock,
// whether or not earlier ones have finished) and reports the latency
// percentiles. Run it once: -benchtime 1x.
func BenchmarkSummaryAt200rps(b *testing.B) {
	out := yearOut(b)
	cfg := yearout.Config()
	last := cfg.Start.AddDate(0, 0, cfg.Days)
	srv := httptest.NewServer((&dashboard.Server{Source: &dashboard.Source{Out: loctest.Parse(b, out)}}).Handler())
	defer srv.Close()
	url := srv.URL + "/api/v1/summary?from=" + last.AddDate(0, 0, -30).Format(time.DateOnly) + "&to=" + last.Format(time.DateOnly)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	fetch := func() (time.Duration, int, error) {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			return 0, 0, err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, 0, &httpError{resp.Status}
		}
		return time.Since(start), int(n), err
	}
	if _, _, err := fetch(); err != nil { // warm the cache
		b.Fatal(err)
	}
	const rate, requests = 200, 1000
	var all []time.Duration
	var size int
	for range b.N {
		lat := make([]time.Duration, requests)
		errs := make([]error, requests)
		var wg sync.WaitGroup
		tick := time.NewTicker(time.Second / rate)
		for i := range requests {
			<-tick.C
			wg.Go(func() { lat[i], size, errs[i] = fetch() })
		}
		tick.Stop()
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		all = append(all, lat...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(size), "bytes/answer")
}

type httpError struct{ status string }

func (e *httpError) Error() string { return "HTTP " + e.status }

// BenchmarkSlashYear times /wiretap answered by `serve` over a year of
// daily partitions: cold (a new server: the manifest, the list of covered
// days and the week's partitions are read) and warm (the week's answer is
// cached), from the signed POST to the Block Kit answer.
func BenchmarkSlashYear(b *testing.B) {
	out := yearOut(b)
	const secret = "bench-secret"
	body := slashForm("U2147483697", "", "https://hooks.slack.com/commands/1/2")
	post := func(b *testing.B, srv *httptest.Server) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/slack/commands", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		ts := time.Now().Unix()
		req.Header.Set(slackverify.HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(slackverify.HeaderSignature, slackverify.Sign(secret, ts, []byte(body)))
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), "at a glance") {
			b.Fatalf("answer %s: %.200s", resp.Status, data)
		}
	}
	newServer := func() *httptest.Server {
		src := &dashboard.Source{Out: loctest.Parse(b, out)}
		h := &slashcmd.Handler{Secret: secret, Source: &dashboard.SlashSource{Source: src}, AckAfter: time.Minute}
		return httptest.NewServer((&dashboard.Server{Source: src, Slash: h}).Handler())
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			srv := newServer()
			b.StartTimer()
			post(b, srv)
			b.StopTimer()
			srv.Close()
			b.StartTimer()
		}
	})
	b.Run("warm", func(b *testing.B) {
		srv := newServer()
		defer srv.Close()
		post(b, srv)
		for b.Loop() {
			post(b, srv)
		}
	})
}
