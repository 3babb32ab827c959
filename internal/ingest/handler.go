package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/wiretap-hq/wiretap/schema"
)

// Limits of one request and one record.
const (
	// MaxRecordBytes is Firehose's limit on one record: 1,000 KiB.
	MaxRecordBytes = 1000 * 1024
	// DefaultMaxBodyBytes bounds a request body. Slack caps a message at
	// 40,000 characters, so real bodies are far smaller; a larger body is
	// answered 413 before anything else is done with it.
	DefaultMaxBodyBytes = 1<<20 + 64<<10
	// DefaultPutTimeout bounds the sink's Put so that the answer reaches
	// Slack within its 3-second budget, network included.
	DefaultPutTimeout = 2500 * time.Millisecond
)

// TruncationMarker ends the text of a record that was cut to fit
// MaxRecordBytes. The text before it is a prefix of the original, cut at a
// UTF-8 boundary; everything else in the record is unchanged. Slack caps
// messages at 40,000 characters, so only a forged or future payload can get
// here; the marker makes such a record easy to find in the archive.
const TruncationMarker = " …[truncated by wiretap ingest]"

// A Request is one HTTP request to the ingestion endpoint, whatever carried
// it (API Gateway v1 or v2, a Lambda function URL, the local server).
type Request struct {
	// Method is the HTTP method; "" is taken as POST (transports that
	// route only POST need not set it).
	Method string
	// Headers, with canonical keys (http.Header.Get works).
	Headers http.Header
	// Body is the raw body exactly as Slack sent it, after base64
	// decoding when the transport says isBase64Encoded: the bytes the
	// signature covers.
	Body []byte
}

// A Response is what to answer.
type Response struct {
	Status      int    // HTTP status code
	Body        string // plain text: the challenge, or a short generic reason
	ContentType string // "" when Body is empty
}

// A Sink receives the canonical NDJSON records of accepted requests, each
// newline-terminated. When Put returns nil every record is safe: accepted by
// Firehose, or buffered so that a later flush or Close writes it. Put must
// not retain records after it returns, and must be safe for concurrent use.
type Sink interface {
	Put(ctx context.Context, records [][]byte) error
}

// Stats are a Handler's counters since it was built. Every request lands in
// exactly one of Accepted, Challenges, Unknown, Invalid, Dropped, Rejected,
// BadRequests and SinkErrors; Retries and Truncated count requests that
// also landed in one of those.
type Stats struct {
	Accepted    int64 // normalised records handed to the sink
	Challenges  int64 // url_verification requests answered
	Unknown     int64 // verified events of a type that is not archived, acknowledged
	Invalid     int64 // verified events that could not be normalised, acknowledged
	Dropped     int64 // records over MaxRecordBytes even with an empty text, acknowledged
	Rejected    int64 // failed verification: 401
	BadRequests int64 // malformed, too large, wrong method or content type: 4xx
	SinkErrors  int64 // the sink failed: 503, and Slack retries
	Retries     int64 // requests carrying X-Slack-Retry-Num
	Truncated   int64 // accepted records whose text was cut to fit MaxRecordBytes
}

type counters struct {
	accepted, challenges, unknown, invalid, dropped, rejected, badRequests, sinkErrors,
	retries, truncated atomic.Int64
}

// A Handler is the transport-neutral ingestion endpoint: verify, normalise,
// put, answer. It is safe for concurrent use.
type Handler struct {
	verifier *Verifier
	sink     Sink
	log      *slog.Logger
	c        counters
	encoders sync.Pool

	// PutTimeout bounds Sink.Put; zero means DefaultPutTimeout.
	PutTimeout time.Duration
	// MaxBodyBytes bounds a request body; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int
	// MaxRecordBytes bounds one encoded record; zero means MaxRecordBytes.
	// Tests lower it.
	MaxRecordBytes int
}

// NewHandler returns a Handler that verifies with v and puts records on
// sink. A nil logger discards logs.
func NewHandler(v *Verifier, sink Sink, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		verifier: v, sink: sink, log: logger,
		encoders: sync.Pool{New: func() any { return new(schema.Encoder) }},
	}
}

// Stats returns a snapshot of the counters.
func (h *Handler) Stats() Stats {
	return Stats{
		Accepted: h.c.accepted.Load(), Challenges: h.c.challenges.Load(),
		Unknown: h.c.unknown.Load(), Invalid: h.c.invalid.Load(), Dropped: h.c.dropped.Load(),
		Rejected: h.c.rejected.Load(), BadRequests: h.c.badRequests.Load(),
		SinkErrors: h.c.sinkErrors.Load(), Retries: h.c.retries.Load(),
		Truncated: h.c.truncated.Load(),
	}
}

// Media types the endpoint accepts.
const (
	typeForm = "application/x-www-form-urlencoded"
	typeJSON = "application/json"
)

