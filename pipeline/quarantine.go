package pipeline

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/wiretap-hq/wiretap/schema"
)

// MaxQuarantinedBytes bounds how much of a bad record the quarantine keeps:
// enough to see what went wrong, not a second copy of a broken archive.
const MaxQuarantinedBytes = 4096

// A QuarantineEntry is one bad record, with where it was and why it was
// refused.
type QuarantineEntry struct {
	Key       string `json:"key"`  // object key, as the source names it
	Line      int    `json:"line"` // 1-based line in the decompressed object
	Reason    string `json:"reason"`
	Record    string `json:"record"`              // the record's first bytes; invalid UTF-8 is shown as U+FFFD
	Truncated bool   `json:"truncated,omitempty"` // Record was cut at MaxQuarantinedBytes
	// Scrubbed says the record and the parser's words about it were left
	// out: the run published pseudonyms, or the record named someone who
	// opted out. Reason is then the reason's category alone.
	Scrubbed bool `json:"scrubbed,omitempty"`
}

// QuarantineSink receives the bad records of each object read. It is called
// from several workers at once and must be safe for concurrent use.
type QuarantineSink interface {
	Quarantine(entries []QuarantineEntry) error
}

// Reasons that are not decode errors.
var (
	ErrLineTooLong   = errors.New("line too long")
	ErrTruncatedGzip = errors.New("truncated or corrupt gzip")
	ErrFutureTS      = errors.New("ts more than a day after the object's arrival hour")
)

var reasonSentinels = []error{
	schema.ErrInvalidUTF8, schema.ErrSyntax, schema.ErrUnknownShape, schema.ErrNotMessage,
	schema.ErrMissingField, schema.ErrFieldType, schema.ErrBadTS, schema.ErrImplausibleTS,
	ErrLineTooLong, ErrTruncatedGzip, ErrFutureTS,
}

// reasonCategory maps an error to the short reason quarantine counts use.
func reasonCategory(err error) string {
	for _, s := range reasonSentinels {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "other"
}

// maxReasonBytes bounds an entry's reason. A JSON parser's error can quote
// the rest of the line ("unexpected value found: ..."), which for a long
// line would be a second, unbounded copy of the record.
const maxReasonBytes = 512

func newEntry(key string, line int, err error, record []byte) QuarantineEntry {
	reason := err.Error()
	if len(reason) > maxReasonBytes {
		reason = reason[:maxReasonBytes] + "..."
	}
	e := QuarantineEntry{Key: key, Line: line, Reason: redactSecrets(reason)}
	if len(record) > MaxQuarantinedBytes {
		record, e.Truncated = record[:MaxQuarantinedBytes], true
	}
	e.Record = strings.ToValidUTF8(redactSecrets(string(record)), string(utf8.RuneError))
	e.Reason = strings.ToValidUTF8(e.Reason, string(utf8.RuneError))
	return e
}

// scrubbedEntry is the entry of a bad record whose text may not be kept
// (see privacy.Scrubber.KeepRaw): where it was and the kind of fault.
func scrubbedEntry(key string, line int, err error) QuarantineEntry {
	return QuarantineEntry{Key: key, Line: line, Reason: reasonCategory(err), Scrubbed: true}
}

// Redacted replaces the value of a credential field in quarantined text.
const Redacted = "[REDACTED]"

// secretKeys are the JSON fields whose string values are credentials. Slack
// puts its verification token in "token" of every outgoing webhook and
// Events API request; a record that fails to decode is kept verbatim, so
// without this the token would be copied into the quarantine.
var secretKeys = []string{"token"}

// redactSecrets replaces the string values of secretKeys in s, which is
// JSON text, possibly cut short or malformed, or JSON text quoted once more
// (Go's %q, as parser errors quote the input: \"token\":\"...\"). A value
// cut off by the end of s is redacted to the end. Keys are matched
// anywhere, also inside string values: redacting too much is harmless.
func redactSecrets(s string) string {
	for _, k := range secretKeys {
		for _, quote := range []string{`"`, `\"`} {
			s = redactKey(s, quote+k+quote, quote)
		}
	}
	return s
}

// redactKey redacts the values of the key written as pattern (quotes
// included) in s, where quote is how a double quote is written.
func redactKey(s, pattern, quote string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, pattern)
		if i < 0 {
			if b.Len() == 0 {
				return s
			}
			b.WriteString(s)
			return b.String()
		}
		j := i + len(pattern)
		j += len(s[j:]) - len(strings.TrimLeft(s[j:], " \t\r\n"))
		if !strings.HasPrefix(s[j:], ":") {
			b.WriteString(s[:j])
			s = s[j:]
			continue
		}
		j++
		j += len(s[j:]) - len(strings.TrimLeft(s[j:], " \t\r\n"))
		if !strings.HasPrefix(s[j:], quote) {
			b.WriteString(s[:j]) // not a string value
			s = s[j:]
			continue
		}
		j += len(quote)
		b.WriteString(s[:j])
		b.WriteString(Redacted)
		s = s[j+stringEnd(s[j:], quote):]
	}
}

// stringEnd returns the length of the JSON string contents at the start of
// s, up to its closing quote (written as quote) or the end of s. With the
// quote written \", s is quoted once more, so each character of the JSON
// text may itself be an escape (\\ for a backslash).
func stringEnd(s, quote string) int {
	next := func(i int) (c byte, n int) { // one character of the JSON text at s[i:]
		if quote == `"` || s[i] != '\\' || i+1 == len(s) {
			return s[i], 1
		}
		return s[i+1], 2 // \\ or \" (or another escape: neither a quote nor a backslash)
	}
	for i := 0; i < len(s); {
		c, n := next(i)
		switch {
		case c == '"' && (quote == `"` || n == 2):
			return i
		case c == '\\':
			// An escape in the JSON string: skip what it escapes.
			i += n
			if i < len(s) {
				_, n = next(i)
			} else {
				n = 0
			}
		}
		i += n
	}
	return len(s)
}
