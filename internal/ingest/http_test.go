package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

func TestHTTPHandler(t *testing.T) {
	sink := &memSink{}
	h := newTestHandler(sink, "")
	srv := httptest.NewServer(NewHTTPHandler(h))
	defer srv.Close()
	body := []byte(`{"team_id":"T1","type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":"hi","ts":"1700000000.000100"}}`)
	post := func(path string, body []byte, sign bool) *http.Response {
		req, err := http.NewRequest("POST", srv.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if sign {
			req.Header.Set(HeaderTimestamp, strconv.FormatInt(testNow.Unix(), 10))
			req.Header.Set(HeaderSignature, Sign(testSecret, testNow.Unix(), body))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := post(EventsPath, body, true); resp.StatusCode != 200 {
		t.Fatalf("signed: %d", resp.StatusCode)
	}
	if resp := post(EventsPath, body, false); resp.StatusCode != 401 {
		t.Fatalf("unsigned: %d", resp.StatusCode)
	}
	if resp := post("/other", body, true); resp.StatusCode != 404 {
		t.Fatalf("other path: %d", resp.StatusCode)
	}
	big := bytes.Repeat([]byte("x"), DefaultMaxBodyBytes+1)
	if resp := post(EventsPath, big, true); resp.StatusCode != 413 {
		t.Fatalf("oversized: %d", resp.StatusCode)
	}
	resp, err := http.Get(srv.URL + EventsPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET: %d Allow=%q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	// url_verification over HTTP answers the challenge as plain text.
	ch := []byte(`{"token":"x","challenge":"abc123","type":"url_verification"}`)
	req, _ := http.NewRequest("POST", srv.URL+EventsPath, bytes.NewReader(ch))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(testNow.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(testSecret, testNow.Unix(), ch))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != "abc123" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("challenge: %d %q %q", resp.StatusCode, got, resp.Header.Get("Content-Type"))
	}
	if n := len(sink.records()); n != 1 {
		t.Errorf("%d records", n)
	}
}

// startServe runs Serve on a loopback listener and returns its URL, a
// cancel function and a channel with Serve's result.
func startServe(t testing.TB, opts ServeOptions) (url string, cancel func(), done <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts.Listener = ln
	ctx, cancelCtx := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- Serve(ctx, opts) }()
	return "http://" + ln.Addr().String() + EventsPath, cancelCtx, errc
}

// postSigned sends message i as a signed Events API request at the real
// clock.
func postSigned(client *http.Client, url, secret string, i int) (int, error) {
	m := testMessage(i)
	body := fmt.Appendf(nil, `{"token":"x","team_id":%q,"type":"event_callback","event_id":%q,"event_time":1700000000,`+
		`"event":{"type":"message","channel":%q,"user":%q,"text":%q,"ts":%q,"event_ts":%q}}`,
		m.Team, m.EventID, m.ChannelID, m.UserID, m.Text, m.TS, m.TS)
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	now := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now, 10))
	req.Header.Set(HeaderSignature, Sign(secret, now, body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestServeWritesArchive sends signed requests to the local server, stops
// it, and reads back from the archive exactly the messages sent, decoded by
// the batch side's Decoder.
func TestServeWritesArchive(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	url, cancel, done := startServe(t, ServeOptions{
		Archive: dir, SigningSecret: testSecret, FlushInterval: time.Hour,
	})
	const n = 60
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				status, err := postSigned(http.DefaultClient, url, testSecret, i)
				if err != nil || status != 200 {
					t.Errorf("request %d: %d %v", i, status, err)
				}
			}
		})
	}
	wg.Wait()
	// Unsigned and wrongly signed requests leave no trace.
	if status, _ := postSigned(http.DefaultClient, url, "wrong", 1000); status != 401 {
		t.Errorf("wrong secret: %d", status)
	}
	if keys, _ := readArchive(t, dir, ""); len(keys) != 0 {
		t.Fatalf("wrote %v before shutdown with an hour's interval", keys)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	keys, msgs := readArchive(t, dir, "")
	if len(keys) != 1 {
		t.Errorf("keys %v, want one object", keys)
	}
	checkMessages(t, msgs, seq(0, n))
	for _, m := range msgs {
		var i int
		fmt.Sscanf(m.TS, "1700000000.%06d", &i)
		if want := testMessage(i); m != want {
			t.Errorf("decoded %+v, want %+v", m, want)
		}
	}
}

// TestServeShutdownLosesNothingAcknowledged cancels the server while
// clients are sending: every request answered 200 must be in the archive.
func TestServeShutdownLosesNothingAcknowledged(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	url, cancel, done := startServe(t, ServeOptions{
		Archive: dir, SigningSecret: testSecret, FlushInterval: 20 * time.Millisecond, FlushBytes: 2 << 10,
	})
	var (
		mu    sync.Mutex
		acked []int
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 5 * time.Second}
	for range 6 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				status, err := postSigned(client, url, testSecret, i)
				if err != nil {
					return // the server is gone
				}
				if status == 200 {
					mu.Lock()
					acked = append(acked, i)
					mu.Unlock()
				}
			}
		})
	}
	waitFor(t, "some acknowledged requests", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 100
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	_, msgs := readArchive(t, dir, "")
	got := map[string]bool{}
	for _, m := range msgs {
		got[m.TS] = true
	}
	for _, i := range acked {
		if m := testMessage(i); !got[m.TS] {
			t.Fatalf("message %d was acknowledged but is not in the archive", i)
		}
	}
	if len(msgs) != len(got) {
		t.Errorf("%d records for %d messages: a request was written twice", len(msgs), len(got))
	}
	t.Logf("%d acknowledged, %d in the archive", len(acked), len(msgs))
}

func TestServeOptionsErrors(t *testing.T) {
	ctx := context.Background()
	if err := Serve(ctx, ServeOptions{SigningSecret: "s"}); err == nil {
		t.Error("no archive: no error")
	}
	if err := Serve(ctx, ServeOptions{Archive: archive.Dir{Root: t.TempDir()}}); err == nil {
		t.Error("no secret: no error")
	}
	if err := Serve(ctx, ServeOptions{Archive: archive.Dir{Root: t.TempDir()}, SigningSecret: "s", Addr: "256.0.0.1:x"}); err == nil {
		t.Error("bad address: no error")
	}
}

// TestServeLogs checks that the server's own log lines carry no secret.
func TestServeLogs(t *testing.T) {
	var logs syncBuffer
	dir := archive.Dir{Root: t.TempDir()}
	url, cancel, done := startServe(t, ServeOptions{
		Archive: dir, SigningSecret: testSecret, VerificationToken: testToken,
		Logger: newTextLogger(&logs),
	})
	if status, err := postSigned(http.DefaultClient, url, testSecret, 1); err != nil || status != 200 {
		t.Fatalf("%d %v", status, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "listening") || !strings.Contains(out, "wrote archive object") {
		t.Errorf("logs:\n%s", out)
	}
	m := testMessage(1)
	for _, s := range []string{testSecret, testToken, m.Text} {
		if strings.Contains(out, s) {
			t.Errorf("logs contain %q", s)
		}
	}
}