var (
	respOK           = Response{Status: http.StatusOK}
	respUnauthorized = text(http.StatusUnauthorized, "unauthorized")
	respBadRequest   = text(http.StatusBadRequest, "bad request")
	respTooLarge     = text(http.StatusRequestEntityTooLarge, "request body too large")
	respBadType      = text(http.StatusUnsupportedMediaType, "unsupported content type")
	respBadMethod    = text(http.StatusMethodNotAllowed, "method not allowed")
	respUnavailable  = text(http.StatusServiceUnavailable, "temporarily unavailable")
)

func text(status int, body string) Response {
	return Response{Status: status, Body: body + "\n", ContentType: "text/plain; charset=utf-8"}
}

// Handle answers one request. It only verifies, normalises and puts, so
// that the answer leaves well within Slack's 3 seconds:
//
//   - 405 unless POST, 413 over MaxBodyBytes, 415 unless form or JSON;
//   - 401, with no detail, when verification fails: a signed request (any
//     signing header present) must carry a valid signature within the
//     window; an Events API (JSON) request must be signed; an outgoing
//     webhook (form) must carry the configured verification token, or be
//     signed when no token is configured (the Events API's deprecated token
//     field is not checked: the signature supersedes it);
//   - 200 with the challenge for url_verification;
//   - 200 with an empty body once the record is on the sink; 503 when the
//     sink fails, so that Slack retries (X-Slack-Retry-Num): delivery is at
//     least once and the batch side deduplicates by event id;
//   - 200 for verified events that are not archived (other event types) or
//     cannot be normalised: a retry would not help, so they are counted
//     and logged without their content instead;
//   - 400 for a body that is not a form or JSON object at all.
//
// Logs name the reason, the event id, team, channel and ts; never a secret,
// a token or any part of the body's text.
func (h *Handler) Handle(ctx context.Context, req Request) Response {
	if req.Method != "" && req.Method != http.MethodPost {
		h.c.badRequests.Add(1)
		return respBadMethod
	}
	maxBody := h.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	if len(req.Body) > maxBody {
		h.c.badRequests.Add(1)
		h.log.Warn("ingest: request body too large", "bytes", len(req.Body), "limit", maxBody)
		return respTooLarge
	}
	retry := req.Headers.Get(HeaderRetryNum)
	if retry != "" {
		h.c.retries.Add(1)
	}
	signed := Signed(req.Headers)
	if signed {
		if err := h.verifier.VerifySignature(req.Headers, req.Body); err != nil {
			return h.reject(err)
		}
	}
	mt, _, err := mime.ParseMediaType(req.Headers.Get("Content-Type"))
	if err != nil {
		mt = ""
	}
	var m schema.Message
	switch mt {
	case typeForm:
		form, err := url.ParseQuery(string(req.Body))
		if err != nil {
			h.c.badRequests.Add(1)
			return respBadRequest
		}
		switch {
		case h.verifier.HasToken():
			if err := h.verifier.VerifyToken(form.Get("token")); err != nil {
				return h.reject(err)
			}
		case !signed:
			return h.reject(ErrMissingSignature)
		}
		if m, err = schema.FromWebhookForm(form); err != nil {
			h.c.invalid.Add(1)
			h.log.Warn("ingest: webhook not normalised; acknowledged", "reason", reason(err),
				"team", safeID(form.Get("team_id")), "channel", safeID(form.Get("channel_id")))
			return respOK
		}
	case typeJSON:
		if !signed {
			return h.reject(ErrMissingSignature)
		}
		var probe struct {
			Type      string `json:"type"`
			Challenge string `json:"challenge"`
			EventID   string `json:"event_id"`
			Event     struct {
				Type string `json:"type"`
			} `json:"event"`
		}
		// A body that is not JSON fails again, and is answered, below.
		_ = json.Unmarshal(req.Body, &probe)
		if probe.Type == "url_verification" {
			h.c.challenges.Add(1)
			h.log.Info("ingest: answered url_verification")
			return Response{Status: http.StatusOK, Body: probe.Challenge, ContentType: "text/plain; charset=utf-8"}
		}
		if m, err = schema.FromEventsAPI(req.Body); err != nil {
			switch {
			case errors.Is(err, schema.ErrNotMessage):
				h.c.unknown.Add(1)
				h.log.Info("ingest: event type not archived; acknowledged",
					"type", safeID(probe.Type), "event_type", safeID(probe.Event.Type),
					"event_id", safeID(probe.EventID))
				return respOK
			case errors.Is(err, schema.ErrSyntax), errors.Is(err, schema.ErrUnknownShape),
				errors.Is(err, schema.ErrInvalidUTF8):
				h.c.badRequests.Add(1)
				h.log.Warn("ingest: malformed body", "reason", reason(err))
				return respBadRequest
			default:
				h.c.invalid.Add(1)
				h.log.Warn("ingest: event not normalised; acknowledged", "reason", reason(err),
					"event_type", safeID(probe.Event.Type), "event_id", safeID(probe.EventID))
				return respOK
			}
		}
	default:
		h.c.badRequests.Add(1)
		return respBadType
	}
	return h.put(ctx, &m, retry, req.Headers.Get(HeaderRetryReason))
}

