package dashboard_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/internal/cli"
	"github.com/wiretap-hq/wiretap/internal/dashboard"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
)

func get(t *testing.T, srv *httptest.Server, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func start(t *testing.T, s *dashboard.Server) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func queryCLI(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errs bytes.Buffer
	code := cli.Main(context.Background(), &cli.IO{Out: &out, Err: &errs, Getenv: func(string) string { return "" }}, append([]string{"query"}, args...))
	if code != cli.ExitOK {
		t.Fatalf("wiretap query %v: exit %d: %s", args, code, errs.String())
	}
	return out.Bytes()
}

// TestServe covers the JSON feed's promise (query's bytes), its caching
// headers, a new publication picked up without a restart, the cache's
// bound, health, the security headers and the page's escaping.
func TestServe(t *testing.T) {
	out, facts, src, roster := fixture(t)
	// As serve makes it: with the minimum group query applies by default.
	source := &dashboard.Source{Out: loctest.Parse(t, out), ManifestTTL: time.Nanosecond, MaxEntries: 2, MinGroup: jobs.DefaultMinGroup}
	srv := start(t, &dashboard.Server{Source: source, Options: dashboard.Options{RankPeople: true}})
	day := func(d int) string { return facts.Start.AddDate(0, 0, d).Format(time.DateOnly) }

	t.Run("same bytes as query", func(t *testing.T) {
		for _, tc := range []struct{ from, to, office string }{
			{day(0), day(10), ""}, {day(2), day(5), ""}, {day(3), day(10), "berlin"}, {day(9), day(10), "nyc"},
		} {
			path := "/api/v1/summary?from=" + tc.from + "&to=" + tc.to
			args := []string{"--out", out, "--from", tc.from, "--to", tc.to, "--format", "json"}
			if tc.office != "" {
				path += "&office=" + tc.office
				args = append(args, "--office", tc.office)
			}
			resp, body := get(t, srv, path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %s: %s", path, resp.Status, body)
			}
			if want := queryCLI(t, args...); !bytes.Equal(body, want) {
				t.Errorf("%s: %d bytes differ from wiretap query's %d", path, len(body), len(want))
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s: Content-Type %q", path, ct)
			}
		}
	})

	t.Run("cache bounded", func(t *testing.T) {
		if n := source.Len(); n > 2 {
			t.Errorf("cache holds %d answers, bound is 2", n)
		}
	})

	t.Run("etag and new manifest", func(t *testing.T) {
		path := "/api/v1/summary?from=" + day(0) + "&to=" + day(10)
		resp, body := get(t, srv, path)
		etag := resp.Header.Get("ETag")
		if !regexp.MustCompile(`^"[0-9a-f]+-[0-9a-f]+"$`).MatchString(etag) {
			t.Fatalf("ETag %q is not a strong quoted tag", etag)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-cache") {
			t.Errorf("Cache-Control %q", cc)
		}
		resp, again := get(t, srv, path, "If-None-Match", etag)
		if resp.StatusCode != http.StatusNotModified || len(again) != 0 {
			t.Errorf("If-None-Match with the current tag: %s, %d bytes; want 304 and none", resp.Status, len(again))
		}
		resp, _ = get(t, srv, path, "If-None-Match", `"other"`)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("If-None-Match with another tag: %s", resp.Status)
		}
		other, _ := get(t, srv, "/api/v1/summary?from="+day(0)+"&to="+day(9))
		if other.Header.Get("ETag") == etag {
			t.Error("another range has the same ETag")
		}
		// A new run publishes a new manifest: the same figures, a new tag,
		// without a restart.
		runOnce(t, src, roster, out, facts)
		resp, after := get(t, srv, path, "If-None-Match", etag)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("after a new publication: %s, want 200 with the new tag", resp.Status)
		}
		if resp.Header.Get("ETag") == etag {
			t.Error("the ETag did not change with the published manifest")
		}
		if !bytes.Equal(after, body) {
			t.Error("the same input published again gave other bytes")
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		for path, want := range map[string]int{
			"/api/v1/summary": http.StatusBadRequest,
			"/api/v1/summary?from=yesterday&to=" + day(1):                           http.StatusBadRequest,
			"/api/v1/summary?from=" + day(0) + "&to=" + day(30):                     http.StatusNotFound,
			"/api/v1/summary?from=" + day(0) + "&to=" + day(1) + "&office=atlantis": http.StatusNotFound,
			"/?from=" + day(5) + "&last=" + day(1):                                  http.StatusBadRequest,
			"/assets/../../etc/passwd":                                              http.StatusNotFound,
			"/nothing":                                                              http.StatusNotFound,
		} {
			if resp, body := get(t, srv, path); resp.StatusCode != want {
				t.Errorf("%s: %s (%s), want %d", path, resp.Status, bytes.TrimSpace(body), want)
			}
		}
	})

	t.Run("healthz", func(t *testing.T) {
		resp, body := get(t, srv, "/healthz")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "ok manifest ") {
			t.Errorf("healthz: %s %q", resp.Status, body)
		}
		empty := start(t, &dashboard.Server{Source: &dashboard.Source{Out: loctest.Parse(t, t.TempDir())}})
		if resp, _ := get(t, empty, "/healthz"); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("healthz without a manifest: %s, want 503", resp.Status)
		}
	})

	t.Run("page", func(t *testing.T) {
		resp, body := get(t, srv, "/?days=30")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page: %s: %s", resp.Status, body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); csp != dashboard.CSP || strings.Contains(csp, "unsafe") {
			t.Errorf("CSP %q", csp)
		}
		page := string(body)
		for _, bad := range []string{xssName, "<img", "<script>alert"} {
			if strings.Contains(page, bad) {
				t.Errorf("the page carries %q unescaped", bad)
			}
		}
		for _, want := range []string{"&lt;img src=x onerror=alert(1)&gt;", "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks the escaped %q", want)
			}
		}
		// The picker's form, as a browser without script sends it.
		resp, body = get(t, srv, "/?from="+day(2)+"&last="+day(4)+"&office=berlin")
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Office: berlin") ||
			!strings.Contains(string(body), "(3 days)") || !strings.Contains(string(body), `href="/api/v1/summary?from=`+day(2)+`&amp;office=berlin&amp;to=`+day(5)+`"`) {
			t.Errorf("the form's answer: %s", resp.Status)
		}
		if n := strings.Count(page, "<script"); n != 1 || !strings.Contains(page, `<script src="/assets/app.js" defer></script>`) {
			t.Errorf("want exactly our one external script, found %d script tags", n)
		}
	})
}

