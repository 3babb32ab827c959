package dashboard

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// CSP is the Content-Security-Policy of every answer: our own script and
// style sheet only, no inline script, nothing from elsewhere.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Auth is what a request must carry when the server is reachable from
// elsewhere than this machine: a bearer token, or basic-auth credentials.
// The zero value lets every request in.
type Auth struct {
	Token    string
	User     string
	Password string
}

// Enabled reports whether credentials are configured.
func (a Auth) Enabled() bool { return a.Token != "" || a.User != "" }

// String redacts the secrets.
func (a Auth) String() string {
	if !a.Enabled() {
		return "Auth{none}"
	}
	return "Auth{[redacted]}"
}

func (a Auth) allows(r *http.Request) bool {
	if !a.Enabled() {
		return true
	}
	eq := func(x, y string) bool {
		hx, hy := sha256.Sum256([]byte(x)), sha256.Sum256([]byte(y))
		return subtle.ConstantTimeCompare(hx[:], hy[:]) == 1
	}
	if a.Token != "" {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && eq(tok, a.Token) {
			return true
		}
	}
	if a.User != "" {
		if u, p, ok := r.BasicAuth(); ok && eq(u, a.User) && eq(p, a.Password) {
			return true
		}
	}
	return false
}

// Server is `wiretap serve`: the dashboard, its JSON feed, health, and the
// slash command.
type Server struct {
	Source  *Source
	Options Options
	Auth    Auth
	Logger  *slog.Logger
	// Slash answers POST /slack/commands; nil leaves the path unrouted.
	Slash http.Handler
}

// Handler returns the server's routes wrapped in security headers, access
// logs and authentication.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("GET /api/v1/summary", s.summary)
	mux.HandleFunc("GET /healthz", s.health)
	mux.HandleFunc("GET /assets/{name}", s.asset)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/assets/icon.svg", http.StatusMovedPermanently)
	})
	if s.Slash != nil {
		mux.Handle("POST /slack/commands", s.Slash)
	}
	return s.logged(s.secured(mux))
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// logged writes one access log line per request. Query strings are left
// out: they may name an office, which is fine, but Slack's form bodies
// never reach the log either way.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.logger().Info("http", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "ms", float64(time.Since(start).Microseconds())/1000)
	})
}

func (s *Server) secured(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		// Slack authenticates with its signature, health checks need none.
		if r.URL.Path != "/healthz" && r.URL.Path != "/slack/commands" && !s.Auth.allows(r) {
			if s.Auth.User != "" {
				h.Set("WWW-Authenticate", `Basic realm="wiretap", charset="UTF-8"`)
			} else {
				h.Set("WWW-Authenticate", `Bearer realm="wiretap"`)
			}
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	v, err := s.Source.Version(r.Context())
	if err != nil {
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "ok manifest %s\n", v)
}

func (s *Server) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	types := map[string]string{"style.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8", "icon.svg": "image/svg+xml"}
	ct, ok := types[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	data, err := assets.ReadFile("assets/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(data)
}

// parseDay parses a YYYY-MM-DD day.
func parseDay(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a day (want YYYY-MM-DD)", s)
	}
	return t, nil
}

func (s *Server) summary(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("from") == "" || q.Get("to") == "" {
		http.Error(w, "from and to are required (YYYY-MM-DD, to is the day after the last)", http.StatusBadRequest)
		return
	}
	from, err := parseDay(q.Get("from"))
	if err == nil {
		var to time.Time
		if to, err = parseDay(q.Get("to")); err == nil {
			s.answerJSON(w, r, Query{From: from, To: to, Office: q.Get("office")})
			return
		}
	}
	http.Error(w, err.Error(), http.StatusBadRequest)
}

func (s *Server) answerJSON(w http.ResponseWriter, r *http.Request, q Query) {
	a, err := s.Source.Answer(r.Context(), q)
	if err != nil {
		s.fail(w, err)
		return
	}
	h := w.Header()
	h.Set("ETag", a.ETag)
	// Revalidate every time: the answer changes when a run publishes, and
	// a 304 costs nothing.
	h.Set("Cache-Control", "private, no-cache")
	if etagMatch(r.Header.Get("If-None-Match"), a.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(a.JSON)))
	_, _ = w.Write(a.JSON)
}

