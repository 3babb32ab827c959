package s3test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// RecordingProxy is a reverse proxy in front of a real S3 server that keeps
// a copy of every request (headers included) and can make chosen objects
// vanish: a request for which Gone reports true is answered 404 NoSuchKey,
// as S3 answers for an object deleted after it was listed.
type RecordingProxy struct {
	// URL is the proxy's endpoint, "http://127.0.0.1:PORT".
	URL string

	mu   sync.Mutex
	reqs []*http.Request
}

// NewRecordingProxy starts a proxy to upstream; gone may be nil. It stops
// when the test ends.
func NewRecordingProxy(t testing.TB, upstream string, gone func(*http.Request) bool) *RecordingProxy {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &RecordingProxy{}
	tr := &http.Transport{Proxy: nil}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // SigV4 signs the Host the client saw
		},
		Transport: tr,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.reqs = append(p.reqs, r.Clone(r.Context()))
		p.mu.Unlock()
		if gone != nil && gone(r) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
				`<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`))
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

// Requests returns the requests seen so far.
func (p *RecordingProxy) Requests() []*http.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*http.Request(nil), p.reqs...)
}
