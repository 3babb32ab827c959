package schema

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// A Decoder turns Firehose records into Messages. It accepts the three shapes
// the archive holds (see the package documentation) and never keeps the
// outgoing-webhook token.
//
// A Decoder is not safe for concurrent use; give each goroutine its own. The
// strings it puts in a Message alias the Decoder's buffer and stay valid until
// the next call to Reset.
type Decoder struct {
	sc      fastjson.Scanner
	pending error // an error found by Reset, reported by the first Next
}

// Reset starts decoding line: the bytes between two newlines of an object.
// Firehose concatenates records as given, so a producer that forgot the
// newline leaves several records glued on one line ("}{"); Next returns them
// one by one.
func (d *Decoder) Reset(line []byte) {
	d.pending = nil
	line = bytes.TrimSpace(line)
	if !utf8.Valid(line) {
		d.pending = ErrInvalidUTF8
		d.sc.Init("")
		return
	}
	if len(line) > 0 && line[0] != '{' {
		// Only objects are records. Checking here keeps a garbage line one
		// bad record: the scanner would read "ERROR: timeout" as a number
		// followed by a syntax error, two records from one line.
		d.pending = fmt.Errorf("%w: line does not start with '{'", ErrSyntax)
		d.sc.Init("")
		return
	}
	d.sc.InitBytes(line)
}

// Next decodes the next record of the line into m, overwriting all of m. It
// returns io.EOF after the last record. Any other error describes one bad
// record; when the error is a syntax error the rest of the line is part of
// that bad record and the following Next returns io.EOF.
func (d *Decoder) Next(m *Message) error {
	if err := d.pending; err != nil {
		d.pending = io.EOF
		return err
	}
	if !d.sc.Next() {
		if err := d.sc.Error(); err != nil {
			d.pending = io.EOF
			return fmt.Errorf("%w: %s", ErrSyntax, short(err.Error()))
		}
		return io.EOF
	}
	return decodeValue(d.sc.Value(), m)
}

// Decode decodes exactly one record, as the ingest Lambda receives it. The
// strings in the result are its own.
func Decode(record []byte) (Message, error) {
	var d Decoder
	d.Reset(record)
	var m Message
	if err := d.Next(&m); err != nil {
		if err == io.EOF {
			return Message{}, fmt.Errorf("%w: empty record", ErrSyntax)
		}
		return Message{}, err
	}
	if d.Next(&Message{}) != io.EOF {
		return Message{}, fmt.Errorf("%w: more than one record", ErrSyntax)
	}
	return m.Clone(), nil
}

func decodeValue(v *fastjson.Value, m *Message) error {
	*m = Message{}
	obj, err := v.Object()
	if err != nil {
		return fmt.Errorf("%w: record is a JSON %s, not an object", ErrUnknownShape, v.Type())
	}
	switch {
	case obj.Get("v") != nil:
		err = decodeCanonical(obj, m)
	case obj.Get("event") != nil || obj.Get("type") != nil:
		err = decodeEnvelope(obj, m)
	case obj.Get("channel_id") != nil || obj.Get("timestamp") != nil:
		err = decodeWebhook(obj, m)
	default:
		return ErrUnknownShape
	}
	if err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	t, err := ParseTS(m.TS)
	if err != nil {
		return fieldError("ts", err)
	}
	m.Time = t
	return nil
}

// str reads an optional string field: absent and null read as "", any other
// type is an error naming the field.
func str(obj *fastjson.Object, key string) (string, error) {
	v := obj.Get(key)
	if v == nil || v.Type() == fastjson.TypeNull {
		return "", nil
	}
	b, err := v.StringBytes()
	if err != nil {
		return "", fieldError(key, fmt.Errorf("%w: want string, got %s", ErrFieldType, v.Type()))
	}
	return b2s(b), nil
}

// fields reads several string fields in one pass, stopping at the first error.
type fields struct {
	obj *fastjson.Object
	err error
}

func (f *fields) get(key string, dst *string) {
	if f.err != nil {
		return
	}
	*dst, f.err = str(f.obj, key)
}

func decodeCanonical(obj *fastjson.Object, m *Message) error {
	v := obj.Get("v")
	ver, err := v.Int()
	if err != nil {
		return fieldError("v", fmt.Errorf("%w: want integer, got %s", ErrFieldType, v.Type()))
	}
	if ver < 1 || ver > Version {
		return fieldError("v", fmt.Errorf("%w: unsupported schema version %d", ErrUnknownShape, ver))
	}
	f := fields{obj: obj}
	var src, kind string
	f.get("src", &src)
	f.get("kind", &kind)
	f.get("team", &m.Team)
	f.get("channel", &m.ChannelID)
	f.get("channel_name", &m.ChannelName)
	f.get("user", &m.UserID)
	f.get("user_name", &m.UserName)
	f.get("ts", &m.TS)
	f.get("text", &m.Text)
	f.get("thread_ts", &m.ThreadTS)
	f.get("parent_user", &m.ParentUser)
	f.get("subtype", &m.Subtype)
	f.get("bot_id", &m.BotID)
	f.get("event_id", &m.EventID)
	f.get("edited_ts", &m.EditedTS)
	f.get("reaction", &m.Reaction)
	f.get("item_user", &m.ItemUser)
	f.get("item_ts", &m.ItemTS)
	if f.err != nil {
		return f.err
	}
	var ok bool
	if m.Source, ok = ParseSource(src); !ok || m.Source == SourceUnknown {
		m.Source = SourceCanonical
	}
	if kind != "" {
		if m.Kind, ok = ParseKind(kind); !ok {
			return fieldError("kind", fmt.Errorf("%w: unknown kind %q", ErrUnknownShape, kind))
		}
	}
	return nil
}

