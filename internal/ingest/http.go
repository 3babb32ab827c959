package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// EventsPath is the path Slack is pointed at.
const EventsPath = "/slack/events"

// NewHTTPHandler serves h over plain HTTP at POST /slack/events: 405 for
// other methods there, 404 elsewhere, 413 for a body over h.MaxBodyBytes
// (read no further than that).
func NewHTTPHandler(h *Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(EventsPath, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			h.c.badRequests.Add(1)
			w.Header().Set("Allow", http.MethodPost)
			write(w, respBadMethod)
			return
		}
		limit := h.MaxBodyBytes
		if limit <= 0 {
			limit = DefaultMaxBodyBytes
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(limit)))
		if err != nil {
			h.c.badRequests.Add(1)
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				h.log.Warn("ingest: request body too large", "limit", limit)
				write(w, respTooLarge)
				return
			}
			write(w, respBadRequest)
			return
		}
		write(w, h.Handle(r.Context(), Request{Method: r.Method, Headers: r.Header, Body: body}))
	})
	return mux
}

func write(w http.ResponseWriter, resp Response) {
	if resp.ContentType != "" {
		w.Header().Set("Content-Type", resp.ContentType)
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(resp.Status)
	_, _ = io.WriteString(w, resp.Body)
}

// ServeOptions configure the local ingest server.
type ServeOptions struct {
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:8080".
	Addr string
	// Listener, when set, is served instead of listening on Addr; tests
	// pass one on 127.0.0.1:0 to learn the port. Serve closes it.
	Listener net.Listener
	// Archive receives the objects, e.g. archive.Dir{Root: dir}.
	Archive archive.Putter
	// Prefix, Stream, FlushBytes and FlushInterval are as in ArchiveOptions.
	Prefix        string
	Stream        string
	FlushBytes    int
	FlushInterval time.Duration
	// SigningSecret and VerificationToken are the Slack app's; at least
	// one is required. They are never logged.
	SigningSecret     string
	VerificationToken string
	// ShutdownTimeout bounds the wait for requests in flight when ctx is
	// cancelled; zero means 10s. The buffer is flushed after it.
	ShutdownTimeout time.Duration
	// Logger; nil discards logs.
	Logger *slog.Logger
	// Now is the clock of the verifier and the sink; nil means time.Now.
	Now func() time.Time
}

// String redacts the secrets, so that printing the options leaks nothing.
func (o ServeOptions) String() string {
	return fmt.Sprintf("ServeOptions{Addr:%q Prefix:%q Stream:%q FlushBytes:%d FlushInterval:%s SigningSecret:%s VerificationToken:%s}",
		o.Addr, o.Prefix, o.Stream, o.FlushBytes, o.FlushInterval,
		redacted([]byte(o.SigningSecret)), redacted([]byte(o.VerificationToken)))
}

// GoString redacts the secrets for %#v too.
func (o ServeOptions) GoString() string { return o.String() }

// Serve runs the local ingest server: the Handler over HTTP at POST
// /slack/events, with an ArchiveSink that writes Firehose-style objects to
// opts.Archive. It returns when ctx is cancelled (the caller maps SIGINT and
// SIGTERM to that, e.g. with signal.NotifyContext) or the server fails.
//
// Shutdown is graceful and loses nothing that was acknowledged: the server
// stops accepting connections, waits for requests in flight (each has its
// record buffered before it answers 200), then flushes the buffer to the
// archive. A request still running after ShutdownTimeout finds the sink
// closed and answers 503, so Slack sends it again.
func Serve(ctx context.Context, opts ServeOptions) error {
	if opts.Archive == nil {
		return errors.New("ingest serve: no archive")
	}
	if opts.SigningSecret == "" && opts.VerificationToken == "" {
		return errors.New("ingest serve: no signing secret nor verification token: every request would be rejected")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln := opts.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", opts.Addr); err != nil {
			return fmt.Errorf("ingest serve: %w", err)
		}
	}
	sink := NewArchiveSink(opts.Archive, ArchiveOptions{
		Prefix: opts.Prefix, Stream: opts.Stream, FlushBytes: opts.FlushBytes,
		FlushInterval: opts.FlushInterval, Logger: log, Now: opts.Now,
	})
	v := NewVerifier(opts.SigningSecret, opts.VerificationToken)
	v.Now = opts.Now
	h := NewHandler(v, sink, log)
	srv := &http.Server{
		Handler:           NewHTTPHandler(h),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("ingest: listening", "addr", ln.Addr().String(), "path", EventsPath)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	timeout := opts.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("ingest: requests still in flight at shutdown", "err", err.Error())
		_ = srv.Close()
	}
	if serveErr == nil {
		serveErr = <-errc
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	// A fresh deadline: flushing must not lose the buffer because the
	// shutdown used up the first.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer fcancel()
	closeErr := sink.Close(fctx)
	st, as := h.Stats(), sink.Stats()
	log.Info("ingest: stopped", "accepted", st.Accepted, "rejected", st.Rejected,
		"unknown", st.Unknown, "invalid", st.Invalid, "bad_requests", st.BadRequests,
		"sink_errors", st.SinkErrors, "retries", st.Retries, "truncated", st.Truncated,
		"objects", as.Objects, "records_written", as.Records)
	return errors.Join(serveErr, closeErr)
}
