// Package slackverify checks that an HTTP request comes from Slack: the v0
// request signature and, for legacy outgoing webhooks, the verification
// token. It is its own small package so that the ingestion handler and the
// slash command share one implementation without the slash command's Lambda
// linking the batch engine.
package slackverify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Slack's request-signing headers.
const (
	HeaderTimestamp   = "X-Slack-Request-Timestamp"
	HeaderSignature   = "X-Slack-Signature"
	HeaderRetryNum    = "X-Slack-Retry-Num"
	HeaderRetryReason = "X-Slack-Retry-Reason"
)

// DefaultWindow is how far a request's timestamp may be from the clock, in
// either direction, before the request is taken for a replay.
const DefaultWindow = 5 * time.Minute

// Reasons a request fails verification. The handler answers every one of
// them with a bare 401; they exist for counting, logs and tests.
var (
	ErrNoSecret         = errors.New("no signing secret configured")
	ErrMissingSignature = errors.New("missing signature headers")
	ErrBadTimestamp     = errors.New("malformed request timestamp")
	ErrStaleTimestamp   = errors.New("request timestamp outside the window")
	ErrMalformedSig     = errors.New("malformed signature header")
	ErrBadSignature     = errors.New("signature mismatch")
	ErrBadToken         = errors.New("verification token mismatch")
)

// A Verifier checks that a request comes from Slack: the v0 request
// signature (HMAC-SHA256 of "v0:<timestamp>:<raw body>" keyed with the
// app's signing secret) within a time window, and, for legacy outgoing
// webhooks, the shared verification token. Comparisons are constant-time.
//
// The secrets are unexported and a Verifier formats as "Verifier{…}" with
// them redacted, so that logging one by mistake leaks nothing. A Verifier
// is safe for concurrent use once built; do not change Now or Window while
// it is in use.
type Verifier struct {
	secret []byte
	token  []byte

	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
	// Window is the largest accepted distance between a request's
	// timestamp and Now; zero means DefaultWindow.
	Window time.Duration
}

// NewVerifier returns a Verifier for the app's signing secret and, when not
// empty, the legacy verification token that outgoing webhooks send in their
// token field. With an empty signing secret every signed request fails and
// only outgoing webhooks carrying the token pass.
func NewVerifier(signingSecret, verificationToken string) *Verifier {
	v := &Verifier{}
	if signingSecret != "" {
		v.secret = []byte(signingSecret)
	}
	if verificationToken != "" {
		v.token = []byte(verificationToken)
	}
	return v
}

// String redacts the secrets.
func (v Verifier) String() string {
	return "Verifier{secret:" + Redacted(v.secret) + ", token:" + Redacted(v.token) + "}"
}

// GoString redacts the secrets for %#v too.
func (v Verifier) GoString() string { return v.String() }

// Redacted is how a secret formats: "unset" or "[redacted]", never its
// value.
func Redacted(b []byte) string {
	if len(b) == 0 {
		return "unset"
	}
	return "[redacted]"
}

// HasToken reports whether a legacy verification token is configured.
func (v *Verifier) HasToken() bool { return len(v.token) > 0 }

// Signed reports whether the request carries either signing header; such a
// request must pass VerifySignature whatever its kind.
func Signed(h http.Header) bool {
	return h.Get(HeaderSignature) != "" || h.Get(HeaderTimestamp) != ""
}

// VerifySignature checks the v0 signature of body, the raw request body
// exactly as received, against the headers. It returns nil or one of the
// Err* reasons above.
func (v *Verifier) VerifySignature(h http.Header, body []byte) error {
	if len(v.secret) == 0 {
		return ErrNoSecret
	}
	tsHeader, sigHeader := h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if tsHeader == "" || sigHeader == "" {
		return ErrMissingSignature
	}
	if len(tsHeader) > 12 || strings.Trim(tsHeader, "0123456789") != "" {
		return ErrBadTimestamp
	}
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil || ts <= 0 {
		return ErrBadTimestamp
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	window := v.Window
	if window <= 0 {
		window = DefaultWindow
	}
	if d := now().Sub(time.Unix(ts, 0)); d > window || d < -window {
		return ErrStaleTimestamp
	}
	hexSig, ok := strings.CutPrefix(sigHeader, "v0=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return ErrMalformedSig
	}
	got := make([]byte, sha256.Size)
	if _, err := hex.Decode(got, []byte(hexSig)); err != nil {
		return ErrMalformedSig
	}
	if !hmac.Equal(got, v.mac(tsHeader, body)) {
		return ErrBadSignature
	}
	return nil
}

func (v *Verifier) mac(ts string, body []byte) []byte {
	m := hmac.New(sha256.New, v.secret)
	m.Write([]byte("v0:"))
	m.Write([]byte(ts))
	m.Write([]byte(":"))
	m.Write(body)
	return m.Sum(nil)
}

// VerifyToken compares the token an outgoing webhook sent with the
// configured one in constant time. It fails when no token is configured.
func (v *Verifier) VerifyToken(token string) error {
	if len(v.token) == 0 {
		return ErrBadToken
	}
	// Hash both sides so that not even the token's length leaks through
	// timing: hmac.Equal returns early on a length mismatch.
	got, want := sha256.Sum256([]byte(token)), sha256.Sum256(v.token)
	if !hmac.Equal(got[:], want[:]) {
		return ErrBadToken
	}
	return nil
}

// Sign returns the X-Slack-Signature value Slack would send for body at
// timestamp ts (Unix seconds) with this secret. Tests, the load benchmark
// and local tools use it to make signed requests.
func Sign(signingSecret string, ts int64, body []byte) string {
	v := NewVerifier(signingSecret, "")
	return "v0=" + hex.EncodeToString(v.mac(strconv.FormatInt(ts, 10), body))
}