func decodeWebhook(obj *fastjson.Object, m *Message) error {
	f := fields{obj: obj}
	f.get("team_id", &m.Team)
	f.get("channel_id", &m.ChannelID)
	f.get("channel_name", &m.ChannelName)
	f.get("user_id", &m.UserID)
	f.get("user_name", &m.UserName)
	f.get("timestamp", &m.TS)
	f.get("text", &m.Text)
	f.get("thread_ts", &m.ThreadTS)
	// token, team_domain, trigger_word and service_id are deliberately not
	// read: the token is a credential and must not survive decoding.
	m.Source = SourceWebhook
	return f.err
}

func decodeEnvelope(obj *fastjson.Object, m *Message) error {
	var typ string
	f := fields{obj: obj}
	f.get("type", &typ)
	f.get("team_id", &m.Team)
	f.get("event_id", &m.EventID)
	if f.err != nil {
		return f.err
	}
	if typ != "event_callback" {
		return fmt.Errorf("%w: envelope type %q", ErrNotMessage, typ)
	}
	ev := obj.Get("event")
	if ev == nil {
		return fieldError("event", ErrMissingField)
	}
	eo, err := ev.Object()
	if err != nil {
		return fieldError("event", fmt.Errorf("%w: want object, got %s", ErrFieldType, ev.Type()))
	}
	m.Source = SourceEventsAPI
	f.obj = eo
	var etype, team string
	f.get("type", &etype)
	f.get("team", &team)
	if f.err != nil {
		return fieldError("event", f.err)
	}
	if m.Team == "" {
		m.Team = team
	}
	switch etype {
	case "message", "app_mention":
		err = decodeEventMessage(eo, m)
	case "reaction_added", "reaction_removed":
		m.Kind = KindReactionAdded
		if etype == "reaction_removed" {
			m.Kind = KindReactionRemoved
		}
		err = decodeReaction(eo, m)
	default:
		return fmt.Errorf("%w: event type %q", ErrNotMessage, etype)
	}
	if err != nil {
		return fieldError("event", err)
	}
	return nil
}

func decodeEventMessage(eo *fastjson.Object, m *Message) error {
	f := fields{obj: eo}
	f.get("channel", &m.ChannelID)
	f.get("subtype", &m.Subtype)
	if f.err != nil {
		return f.err
	}
	switch m.Subtype {
	case "message_changed":
		inner := eo.Get("message")
		io, err := objectField(inner, "message")
		if err != nil {
			return err
		}
		f.obj = io
		f.get("user", &m.UserID)
		f.get("text", &m.Text)
		f.get("ts", &m.TS)
		f.get("thread_ts", &m.ThreadTS)
		f.get("parent_user_id", &m.ParentUser)
		f.get("bot_id", &m.BotID)
		if f.err != nil {
			return fieldError("message", f.err)
		}
		if ed := io.Get("edited"); ed != nil {
			eobj, err := objectField(ed, "message.edited")
			if err != nil {
				return err
			}
			if m.EditedTS, err = str(eobj, "ts"); err != nil {
				return fieldError("message.edited", err)
			}
		}
		if m.EditedTS == "" {
			f.obj = eo
			f.get("ts", &m.EditedTS)
		}
	case "message_deleted":
		f.get("deleted_ts", &m.TS)
		f.get("ts", &m.EditedTS)
	default:
		f.get("user", &m.UserID)
		f.get("text", &m.Text)
		f.get("ts", &m.TS)
		f.get("thread_ts", &m.ThreadTS)
		f.get("parent_user_id", &m.ParentUser)
		f.get("bot_id", &m.BotID)
		f.get("username", &m.UserName)
		if ed := eo.Get("edited"); ed != nil {
			if eobj, err := objectField(ed, "edited"); err != nil {
				f.err = err
			} else if f.err == nil {
				m.EditedTS, f.err = str(eobj, "ts")
			}
		}
	}
	return f.err
}

func decodeReaction(eo *fastjson.Object, m *Message) error {
	f := fields{obj: eo}
	f.get("user", &m.UserID)
	f.get("reaction", &m.Reaction)
	f.get("item_user", &m.ItemUser)
	f.get("event_ts", &m.TS)
	if f.err != nil {
		return f.err
	}
	item := eo.Get("item")
	if item == nil {
		return fieldError("item", ErrMissingField)
	}
	io, err := objectField(item, "item")
	if err != nil {
		return err
	}
	f.obj = io
	f.get("channel", &m.ChannelID)
	f.get("ts", &m.ItemTS)
	if f.err != nil {
		return fieldError("item", f.err)
	}
	return nil
}

func objectField(v *fastjson.Value, name string) (*fastjson.Object, error) {
	if v == nil {
		return nil, fieldError(name, ErrMissingField)
	}
	o, err := v.Object()
	if err != nil {
		return nil, fieldError(name, fmt.Errorf("%w: want object, got %s", ErrFieldType, v.Type()))
	}
	return o, nil
}

// short cuts a parser message to a line's worth: fastjson's errors quote
// the unparsed rest of the input, which may be a whole record, text and
// credentials included, and errors end up in logs and the quarantine.
func short(msg string) string {
	const max = 160
	if len(msg) <= max {
		return msg
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}
