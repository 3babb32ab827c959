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

func newEntry(key string, line int, err error, record []byte) QuarantineEntry {
	e := QuarantineEntry{Key: key, Line: line, Reason: err.Error()}
	if len(record) > MaxQuarantinedBytes {
		record, e.Truncated = record[:MaxQuarantinedBytes], true
	}
	e.Record = strings.ToValidUTF8(string(record), string(utf8.RuneError))
	return e
}