// TestPeopleOffByDefault checks that without RankPeople no person's name
// reaches the page.
func TestPeopleOffByDefault(t *testing.T) {
	out, _, _, _ := fixture(t)
	srv := start(t, &dashboard.Server{Source: &dashboard.Source{Out: loctest.Parse(t, out)}})
	_, body := get(t, srv, "/?days=90")
	page := string(body)
	if strings.Contains(page, "onerror=alert(1)") || strings.Contains(page, xssUser) {
		t.Error("a person appears on the page although rankings of people are off")
	}
	if !strings.Contains(page, `data-panel="people" data-state="off"`) {
		t.Error("the people panel does not say it is off")
	}
}

func TestAuth(t *testing.T) {
	out, _, _, _ := fixture(t)
	for _, tc := range []struct {
		name   string
		auth   dashboard.Auth
		header []string
		want   int
	}{
		{"token ok", dashboard.Auth{Token: "s3cret"}, []string{"Authorization", "Bearer s3cret"}, http.StatusOK},
		{"token wrong", dashboard.Auth{Token: "s3cret"}, []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
		{"token missing", dashboard.Auth{Token: "s3cret"}, nil, http.StatusUnauthorized},
		{"basic ok", dashboard.Auth{User: "office", Password: "pw"}, []string{"Authorization", "Basic b2ZmaWNlOnB3"}, http.StatusOK},
		{"basic wrong", dashboard.Auth{User: "office", Password: "pw"}, []string{"Authorization", "Basic b2ZmaWNlOng="}, http.StatusUnauthorized},
		{"none", dashboard.Auth{}, nil, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, &dashboard.Server{Source: &dashboard.Source{Out: loctest.Parse(t, out)}, Auth: tc.auth})
			resp, _ := get(t, srv, "/", tc.header...)
			if resp.StatusCode != tc.want {
				t.Errorf("%s, want %d", resp.Status, tc.want)
			}
			if resp, _ := get(t, srv, "/healthz"); resp.StatusCode != http.StatusOK {
				t.Errorf("healthz needs no credentials, got %s", resp.Status)
			}
		})
	}
	if s := (dashboard.Auth{Token: "s3cret"}).String(); strings.Contains(s, "s3cret") {
		t.Errorf("Auth formats its secret: %s", s)
	}
}