// etagMatch implements If-None-Match's list and "*".
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotPublished):
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	case errors.Is(err, jobs.ErrMissingDay), strings.Contains(err.Error(), "has no messages in the range"):
		// Missing days and unknown offices: the error says which, in
		// words a user can act on.
		http.Error(w, err.Error(), http.StatusNotFound)
	case strings.Contains(err.Error(), "query range"):
		http.Error(w, err.Error(), http.StatusBadRequest)
	default:
		s.logger().Error("dashboard: answer failed", "err", err.Error())
		http.Error(w, "the summary could not be computed; see the server's log", http.StatusInternalServerError)
	}
}

// Presets are the range picker's quick choices, in days.
var presets = []int{7, 30, 90}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	covered, err := s.Source.Covered(ctx)
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(covered) == 0 {
		http.Error(w, "the outputs have no daily partitions yet", http.StatusServiceUnavailable)
		return
	}
	q, err := pageQuery(r.URL.Query(), covered)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a, err := s.Source.Answer(ctx, q)
	if err != nil {
		s.fail(w, err)
		return
	}
	p := Build(a.Summary, a.Series, q.Office, s.Options)
	s.pickers(ctx, p, q, covered)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-cache")
	if err := Render(w, p); err != nil {
		s.logger().Error("dashboard: render", "err", err.Error())
	}
}

// pageQuery reads the page's parameters: from and last (inclusive) or to
// (exclusive), or days (the last N covered days), and office. By default,
// the last 7 days that have partitions.
func pageQuery(v url.Values, covered []aggregate.Day) (Query, error) {
	last := covered[len(covered)-1]
	q := Query{Office: v.Get("office")}
	days := 7
	if d := v.Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 3660 {
			return q, fmt.Errorf("days=%q: want a number of days", d)
		}
		days = n
	}
	first := max(covered[0], last-aggregate.Day(days-1))
	q.From, q.To = first.Start(), last.End()
	if f := v.Get("from"); f != "" {
		t, err := parseDay(f)
		if err != nil {
			return q, err
		}
		q.From = t
	}
	if l := v.Get("last"); l != "" {
		t, err := parseDay(l)
		if err != nil {
			return q, err
		}
		q.To = t.AddDate(0, 0, 1)
	} else if to := v.Get("to"); to != "" {
		t, err := parseDay(to)
		if err != nil {
			return q, err
		}
		q.To = t
	}
	if !q.To.After(q.From) {
		return q, errors.New("the range is empty: the last day is before the first")
	}
	return q, nil
}

func (s *Server) pickers(ctx context.Context, p *Page, q Query, covered []aggregate.Day) {
	first, last := covered[0], covered[len(covered)-1]
	p.CoveredMin, p.CoveredMax = first.String(), last.String()
	link := func(v url.Values) string { return "/?" + v.Encode() }
	for _, n := range presets {
		from := max(first, last-aggregate.Day(n-1))
		v := url.Values{"days": {strconv.Itoa(n)}}
		if q.Office != "" {
			v.Set("office", q.Office)
		}
		p.Ranges = append(p.Ranges, Choice{Label: fmt.Sprintf("last %d days", n), Href: link(v),
			Selected: q.From.Equal(from.Start()) && q.To.Equal(last.End())})
	}
	all := url.Values{"days": {strconv.Itoa(int(last - first + 1))}}
	if q.Office != "" {
		all.Set("office", q.Office)
	}
	p.Ranges = append(p.Ranges, Choice{Label: "everything", Href: link(all),
		Selected: q.From.Equal(first.Start()) && q.To.Equal(last.End())})
	// Offices: those of the whole covered range's latest answer for this
	// range without an office filter, so the list does not shrink to one.
	p.Offices = []Choice{{Label: "All offices", Value: "", Selected: q.Office == ""}}
	if whole, err := s.Source.Answer(ctx, Query{From: q.From, To: q.To}); err == nil {
		for _, o := range whole.Summary.Offices {
			p.Offices = append(p.Offices, Choice{Label: o.Office, Value: o.Office, Selected: o.Office == q.Office})
		}
	}
	api := url.Values{"from": {q.From.Format(time.DateOnly)}, "to": {q.To.Format(time.DateOnly)}}
	if q.Office != "" {
		api.Set("office", q.Office)
	}
	p.APIHref = "/api/v1/summary?" + api.Encode()
}

// ListenAndServe serves h on addr until ctx is cancelled, then shuts down
// gracefully, giving requests in flight up to grace to finish. ready, when
// not nil, receives the bound address.
func ListenAndServe(ctx context.Context, addr string, h http.Handler, log *slog.Logger, grace time.Duration, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	log.Info("serve: stopped")
	return nil
}

// IsLoopback reports whether addr (host:port) listens on this machine only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
