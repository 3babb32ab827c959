package schema

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zeebo/xxh3"
)

// Version is the version of the canonical record written by this code. It is
// the "v" field of the NDJSON form and the schema_version column of Arrow
// batches. Bump it when a field changes meaning; adding a field does not.
const Version = 1

// Source says which producer shape a record was decoded from.
type Source uint8

// The producer shapes, in the order they appeared in the archive.
const (
	SourceUnknown   Source = iota
	SourceWebhook          // flat outgoing-webhook JSON of the first archives
	SourceEventsAPI        // raw Events API envelope
	SourceCanonical        // canonical record written by the ingest Lambda
	SourceExport           // Slack workspace export, converted by backfill
)

var sourceNames = [...]string{"unknown", "webhook", "events", "canonical", "export"}

func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return fmt.Sprintf("source(%d)", uint8(s))
}

// ParseSource is the inverse of Source.String.
func ParseSource(s string) (Source, bool) {
	for i, n := range sourceNames {
		if n == s {
			return Source(i), true
		}
	}
	return SourceUnknown, false
}

// Kind separates messages from the other events that share the archive.
type Kind uint8

// Record kinds.
const (
	KindMessage         Kind = iota // a message, including edits and deletions (see Subtype)
	KindReactionAdded               // a reaction added to the message at (Channel, ItemTS)
	KindReactionRemoved             // a reaction removed from that message
)

var kindNames = [...]string{"message", "reaction_added", "reaction_removed"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), true
		}
	}
	return KindMessage, false
}

// Message is the canonical record: one Slack message (or reaction) in the
// archive, whatever shape the producer wrote it in.
//
// Strings filled by a Decoder may alias the decoded line; call Clone before
// keeping a Message beyond the next Decode on the same line buffer.
type Message struct {
	Team        string    // workspace id, e.g. T0001
	ChannelID   string    // e.g. C2147483705
	ChannelName string    // without '#'; empty when the producer did not send it
	UserID      string    // author (reactor, for reactions)
	UserName    string    // display name when the producer sent it
	TS          string    // Slack ts, exactly as sent: "1355517523.000005"
	Time        time.Time // TS parsed, UTC, microsecond precision
	Text        string    // raw Slack markup, HTML escapes intact
	ThreadTS    string    // parent ts for thread replies and broadcasts
	ParentUser  string    // author of the thread parent, when sent
	Subtype     string    // Slack subtype ("" for a plain message)
	BotID       string    // set for bot messages
	EventID     string    // Events API event id; repeated by Slack retries
	EditedTS    string    // ts of the edit, for message_changed
	Source      Source
	Kind        Kind
	Reaction    string // reaction name without colons, for reaction kinds
	ItemUser    string // author of the reacted-to message
	ItemTS      string // ts of the reacted-to message
}

// Clone returns a copy of m whose strings share no memory with a decode buffer.
func (m *Message) Clone() Message {
	c := *m
	for _, p := range []*string{
		&c.Team, &c.ChannelID, &c.ChannelName, &c.UserID, &c.UserName, &c.TS, &c.Text,
		&c.ThreadTS, &c.ParentUser, &c.Subtype, &c.BotID, &c.EventID, &c.EditedTS,
		&c.Reaction, &c.ItemUser, &c.ItemTS,
	} {
		*p = strings.Clone(*p)
	}
	return c
}

// IsThreadReply reports whether m answers in a thread (a broadcast reply counts).
func (m *Message) IsThreadReply() bool {
	return m.ThreadTS != "" && m.ThreadTS != m.TS
}

// authoredSubtype reports whether a message subtype is one a person wrote as
// a new message. Edits and deletions change an existing message, joins and
// leaves are written by Slack, so none of those count as activity.
func authoredSubtype(subtype string) bool {
	switch subtype {
	case "", "thread_broadcast", "file_share", "me_message":
		return true
	}
	return false
}