func TestServeRefusesOpenAddressWithoutAuth(t *testing.T) {
	var errs bytes.Buffer
	code := cli.Main(context.Background(), &cli.IO{Out: io.Discard, Err: &errs, Getenv: func(string) string { return "" }},
		[]string{"serve", "--out", t.TempDir(), "--addr", "0.0.0.0:0"})
	if code != cli.ExitUsage || !strings.Contains(errs.String(), "--auth") {
		t.Errorf("exit %d, %q; want a usage error naming --auth", code, errs.String())
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true,
		"0.0.0.0:8080": false, ":8080": false, "10.0.0.5:80": false, "garbage": false,
	} {
		if got := dashboard.IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestPermalink(t *testing.T) {
	for _, tc := range []struct{ domain, channel, ts, want string }{
		{"acme", "C2147483705", "1355517523.000005", "https://acme.slack.com/archives/C2147483705/p1355517523000005"},
		{"", "C2147483705", "1355517523.000005", ""},
		{"acme", "C1", "1355517523", ""},
		{"evil.com/x?", "C1", "1.2", ""},
		{"acme", `C1"><script>`, "1.2", ""},
		{"acme", "C1", "1.2x", ""},
	} {
		if got := dashboard.Permalink(tc.domain, tc.channel, tc.ts); got != tc.want {
			t.Errorf("Permalink(%q, %q, %q) = %q, want %q", tc.domain, tc.channel, tc.ts, got, tc.want)
		}
	}
	for _, tc := range []struct{ domain, channel, want string }{
		{"acme", "C2147483705", "https://acme.slack.com/archives/C2147483705"},
		{"", "C2147483705", ""},
		{"evil.com/x?", "C1", ""},
		{"acme", `C1"><script>`, ""},
	} {
		if got := dashboard.ChannelLink(tc.domain, tc.channel); got != tc.want {
			t.Errorf("ChannelLink(%q, %q) = %q, want %q", tc.domain, tc.channel, got, tc.want)
		}
	}
}

// TestReport checks that the report is one file: no script, no address
// outside it but Slack permalinks, and the hostile strings escaped.
func TestReport(t *testing.T) {
	out, facts, _, _ := fixture(t)
	file := filepath.Join(t.TempDir(), "week.html")
	var stdout, errs bytes.Buffer
	code := cli.Main(context.Background(), &cli.IO{Out: &stdout, Err: &errs, Getenv: func(string) string { return "" }}, []string{
		"report", "--out", out, "--from", facts.Start.Format(time.DateOnly), "--to", facts.End.Format(time.DateOnly),
		"--slack-domain", "acme", "--rank-people", "--html", file,
	})
	if code != cli.ExitOK {
		t.Fatalf("report: exit %d: %s", code, errs.String())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	urls := regexp.MustCompile(`https?://[^\s"'<>)]+`).FindAllString(page, -1)
	// Permalinks to messages, and to channels for the channels' figures.
	permalink := regexp.MustCompile(`^https://acme\.slack\.com/archives/C[0-9A-Z]+(/p[0-9]+)?$`)
	links := 0
	for _, u := range urls {
		switch {
		case permalink.MatchString(u):
			links++
		case u == "http://www.w3.org/2000/svg": // the SVG namespace names, it loads nothing
		default:
			t.Errorf("the report refers to %s", u)
		}
	}
	if links == 0 {
		t.Error("no Slack permalinks in the report although --slack-domain was given")
	}
	for _, bad := range []string{"<script", "<link", "<img", "@import", xssName} {
		if strings.Contains(page, bad) {
			t.Errorf("the report carries %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("the report lacks the hostile name, escaped")
	}
}

// TestListenAndServeShutdown checks that cancelling the context (what
// SIGINT and SIGTERM do) stops the server cleanly after it has served.
func TestListenAndServeShutdown(t *testing.T) {
	out, _, _, _ := fixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := make(chan string, 1)
	done := make(chan error, 1)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	srv := &dashboard.Server{Source: &dashboard.Source{Out: loctest.Parse(t, out)}, Logger: log}
	go func() {
		done <- dashboard.ListenAndServe(ctx, "127.0.0.1:0", srv.Handler(), log, 5*time.Second, func(a net.Addr) { addr <- a.String() })
	}()
	resp, err := http.Get("http://" + <-addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if !strings.Contains(logs.String(), "path=/healthz status=200") {
		t.Errorf("no access log line for the request: %s", logs.String())
	}
}
