package s3test

import (
	"net/url"
	"strings"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// Toxiproxy is an in-process toxiproxy (github.com/Shopify/toxiproxy/v2)
// TCP proxy in front of an HTTP endpoint, for connection-level faults:
// resets, latency, hung connections, bodies cut short.
type Toxiproxy struct {
	// URL is the proxy's endpoint, "http://127.0.0.1:PORT".
	URL   string
	proxy *toxiproxy.Proxy
}

// NewToxiproxy starts a proxy to upstream ("http://127.0.0.1:PORT") with
// no toxics; it stops when the test ends.
func NewToxiproxy(t testing.TB, upstream string) *Toxiproxy {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(server, "s3", "127.0.0.1:0", u.Host)
	if err := p.Start(); err != nil {
		t.Fatalf("start toxiproxy: %v", err)
	}
	t.Cleanup(p.Stop)
	return &Toxiproxy{URL: "http://" + p.Listen, proxy: p}
}

// AddToxic adds a toxic given as toxiproxy's API takes it, e.g.
//
//	{"type": "reset_peer", "stream": "downstream", "toxicity": 0.3, "attributes": {"timeout": 0}}
//
// Toxicity is drawn once per connection and direction: 0.3 means about 30 %
// of the connections opened after the call suffer it, for their whole life.
func (p *Toxiproxy) AddToxic(t testing.TB, spec string) {
	t.Helper()
	if _, err := p.proxy.Toxics.AddToxicJson(strings.NewReader(spec)); err != nil {
		t.Fatalf("add toxic %s: %v", spec, err)
	}
}
