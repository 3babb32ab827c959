package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wiretap-hq/wiretap/schema"
)

// slackTestdata is shared with package schema: the same bodies, the same
// goldens of canonical NDJSON.
const slackTestdata = "../../schema/testdata/slack"

// TestHandleGolden sends every Slack body of the schema testdata through
// the Handler, signed (Events API) or with the token (outgoing webhooks),
// and checks the answer and the record put on the sink against the golden.
func TestHandleGolden(t *testing.T) {
	// What the handler answers for the bodies that are not messages.
	special := map[string]struct {
		status  int
		body    string
		counter func(Stats) int64
	}{
		"url_verification.json":   {200, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", func(s Stats) int64 { return s.Challenges }},
		"unknown_event_type.json": {200, "", func(s Stats) int64 { return s.Unknown }},
		"app_rate_limited.json":   {200, "", func(s Stats) int64 { return s.Unknown }},
		"missing_ts.json":         {200, "", func(s Stats) int64 { return s.Invalid }},
		"webhook_missing_ts.form": {200, "", func(s Stats) int64 { return s.Invalid }},
		"webhook_bad_utf8.form":   {200, "", func(s Stats) int64 { return s.Invalid }},
		"malformed.json":          {400, "bad request\n", func(s Stats) int64 { return s.BadRequests }},
		"canonical_record.json":   {400, "bad request\n", func(s Stats) int64 { return s.BadRequests }},
	}
	var files []string
	for _, pat := range []string{"*.json", "*.form"} {
		f, err := filepath.Glob(filepath.Join(slackTestdata, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d files in %s", len(files), slackTestdata)
	}
	seen := 0
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sink := &memSink{}
			h := newTestHandler(sink, testToken)
			var req Request
			if strings.HasSuffix(name, ".form") {
				// Outgoing webhooks are not signed: the token vouches.
				req = Request{Method: "POST", Headers: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: body}
			} else {
				req = signed(testSecret, testNow, "application/json; charset=utf-8", body)
			}
			resp := h.Handle(context.Background(), req)
			if sp, ok := special[name]; ok {
				seen++
				if resp.Status != sp.status || resp.Body != sp.body {
					t.Fatalf("answer = %d %q, want %d %q", resp.Status, resp.Body, sp.status, sp.body)
				}
				if n := sp.counter(h.Stats()); n != 1 {
					t.Errorf("counter = %d, want 1; stats %+v", n, h.Stats())
				}
				if len(sink.records()) != 0 {
					t.Errorf("put %d records, want none", len(sink.records()))
				}
				return
			}
			if resp.Status != 200 || resp.Body != "" {
				t.Fatalf("answer = %d %q, want 200 and an empty body", resp.Status, resp.Body)
			}
			want, err := os.ReadFile(strings.TrimSuffix(file, filepath.Ext(file)) + ".golden")
			if err != nil {
				t.Fatal(err)
			}
			recs := sink.records()
			if len(recs) != 1 || !bytes.Equal(recs[0], want) {
				t.Fatalf("records = %q, want [%q]", recs, want)
			}
			if bytes.Contains(recs[0], []byte(testToken)) {
				t.Errorf("the token reached the record")
			}
			if st := h.Stats(); st.Accepted != 1 {
				t.Errorf("stats %+v, want Accepted 1", st)
			}
		})
	}
	if seen != len(special) {
		t.Errorf("saw %d of the %d special files", seen, len(special))
	}
}

