package ingest

import "github.com/wiretap-hq/wiretap/internal/slackverify"

// The request verification lives in package slackverify, shared with the
// slash command; these names keep the ingestion code reading as before.

// Slack's request-signing headers.
const (
	HeaderTimestamp   = slackverify.HeaderTimestamp
	HeaderSignature   = slackverify.HeaderSignature
	HeaderRetryNum    = slackverify.HeaderRetryNum
	HeaderRetryReason = slackverify.HeaderRetryReason
)

// DefaultWindow is slackverify.DefaultWindow.
const DefaultWindow = slackverify.DefaultWindow

// Reasons a request fails verification (see slackverify).
var (
	ErrNoSecret         = slackverify.ErrNoSecret
	ErrMissingSignature = slackverify.ErrMissingSignature
	ErrBadTimestamp     = slackverify.ErrBadTimestamp
	ErrStaleTimestamp   = slackverify.ErrStaleTimestamp
	ErrMalformedSig     = slackverify.ErrMalformedSig
	ErrBadSignature     = slackverify.ErrBadSignature
	ErrBadToken         = slackverify.ErrBadToken
)

// Verifier is slackverify.Verifier.
type Verifier = slackverify.Verifier

// NewVerifier is slackverify.NewVerifier.
func NewVerifier(signingSecret, verificationToken string) *Verifier {
	return slackverify.NewVerifier(signingSecret, verificationToken)
}

// Signed is slackverify.Signed.
var Signed = slackverify.Signed

// Sign is slackverify.Sign.
var Sign = slackverify.Sign

func redacted(b []byte) string { return slackverify.Redacted(b) }