// put encodes m, fits it in the record limit and hands it to the sink.
func (h *Handler) put(ctx context.Context, m *schema.Message, retry, retryReason string) Response {
	enc := h.encoders.Get().(*schema.Encoder)
	defer h.encoders.Put(enc)
	limit := h.MaxRecordBytes
	if limit <= 0 {
		limit = MaxRecordBytes
	}
	rec := enc.AppendNDJSON(nil, m)
	attrs := []any{"team", safeID(m.Team), "channel", safeID(m.ChannelID), "ts", safeID(m.TS),
		"event_id", safeID(m.EventID), "kind", m.Kind.String(), "src", m.Source.String()}
	if len(rec) > limit {
		size := len(rec)
		var ok bool
		if rec, ok = fit(enc, m, limit); !ok {
			h.c.dropped.Add(1)
			h.log.Error("ingest: record over the Firehose limit even without its text; dropped",
				append(attrs, "bytes", size, "limit", limit)...)
			return respOK
		}
		h.c.truncated.Add(1)
		h.log.Warn("ingest: record over the Firehose limit; text truncated",
			append(attrs, "bytes", size, "limit", limit, "kept_text_bytes", len(m.Text)-len(TruncationMarker))...)
	}
	timeout := h.PutTimeout
	if timeout <= 0 {
		timeout = DefaultPutTimeout
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := h.sink.Put(pctx, [][]byte{rec}); err != nil {
		h.c.sinkErrors.Add(1)
		h.log.Error("ingest: sink failed; answering 503 so that Slack retries",
			append(attrs, "err", err.Error())...)
		return respUnavailable
	}
	h.c.accepted.Add(1)
	if retry != "" {
		h.log.Info("ingest: accepted a Slack retry",
			append(attrs, "retry_num", safeID(retry), "retry_reason", safeID(retryReason))...)
	} else {
		h.log.Debug("ingest: accepted", attrs...)
	}
	return respOK
}

// fit cuts m.Text, at a UTF-8 boundary and followed by TruncationMarker, so
// that the record encodes to at most limit bytes, keeping as much text as
// fits. ok is false when even the marker alone does not fit. The cut is
// found by binary search over rune boundaries, because JSON escapes make
// the encoded size of a text anything from one to six times its length.
func fit(enc *schema.Encoder, m *schema.Message, limit int) (rec []byte, ok bool) {
	orig := m.Text
	snap := func(keep int) int {
		for keep > 0 && keep < len(orig) && !utf8.RuneStart(orig[keep]) {
			keep--
		}
		return keep
	}
	encode := func(keep int) []byte {
		m.Text = orig[:snap(keep)] + TruncationMarker
		return enc.AppendNDJSON(nil, m)
	}
	if rec = encode(0); len(rec) > limit {
		m.Text = orig
		return nil, false
	}
	// encode(lo) fits; the whole text, even without the marker, does not.
	lo, hi := 0, len(orig)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if len(encode(mid)) <= limit {
			lo = mid
		} else {
			hi = mid
		}
	}
	return encode(lo), true
}

func (h *Handler) reject(err error) Response {
	h.c.rejected.Add(1)
	h.log.Warn("ingest: request failed verification", "reason", err.Error())
	return respUnauthorized
}

// reason names the schema sentinel an error wraps, and the field, without
// quoting values from the body.
func reason(err error) string {
	var fe *schema.FieldError
	field := ""
	if errors.As(err, &fe) {
		field = fe.Field + ": "
	}
	for _, s := range []error{
		schema.ErrInvalidUTF8, schema.ErrSyntax, schema.ErrUnknownShape, schema.ErrNotMessage,
		schema.ErrMissingField, schema.ErrFieldType, schema.ErrBadTS, schema.ErrImplausibleTS,
	} {
		if errors.Is(err, s) {
			return field + s.Error()
		}
	}
	return field + "unrecognised error"
}

// safeID returns s when it looks like a Slack identifier (event ids, team
// and channel ids, event types, retry numbers): short and made of letters,
// digits, '_', '-' and '.'. Anything else is not logged verbatim.
func safeID(s string) string {
	if len(s) > 64 {
		return "(" + strconv.Itoa(len(s)) + " bytes, not logged)"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '-' || c == '.') {
			return "(not logged)"
		}
	}
	return s
}
