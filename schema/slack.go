package schema

import (
	"fmt"
	"net/url"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// FromWebhookForm normalises the form body of a legacy outgoing webhook
// (application/x-www-form-urlencoded: team_id, channel_id, channel_name,
// timestamp, user_id, user_name, text, thread_ts, …) into a Message with
// Source SourceWebhook. It gives the same Message as decoding the flat
// webhook JSON of the first archives.
//
// The token field is a credential and is never read; team_domain,
// trigger_word and service_id are dropped as well. Values must be valid
// UTF-8 once URL-decoded; the record must have a team, channel and a valid
// ts. The strings of the result are its own.
func FromWebhookForm(form url.Values) (Message, error) {
	var m Message
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"team_id", &m.Team},
		{"channel_id", &m.ChannelID},
		{"channel_name", &m.ChannelName},
		{"user_id", &m.UserID},
		{"user_name", &m.UserName},
		{"timestamp", &m.TS},
		{"text", &m.Text},
		{"thread_ts", &m.ThreadTS},
	} {
		v := form.Get(f.key)
		if !utf8.ValidString(v) {
			return Message{}, fieldError(f.key, ErrInvalidUTF8)
		}
		*f.dst = v
	}
	m.Source = SourceWebhook
	if err := m.Validate(); err != nil {
		return Message{}, err
	}
	t, err := ParseTS(m.TS)
	if err != nil {
		return Message{}, fieldError("ts", err)
	}
	m.Time = t
	return m, nil
}

// FromEventsAPI normalises one Events API request body, the JSON envelope
// {"type":"event_callback","team_id":…,"event_id":…,"event":{…}}, with the
// same code a Decoder uses for envelopes in the archive: message events and
// their subtypes, app_mention, and reaction_added / reaction_removed as
// reaction records. The result has Source SourceEventsAPI, and the envelope's
// token is never read.
//
// Any other envelope type (url_verification, app_rate_limited) or event type
// gives an error wrapping ErrNotMessage; a body that is not an envelope (a
// canonical record, webhook JSON, not an object) one wrapping
// ErrUnknownShape, and malformed JSON one wrapping ErrSyntax. Errors quote
// at most a short field value (a ts, an event type), never the body or a
// text, so that they can be logged. The strings of the result are its own.
func FromEventsAPI(body []byte) (Message, error) {
	if !utf8.Valid(body) {
		return Message{}, ErrInvalidUTF8
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(body)
	if err != nil {
		// fastjson's error quotes the unparsed tail: keep the body out of it.
		return Message{}, fmt.Errorf("%w: request body", ErrSyntax)
	}
	obj, err := v.Object()
	if err != nil {
		return Message{}, fmt.Errorf("%w: body is a JSON %s, not an object", ErrUnknownShape, v.Type())
	}
	if obj.Get("v") != nil || (obj.Get("type") == nil && obj.Get("event") == nil) {
		return Message{}, fmt.Errorf("%w: not an Events API envelope", ErrUnknownShape)
	}
	var m Message
	if err := decodeValue(v, &m); err != nil {
		return Message{}, err
	}
	return m.Clone(), nil
}

// FromMessageObject decodes one message object of the shape Slack puts
// inside a message event and in a workspace export's day files
// ({"type":"message","user":…,"text":…,"ts":…, subtypes included}) with the
// Events API decoder's own rules, so that an exported message gets the Key
// of its live copy. Such an object carries no team, and in exports no
// channel: the caller names them, and channelID, when set, wins over one in
// the object. The result is validated, its Time parsed, and its strings are
// its own; Source is left for the caller to set.
func FromMessageObject(obj []byte, team, channelID string) (Message, error) {
	if !utf8.Valid(obj) {
		return Message{}, ErrInvalidUTF8
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(obj)
	if err != nil {
		return Message{}, fmt.Errorf("%w: message object", ErrSyntax)
	}
	o, err := v.Object()
	if err != nil {
		return Message{}, fmt.Errorf("%w: a JSON %s, not a message object", ErrUnknownShape, v.Type())
	}
	var m Message
	if err := decodeEventMessage(o, &m); err != nil {
		return Message{}, err
	}
	m.Team = team
	if channelID != "" {
		m.ChannelID = channelID
	}
	if err := m.Validate(); err != nil {
		return Message{}, err
	}
	if m.Time, err = ParseTS(m.TS); err != nil {
		return Message{}, fieldError("ts", err)
	}
	return m.Clone(), nil
}