func TestHandleRequests(t *testing.T) {
	msg := []byte(`{"token":"x","team_id":"T1","type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":"hi","ts":"1700000000.000100"}}`)
	form := []byte("token=" + testToken + "&team_id=T1&channel_id=C1&user_id=U1&timestamp=1700000000.000100&text=hi")
	jsonType := "application/json"
	formType := "application/x-www-form-urlencoded"
	unsigned := func(ct string, body []byte) Request {
		return Request{Method: "POST", Headers: http.Header{"Content-Type": {ct}}, Body: body}
	}
	withHeader := func(r Request, k, v string) Request {
		r.Headers = r.Headers.Clone()
		r.Headers.Set(k, v)
		return r
	}
	tampered := signed(testSecret, testNow, jsonType, msg)
	tampered.Body = bytes.Replace(msg, []byte(`"hi"`), []byte(`"ho"`), 1)
	tests := []struct {
		name   string
		token  string // configured verification token
		req    Request
		status int
		puts   int
	}{
		{"signed", "", signed(testSecret, testNow, jsonType, msg), 200, 1},
		{"unsigned json", "", unsigned(jsonType, msg), 401, 0},
		{"stale", "", signed(testSecret, testNow.Add(-6*time.Minute), jsonType, msg), 401, 0},
		{"future", "", signed(testSecret, testNow.Add(6*time.Minute), jsonType, msg), 401, 0},
		{"replayed an hour later", "", signed(testSecret, testNow.Add(-time.Hour), jsonType, msg), 401, 0},
		{"tampered body", "", tampered, 401, 0},
		{"wrong secret", "", signed("wrong-secret", testNow, jsonType, msg), 401, 0},
		{"malformed signature header", "", withHeader(signed(testSecret, testNow, jsonType, msg), HeaderSignature, "v0=xyz"), 401, 0},
		{"signature without timestamp", "", Request{Method: "POST", Headers: http.Header{"Content-Type": {jsonType}, HeaderSignature: {"v0=00"}}, Body: msg}, 401, 0},
		{"retry", "", withHeader(withHeader(signed(testSecret, testNow, jsonType, msg), HeaderRetryNum, "1"), HeaderRetryReason, "http_timeout"), 200, 1},
		{"oversized body", "", signed(testSecret, testNow, jsonType, bytes.Repeat([]byte(" "), DefaultMaxBodyBytes+1)), 413, 0},
		{"GET", "", func() Request { r := signed(testSecret, testNow, jsonType, msg); r.Method = "GET"; return r }(), 405, 0},
		{"no method is POST", "", func() Request { r := signed(testSecret, testNow, jsonType, msg); r.Method = ""; return r }(), 200, 1},
		{"text/plain", "", signed(testSecret, testNow, "text/plain", msg), 415, 0},
		{"no content type", "", signed(testSecret, testNow, "", msg), 415, 0},
		{"bad content type", "", signed(testSecret, testNow, "application/json; =", msg), 415, 0},
		{"not json", "", signed(testSecret, testNow, jsonType, []byte("hello")), 400, 0},
		{"json array", "", signed(testSecret, testNow, jsonType, []byte("[]")), 400, 0},
		{"webhook with token", testToken, unsigned(formType, form), 200, 1},
		{"webhook with wrong token", testToken, unsigned(formType, bytes.Replace(form, []byte(testToken), []byte("nope"), 1)), 401, 0},
		{"webhook without token", testToken, unsigned(formType, form[len("token="+testToken+"&"):]), 401, 0},
		{"webhook, no token configured, unsigned", "", unsigned(formType, form), 401, 0},
		{"webhook, no token configured, signed", "", signed(testSecret, testNow, formType, form), 200, 1},
		{"webhook with token, bad signature", testToken, withHeader(signed(testSecret, testNow, formType, form), HeaderSignature, "v0="+strings.Repeat("0", 64)), 401, 0},
		{"webhook malformed form", testToken, unsigned(formType, []byte("token=%zz")), 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &memSink{}
			h := newTestHandler(sink, tt.token)
			resp := h.Handle(context.Background(), tt.req)
			if resp.Status != tt.status {
				t.Fatalf("status = %d (%q), want %d", resp.Status, resp.Body, tt.status)
			}
			if resp.Status == 401 && resp.Body != "unauthorized\n" {
				t.Errorf("401 body = %q: no detail wanted", resp.Body)
			}
			if n := len(sink.records()); n != tt.puts {
				t.Errorf("put %d records, want %d", n, tt.puts)
			}
			st := h.Stats()
			if resp.Status == 401 && st.Rejected != 1 {
				t.Errorf("stats %+v, want Rejected 1", st)
			}
			if tt.req.Headers.Get(HeaderRetryNum) != "" && st.Retries != 1 {
				t.Errorf("stats %+v, want Retries 1", st)
			}
			if total := st.Accepted + st.Challenges + st.Unknown + st.Invalid + st.Dropped +
				st.Rejected + st.BadRequests + st.SinkErrors; total != 1 {
				t.Errorf("stats %+v count %d outcomes, want 1", st, total)
			}
		})
	}
}