// IsAuthored reports whether m is a new message written by a person: the
// records that activity, sentiment and topic aggregates count. Bot messages,
// edits, deletions, joins, leaves and reactions are parsed and accounted for
// but are not anyone's words.
func (m *Message) IsAuthored() bool {
	return m.Kind == KindMessage && m.BotID == "" && m.UserID != "" &&
		m.UserID != "USLACKBOT" && authoredSubtype(m.Subtype)
}

// Key identifies m for deduplication: the same message delivered twice, by a
// Slack retry, a Firehose redelivery or two producer shapes, has the same key.
// Messages are identified by (team, channel, ts); an edit also by the ts of
// the edit, a reaction by who reacted with what to which message.
func (m *Message) Key() [16]byte {
	var buf [256]byte
	b := buf[:0]
	b = append(b, m.Team...)
	b = append(b, 0)
	b = append(b, m.ChannelID...)
	b = append(b, 0)
	switch {
	case m.Kind != KindMessage:
		b = append(b, m.Kind.String()...)
		b = append(b, 0)
		b = append(b, m.UserID...)
		b = append(b, 0)
		b = append(b, m.Reaction...)
		b = append(b, 0)
		b = append(b, m.ItemTS...)
		b = append(b, 0)
		b = append(b, m.TS...)
	case m.Subtype == "message_changed" || m.Subtype == "message_deleted":
		b = append(b, m.Subtype...)
		b = append(b, 0)
		b = append(b, m.TS...)
		b = append(b, 0)
		b = append(b, m.EditedTS...)
	default:
		b = append(b, m.TS...)
	}
	return xxh3.Hash128(b).Bytes()
}

// MessageKey is the Key of the plain message (team, channel, ts): what an
// edit or deletion (whose TS is the message's) and a reaction (whose ItemTS
// is) point at.
func MessageKey(team, channel, ts string) [16]byte {
	var buf [256]byte
	b := buf[:0]
	b = append(b, team...)
	b = append(b, 0)
	b = append(b, channel...)
	b = append(b, 0)
	b = append(b, ts...)
	return xxh3.Hash128(b).Bytes()
}

// Target is the message a revision points at: the edited or deleted message
// (its TS), or the reacted-to message (ItemTS). ok is false for records
// that are not revisions: new messages, joins, bot posts.
func (m *Message) Target() (ts string, ok bool) {
	switch {
	case m.Kind != KindMessage:
		return m.ItemTS, true
	case m.Subtype == "message_changed" || m.Subtype == "message_deleted":
		return m.TS, true
	}
	return "", false
}

// EventKey identifies the delivery of an Events API event: Slack repeats the
// event id when it retries. ok is false for records without an event id.
func (m *Message) EventKey() (key [16]byte, ok bool) {
	if m.EventID == "" {
		return key, false
	}
	var buf [128]byte
	b := append(buf[:0], "event\x00"...)
	b = append(b, m.Team...)
	b = append(b, 0)
	b = append(b, m.EventID...)
	return xxh3.Hash128(b).Bytes(), true
}

// Validate checks the fields every record needs, with errors that name the field.
func (m *Message) Validate() error {
	switch {
	case m.Team == "":
		return fieldError("team", ErrMissingField)
	case m.ChannelID == "":
		return fieldError("channel", ErrMissingField)
	case m.TS == "":
		return fieldError("ts", ErrMissingField)
	}
	if m.Kind != KindMessage && m.ItemTS == "" {
		return fieldError("item_ts", ErrMissingField)
	}
	return nil
}

// Errors a Decoder wraps; test with errors.Is.
var (
	ErrSyntax        = errors.New("malformed JSON")
	ErrUnknownShape  = errors.New("not a Slack message record")
	ErrNotMessage    = errors.New("event is not a message")
	ErrMissingField  = errors.New("missing field")
	ErrFieldType     = errors.New("wrong field type")
	ErrBadTS         = errors.New("invalid Slack ts")
	ErrImplausibleTS = errors.New("implausible Slack ts")
	ErrInvalidUTF8   = errors.New("invalid UTF-8")
)

// FieldError says which field of a record was wrong.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldError(field string, err error) error { return &FieldError{Field: field, Err: err} }
