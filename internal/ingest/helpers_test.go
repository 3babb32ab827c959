package ingest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

const (
	testSecret = "8f742231b10e8888abcd99yyyzzz85a5" // Slack's documented example secret
	testToken  = "SECRET-TOKEN-Zz9wq"               // the token in schema/testdata/slack
)

// testNow is the clock of every test that signs requests.
var testNow = time.Unix(1700000000, 0)

func fixedClock() time.Time { return testNow }

// signed returns a request for body signed with secret at time at.
func signed(secret string, at time.Time, contentType string, body []byte) Request {
	ts := at.Unix()
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(secret, ts, body))
	return Request{Method: http.MethodPost, Headers: h, Body: body}
}

func signedJSON(body string) Request {
	return signed(testSecret, testNow, "application/json", []byte(body))
}

// memSink records what it is given; err, when set, fails every Put.
type memSink struct {
	mu   sync.Mutex
	recs [][]byte
	err  error
}

func (s *memSink) Put(ctx context.Context, records [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	for _, r := range records {
		s.recs = append(s.recs, bytes.Clone(r))
	}
	return nil
}

func (s *memSink) records() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recs
}

func newTestHandler(sink Sink, token string) *Handler {
	v := NewVerifier(testSecret, token)
	v.Now = fixedClock
	return NewHandler(v, sink, nil)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers, for logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
