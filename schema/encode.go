package schema

import (
	"bytes"
	"encoding/json"
)

// wireRecord is the canonical NDJSON form. Field names are short and stable:
// they are the contract with every archive already written.
type wireRecord struct {
	V           int    `json:"v"`
	Src         string `json:"src"`
	Kind        string `json:"kind,omitempty"`
	Team        string `json:"team"`
	Channel     string `json:"channel"`
	ChannelName string `json:"channel_name,omitempty"`
	User        string `json:"user,omitempty"`
	UserName    string `json:"user_name,omitempty"`
	TS          string `json:"ts"`
	Text        string `json:"text,omitempty"`
	ThreadTS    string `json:"thread_ts,omitempty"`
	ParentUser  string `json:"parent_user,omitempty"`
	Subtype     string `json:"subtype,omitempty"`
	BotID       string `json:"bot_id,omitempty"`
	EventID     string `json:"event_id,omitempty"`
	EditedTS    string `json:"edited_ts,omitempty"`
	Reaction    string `json:"reaction,omitempty"`
	ItemUser    string `json:"item_user,omitempty"`
	ItemTS      string `json:"item_ts,omitempty"`
}

// An Encoder writes Messages in the canonical NDJSON form: one JSON object
// and a newline per record, which is what Firehose must receive so that
// records stay one per line in S3. The zero value is ready to use; an Encoder
// is not safe for concurrent use.
type Encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// AppendNDJSON appends the canonical form of m, newline included, to dst.
func (e *Encoder) AppendNDJSON(dst []byte, m *Message) []byte {
	if e.enc == nil {
		e.enc = json.NewEncoder(&e.buf)
		// Slack markup is full of '<' and '>'; HTML escaping would triple
		// their size for no reader's benefit.
		e.enc.SetEscapeHTML(false)
	}
	e.buf.Reset()
	w := wireRecord{
		V: Version, Src: m.Source.String(), Team: m.Team, Channel: m.ChannelID,
		ChannelName: m.ChannelName, User: m.UserID, UserName: m.UserName, TS: m.TS,
		Text: m.Text, ThreadTS: m.ThreadTS, ParentUser: m.ParentUser, Subtype: m.Subtype,
		BotID: m.BotID, EventID: m.EventID, EditedTS: m.EditedTS, Reaction: m.Reaction,
		ItemUser: m.ItemUser, ItemTS: m.ItemTS,
	}
	if m.Kind != KindMessage {
		w.Kind = m.Kind.String()
	}
	// Encoding a struct of strings cannot fail.
	_ = e.enc.Encode(&w)
	return append(dst, e.buf.Bytes()...)
}

// AppendNDJSON appends the canonical form of m to dst with a throwaway Encoder.
func AppendNDJSON(dst []byte, m *Message) []byte {
	var e Encoder
	return e.AppendNDJSON(dst, m)
}
