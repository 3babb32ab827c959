package slackverify

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSignSlackExample checks Sign against the worked example in Slack's
// request-signing documentation.
func TestSignSlackExample(t *testing.T) {
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	const want = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	if got := Sign(testSecret, 1531420618, []byte(body)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	v := NewVerifier(testSecret, "")
	v.Now = func() time.Time { return time.Unix(1531420618+30, 0) }
	h := http.Header{}
	h.Set(HeaderTimestamp, "1531420618")
	h.Set(HeaderSignature, want)
	if err := v.VerifySignature(h, []byte(body)); err != nil {
		t.Fatalf("VerifySignature: %v", err)
	}
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"type":"event_callback","event":{"type":"message","text":"hi"}}`)
	good := Sign(testSecret, testNow.Unix(), body)
	ts := strconv.FormatInt(testNow.Unix(), 10)
	at := func(d time.Duration) string { return strconv.FormatInt(testNow.Add(d).Unix(), 10) }
	tests := []struct {
		name    string
		secret  string
		ts, sig string
		body    []byte
		want    error
	}{
		{"signed", testSecret, ts, good, body, nil},
		{"unsigned", testSecret, "", "", body, ErrMissingSignature},
		{"no timestamp", testSecret, "", good, body, ErrMissingSignature},
		{"no signature", testSecret, ts, "", body, ErrMissingSignature},
		{"edge of window past", testSecret, at(-5 * time.Minute), Sign(testSecret, testNow.Add(-5*time.Minute).Unix(), body), body, nil},
		{"edge of window future", testSecret, at(5 * time.Minute), Sign(testSecret, testNow.Add(5*time.Minute).Unix(), body), body, nil},
		{"stale", testSecret, at(-5*time.Minute - time.Second), Sign(testSecret, testNow.Add(-5*time.Minute-time.Second).Unix(), body), body, ErrStaleTimestamp},
		{"replayed a day later", testSecret, at(-24 * time.Hour), Sign(testSecret, testNow.Add(-24*time.Hour).Unix(), body), body, ErrStaleTimestamp},
		{"future", testSecret, at(6 * time.Minute), Sign(testSecret, testNow.Add(6*time.Minute).Unix(), body), body, ErrStaleTimestamp},
		{"replayed with a fresh timestamp", testSecret, at(time.Minute), good, body, ErrBadSignature},
		{"tampered body", testSecret, ts, good, []byte(strings.Replace(string(body), "hi", "ho", 1)), ErrBadSignature},
		{"body with trailing newline", testSecret, ts, good, append(body[:len(body):len(body)], '\n'), ErrBadSignature},
		{"wrong secret", "not-the-secret", ts, good, body, ErrBadSignature},
		{"no secret configured", "", ts, good, body, ErrNoSecret},
		{"v1 scheme", testSecret, ts, "v1=" + good[3:], body, ErrMalformedSig},
		{"no scheme", testSecret, ts, good[3:], body, ErrMalformedSig},
		{"not hex", testSecret, ts, "v0=" + strings.Repeat("zz", 32), body, ErrMalformedSig},
		{"short", testSecret, ts, good[:20], body, ErrMalformedSig},
		{"long", testSecret, ts, good + "00", body, ErrMalformedSig},
		{"upper-case hex", testSecret, ts, "v0=" + strings.ToUpper(good[3:]), body, nil},
		{"flipped bit", testSecret, ts, good[:len(good)-1] + string(good[len(good)-1]^1), body, ErrBadSignature},
		{"timestamp not a number", testSecret, "17e8", good, body, ErrBadTimestamp},
		{"negative timestamp", testSecret, "-1", good, body, ErrBadTimestamp},
		{"huge timestamp", testSecret, "99999999999999999999", good, body, ErrBadTimestamp},
		{"timestamp with spaces", testSecret, " " + ts, good, body, ErrBadTimestamp},
		{"milliseconds timestamp", testSecret, ts + "000", good, body, ErrBadTimestamp},
		{"plus sign", testSecret, "+" + ts, good, body, ErrBadTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewVerifier(tt.secret, "")
			v.Now = fixedClock
			h := http.Header{}
			if tt.ts != "" {
				h.Set(HeaderTimestamp, tt.ts)
			}
			if tt.sig != "" {
				h.Set(HeaderSignature, tt.sig)
			}
			err := v.VerifySignature(h, tt.body)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("VerifySignature = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyToken(t *testing.T) {
	tests := []struct {
		name, configured, sent string
		ok                     bool
	}{
		{"match", testToken, testToken, true},
		{"mismatch", testToken, "SECRET-TOKEN-Zz9wX", false},
		{"prefix", testToken, testToken[:5], false},
		{"longer", testToken, testToken + "x", false},
		{"empty sent", testToken, "", false},
		{"none configured", "", "", false},
		{"none configured, one sent", "", testToken, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewVerifier(testSecret, tt.configured)
			err := v.VerifyToken(tt.sent)
			if (err == nil) != tt.ok {
				t.Fatalf("VerifyToken = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadToken) {
				t.Fatalf("error %v is not ErrBadToken", err)
			}
		})
	}
}

// FuzzVerify checks that signature checking never panics and accepts a
// request only when its signature is the right MAC of its body under the
// secret, at a timestamp within the window.
func FuzzVerify(f *testing.F) {
	body := []byte(`{"type":"event_callback"}`)
	f.Add(strconv.FormatInt(testNow.Unix(), 10), Sign(testSecret, testNow.Unix(), body), body)
	f.Add(strconv.FormatInt(testNow.Unix(), 10), "v0=", body)
	f.Add("", "", []byte{})
	f.Add("1700000000", "v0="+strings.Repeat("0", 64), []byte("x"))
	f.Add("0x1", "v0=zz", []byte("\xff"))
	v := NewVerifier(testSecret, "")
	v.Now = fixedClock
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		err := v.VerifySignature(h, body)
		if err != nil {
			return
		}
		n, perr := strconv.ParseInt(ts, 10, 64)
		if perr != nil {
			t.Fatalf("accepted unparsable timestamp %q", ts)
		}
		if d := testNow.Sub(time.Unix(n, 0)); d > DefaultWindow || d < -DefaultWindow {
			t.Fatalf("accepted timestamp %q outside the window", ts)
		}
		// The only accepted signature is the MAC of this timestamp and
		// body (hex case aside).
		if want := "v0=" + hex.EncodeToString(v.mac(ts, body)); !strings.EqualFold(sig, want) {
			t.Fatalf("accepted signature %q for ts %q, want %q", sig, ts, want)
		}
	})
}

const (
	testSecret = "8f742231b10e8888abcd99yyyzzz85a5" // Slack's documented example secret
	testToken  = "SECRET-TOKEN-Zz9wq"
)

var testNow = time.Unix(1700000000, 0)

func fixedClock() time.Time { return testNow }
