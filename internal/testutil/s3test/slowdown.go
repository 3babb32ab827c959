package s3test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

// SlowDownProxy is a reverse proxy in front of an S3 server that answers a
// share of the requests with 503 SlowDown, as S3 does when a prefix is
// requested too fast, and forwards the rest unchanged. Which requests fail
// follows a seeded generator: the n-th request gets the same answer in
// every run (which request is n-th depends on the client's scheduling).
type SlowDownProxy struct {
	// URL is the proxy's endpoint, "http://127.0.0.1:PORT".
	URL string

	requests, throttled atomic.Int64

	mu    sync.Mutex
	rng   *rand.Rand
	share float64
}

// NewSlowDownProxy starts a proxy to upstream ("http://127.0.0.1:PORT")
// that throttles share (0 to 1) of the requests; it stops when the test
// ends.
func NewSlowDownProxy(t testing.TB, upstream string, share float64, seed uint64) *SlowDownProxy {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &SlowDownProxy{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), share: share}
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			// SigV4 signs the Host the client saw; keep it.
			r.Out.Host = r.In.Host
		},
		Transport: tr,
		ErrorLog:  nil,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		if p.throttle() {
			p.throttled.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
				`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>`+
				`<Resource>%s</Resource><RequestId>wiretap-test-%d</RequestId></Error>`, r.URL.Path, p.requests.Load())
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		tr.CloseIdleConnections()
	})
	p.URL = srv.URL
	return p
}

func (p *SlowDownProxy) throttle() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rng.Float64() < p.share
}

// Requests is how many requests reached the proxy; Throttled how many of
// them it answered 503 SlowDown.
func (p *SlowDownProxy) Requests() int64  { return p.requests.Load() }
func (p *SlowDownProxy) Throttled() int64 { return p.throttled.Load() }