// TestHandleRetryIsAcceptedAgain checks that a retried event is put again:
// deduplication by event id is the batch side's.
func TestHandleRetryIsAcceptedAgain(t *testing.T) {
	body := []byte(`{"team_id":"T1","type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":"hi","ts":"1700000000.000100"}}`)
	sink := &memSink{}
	h := newTestHandler(sink, "")
	for i := range 4 {
		req := signed(testSecret, testNow.Add(time.Duration(i)*time.Minute-2*time.Minute), "application/json", body)
		if i > 0 {
			req.Headers.Set(HeaderRetryNum, strconv.Itoa(i))
			req.Headers.Set(HeaderRetryReason, "http_timeout")
		}
		if resp := h.Handle(context.Background(), req); resp.Status != 200 {
			t.Fatalf("delivery %d: status %d", i, resp.Status)
		}
	}
	recs := sink.records()
	if len(recs) != 4 {
		t.Fatalf("put %d records, want 4", len(recs))
	}
	keys := map[[16]byte]bool{}
	for _, r := range recs {
		m, err := schema.Decode(r)
		if err != nil {
			t.Fatal(err)
		}
		k, ok := m.EventKey()
		if !ok {
			t.Fatal("record without event id")
		}
		keys[k] = true
	}
	if len(keys) != 1 {
		t.Errorf("%d distinct event keys, want 1", len(keys))
	}
	if st := h.Stats(); st.Retries != 3 || st.Accepted != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestHandleSinkError(t *testing.T) {
	sink := &memSink{err: errors.New("firehose: throttled")}
	h := newTestHandler(sink, "")
	resp := h.Handle(context.Background(), signedJSON(`{"team_id":"T1","type":"event_callback","event":{"type":"message","channel":"C1","ts":"1700000000.000100"}}`))
	if resp.Status != 503 {
		t.Fatalf("status = %d, want 503 so that Slack retries", resp.Status)
	}
	if st := h.Stats(); st.SinkErrors != 1 || st.Accepted != 0 {
		t.Errorf("stats %+v", st)
	}
}

// slowSink blocks until its context ends.
type slowSink struct{}

func (slowSink) Put(ctx context.Context, _ [][]byte) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestHandlePutTimeout(t *testing.T) {
	h := newTestHandler(slowSink{}, "")
	h.PutTimeout = 20 * time.Millisecond
	start := time.Now()
	resp := h.Handle(context.Background(), signedJSON(`{"team_id":"T1","type":"event_callback","event":{"type":"message","channel":"C1","ts":"1700000000.000100"}}`))
	if resp.Status != 503 {
		t.Fatalf("status = %d, want 503", resp.Status)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("answered after %v", d)
	}
}

// eventWithText is a message event whose text is text, JSON-escaped.
func eventWithText(text string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"team_id":"T1","type":"event_callback","event_id":"Ev9","event":{"type":"message","channel":"C1","user":"U1","ts":"1700000000.000100","text":`)
	q, _ := json.Marshal(text)
	b.Write(q)
	b.WriteString(`}}`)
	return b.Bytes()
}

func TestHandleOversizeRecord(t *testing.T) {
	t.Run("real limit", func(t *testing.T) {
		// A text just over 1,000 KiB still fits the request limit.
		text := strings.Repeat("é", MaxRecordBytes/2+100) // 2 bytes each
		sink := &memSink{}
		h := newTestHandler(sink, "")
		body := eventWithText(text)
		if len(body) > DefaultMaxBodyBytes {
			t.Fatalf("test body %d bytes is over the request limit", len(body))
		}
		if resp := h.Handle(context.Background(), signed(testSecret, testNow, "application/json", body)); resp.Status != 200 {
			t.Fatalf("status %d", resp.Status)
		}
		recs := sink.records()
		if len(recs) != 1 {
			t.Fatalf("put %d records", len(recs))
		}
		if len(recs[0]) > MaxRecordBytes {
			t.Fatalf("record is %d bytes, over %d", len(recs[0]), MaxRecordBytes)
		}
		m, err := schema.Decode(recs[0])
		if err != nil {
			t.Fatal(err)
		}
		kept, ok := strings.CutSuffix(m.Text, TruncationMarker)
		if !ok || !strings.HasPrefix(text, kept) || !utf8.ValidString(kept) {
			t.Fatalf("text not a marked prefix of the original (len %d)", len(m.Text))
		}
		if len(recs[0]) < MaxRecordBytes-8 {
			t.Errorf("record is %d bytes: cut more than needed", len(recs[0]))
		}
		if st := h.Stats(); st.Truncated != 1 || st.Accepted != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	tests := []struct {
		name      string
		text      string
		limit     int
		truncated bool
		dropped   bool
	}{
		{"fits", strings.Repeat("a", 100), 400, false, false},
		{"ascii", strings.Repeat("a", 1000), 400, true, false},
		{"multibyte", strings.Repeat("日本語", 300), 400, true, false},
		{"emoji", strings.Repeat("👋🏽", 300), 400, true, false},
		{"escapes", strings.Repeat("\x01\"\\", 300), 400, true, false},
		{"mixed", strings.Repeat("a\x01é👋", 300), 400, true, false},
		{"no room even for the marker", strings.Repeat("a", 1000), 120, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &memSink{}
			h := newTestHandler(sink, "")
			h.MaxRecordBytes = tt.limit
			if resp := h.Handle(context.Background(), signed(testSecret, testNow, "application/json", eventWithText(tt.text))); resp.Status != 200 {
				t.Fatalf("status %d", resp.Status)
			}
			st := h.Stats()
			if (st.Truncated == 1) != tt.truncated || (st.Dropped == 1) != tt.dropped {
				t.Fatalf("stats %+v", st)
			}
			recs := sink.records()
			if tt.dropped {
				if len(recs) != 0 {
					t.Fatalf("put %d records, want none", len(recs))
				}
				return
			}
			if len(recs) != 1 || len(recs[0]) > tt.limit {
				t.Fatalf("records %q over %d bytes", recs, tt.limit)
			}
			m, err := schema.Decode(recs[0])
			if err != nil {
				t.Fatal(err)
			}
			if !tt.truncated {
				if m.Text != tt.text {
					t.Fatalf("text changed")
				}
				return
			}
			kept, ok := strings.CutSuffix(m.Text, TruncationMarker)
			if !ok || !strings.HasPrefix(tt.text, kept) || !utf8.ValidString(kept) || kept == "" {
				t.Fatalf("text %q is not a marked, non-empty prefix", m.Text)
			}
		})
	}
}

// TestHandleNeverLogsSecrets runs every kind of request with a debug
// logger and checks that the logs hold no secret, no token and no text of
// any body.
func TestHandleNeverLogsSecrets(t *testing.T) {
	// In every body, never in a log. Slack ids (team, channel, event id,
	// type) are logged by design; a value that is not shaped like one is
	// not, so the text has spaces.
	const bodyText = "Attack at dawn 3f9c"
	formText := url.QueryEscape(bodyText)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, sinkErr := range []error{nil, errors.New("boom")} {
		sink := &memSink{err: sinkErr}
		v := NewVerifier(testSecret, testToken)
		v.Now = fixedClock
		h := NewHandler(v, sink, logger)
		h.MaxRecordBytes = 300
		ev := func(s string) string {
			return `{"token":"` + testToken + `","team_id":"T1","type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","ts":"1700000000.000100","text":"` + s + `"}}`
		}
		bodies := []struct {
			ct, body string
		}{
			{"application/json", ev(bodyText)},
			{"application/json", ev(bodyText + strings.Repeat("x", 400))}, // truncated
			{"application/json", `{"type":"url_verification","token":"` + testToken + `","challenge":"` + bodyText + `"}`},
			{"application/json", `{"type":"event_callback","token":"` + testToken + `","event_id":"` + bodyText + `","event":{"type":"` + bodyText + `"}}`},
			{"application/json", `{"type":"event_callback","team_id":"T1","event":{"type":"message","channel":"C1","ts":"` + bodyText + `"}}`},
			{"application/json", `{"type":"event_callback","text":"` + bodyText + `"`}, // malformed
			{"application/json", `["` + bodyText + `"]`},
			{"application/x-www-form-urlencoded", "token=" + testToken + "&team_id=T1&channel_id=C1&timestamp=1700000000.000100&text=" + bodyText},
			{"application/x-www-form-urlencoded", "token=" + testToken + "&team_id=" + formText + "&channel_id=C1&text=" + formText},
			{"application/x-www-form-urlencoded", "token=" + testToken + "x&text=" + formText},
			{"text/plain", bodyText},
		}
		for _, b := range bodies {
			for _, secret := range []string{testSecret, "wrong"} {
				req := signed(secret, testNow, b.ct, []byte(b.body))
				req.Headers.Set(HeaderRetryNum, "1")
				req.Headers.Set(HeaderRetryReason, bodyText)
				h.Handle(context.Background(), req)
			}
			h.Handle(context.Background(), Request{Headers: http.Header{"Content-Type": {b.ct}}, Body: []byte(b.body)})
		}
	}
	out := logs.String()
	if len(out) == 0 {
		t.Fatal("nothing was logged")
	}
	for _, s := range []string{testSecret, testToken, bodyText, formText, "dawn"} {
		if strings.Contains(out, s) {
			t.Errorf("logs contain %q:\n%s", s, out)
		}
	}
}

// FuzzHandleBody checks that no body, content type or retry header makes
// the Handler panic or answer 5xx (the sink never fails here), and that a
// 200 with a record always carries a record the batch side decodes.
func FuzzHandleBody(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(slackTestdata, "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("application/json", b, true)
	}
	forms, _ := filepath.Glob(filepath.Join(slackTestdata, "*.form"))
	for _, file := range forms {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("application/x-www-form-urlencoded", b, false)
	}
	f.Add("text/plain", []byte("x"), true)
	f.Add("application/json; charset=utf-8", []byte(`{"type":"url_verification","challenge":"c"}`), true)
	f.Add("multipart/form-data; boundary=x", []byte("--x--"), true)
	f.Fuzz(func(t *testing.T, ct string, body []byte, sign bool) {
		sink := &memSink{}
		h := newTestHandler(sink, testToken)
		h.MaxRecordBytes = 512
		var req Request
		if sign {
			req = signed(testSecret, testNow, ct, body)
		} else {
			req = Request{Headers: http.Header{"Content-Type": {ct}}, Body: body}
		}
		resp := h.Handle(context.Background(), req)
		if resp.Status >= 500 || resp.Status < 200 {
			t.Fatalf("status %d", resp.Status)
		}
		for _, r := range sink.records() {
			if len(r) > 512 || r[len(r)-1] != '\n' {
				t.Fatalf("bad record %q", r)
			}
			if _, err := schema.Decode(r); err != nil {
				t.Fatalf("record %q does not decode: %v", r, err)
			}
		}
	})
}
