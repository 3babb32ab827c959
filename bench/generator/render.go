package generator

import (
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/wiretap-hq/wiretap/schema"
)

// The producer shapes, one per third of the days.
type era uint8

const (
	eraWebhook   era = iota // flat outgoing-webhook JSON
	eraEvents               // raw Events API envelopes
	eraCanonical            // canonical records via schema.Encoder
)

func (e era) String() string {
	return [...]string{"webhook", "events", "canonical"}[e]
}

// eraOf returns the shape of day d of days: the first third of the days
// are webhook JSON, the second third Events API, the rest canonical.
func eraOf(d, days int) era {
	return era(d * 3 / days)
}

// Record classes: what a record is, for the accounting by kind.
const (
	clsAuthored uint8 = iota
	clsBot            // subtype bot_message, with bot_id
	clsSlackbot       // a reminder from USLACKBOT (webhook era)
	clsJoin           // subtype channel_join
	clsEdit           // subtype message_changed
	clsDelete         // subtype message_deleted
	clsReaction       // reaction_added or reaction_removed
	clsPlanted        // a planted authored message (plant.go), counted as clsAuthored
)

// kindName is the engine's name for the in-range count of a class
// (pipeline.Counts: authored, bots, edits, deletions, reactions, other).
func kindName(cls uint8) string {
	switch cls {
	case clsAuthored:
		return "authored"
	case clsBot:
		return "bots"
	case clsEdit:
		return "edits"
	case clsDelete:
		return "deletions"
	case clsReaction:
		return "reactions"
	}
	return "other"
}

// spec is everything needed to render one record in any shape.
type spec struct {
	cls      uint8
	subtype  string
	t        int64 // the event's own time, µs: the ts of a new message, the time of an edit, deletion or reaction
	ts       int64 // the message ts, µs: t for new messages, the original's for edits and deletions, the item's for reactions
	thread   int64 // thread root ts, 0 if none
	parent   int32 // author of the thread root
	user     int32 // author (reactor, joiner); -1 for bots
	itemUser int32 // author of the reacted-to, edited or deleted message
	channel  int32
	bot      int32
	reaction string
	removed  bool // a reaction_removed rather than reaction_added
	text     []byte
	prevText []byte
	eventSeq uint64
}

// b2s views b as a string without copying; b must not change while the
// string is in use.
func b2s(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// appendTS appends the Slack ts of us microseconds since the epoch, as
// schema.FormatTS renders it.
func appendTS(dst []byte, us int64) []byte {
	dst = appendInt(dst, us/1e6)
	frac := us % 1e6
	var buf [7]byte
	buf[0] = '.'
	for i := 6; i >= 1; i-- {
		buf[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(dst, buf[:]...)
}

// appendQuotedTS appends a ts as a JSON string.
func appendQuotedTS(dst []byte, us int64) []byte {
	dst = append(dst, '"')
	dst = appendTS(dst, us)
	return append(dst, '"')
}

// appendJSONString appends s as a JSON string. With slack set it escapes the
// way Slack's API does: '/' as "\/" and everything outside ASCII as \u
// escapes (surrogate pairs above the BMP); otherwise only what JSON
// requires is escaped. s must be valid UTF-8.
func appendJSONString(dst []byte, s string, slack bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf && (c != '/' || !slack) {
			i++
			continue
		}
		if c >= utf8.RuneSelf && !slack {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch {
		case c == '"', c == '\\', c == '/':
			dst = append(dst, '\\', c)
			i++
		case c == '\n':
			dst = append(dst, '\\', 'n')
			i++
		case c == '\t':
			dst = append(dst, '\\', 't')
			i++
		case c == '\r':
			dst = append(dst, '\\', 'r')
			i++
		case c < 0x20:
			dst = appendU4(dst, rune(c))
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r > 0xffff {
				r -= 0x10000
				dst = appendU4(dst, 0xd800+(r>>10))
				dst = appendU4(dst, 0xdc00+(r&0x3ff))
			} else {
				dst = appendU4(dst, r)
			}
			i += size
		}
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendU4(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// field appends ,"name": (or "name": first) and returns dst.
func field(dst []byte, name string) []byte {
	if n := len(dst); n > 0 && dst[n-1] != '{' && dst[n-1] != '[' {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	return append(dst, '"', ':')
}

// renderer turns specs into record bytes, one per producer shape. It holds
// scratch space and is not safe for concurrent use.
type renderer struct {
	w       *world
	r       *rng
	day     int
	enc     schema.Encoder
	m       schema.Message
	scratch []byte
}

// render appends the record of s in the shape of era e to dst.
func (rd *renderer) render(dst []byte, e era, s *spec) []byte {
	switch e {
	case eraWebhook:
		return rd.webhook(dst, s)
	case eraEvents:
		return rd.events(dst, s)
	default:
		return rd.canonical(dst, s)
	}
}

func (rd *renderer) webhook(dst []byte, s *spec) []byte {
	w := rd.w
	ch := &w.channels[s.channel]
	dst = append(dst, `{"token":"`...)
	dst = append(dst, w.token...)
	dst = append(dst, `","team_id":"`...)
	dst = append(dst, ch.team...)
	dst = append(dst, `","team_domain":"`...)
	dst = append(dst, TeamDomain...)
	dst = append(dst, `","service_id":"`...)
	dst = append(dst, w.serviceID...)
	dst = append(dst, `","channel_id":"`...)
	dst = append(dst, ch.id...)
	dst = append(dst, `","channel_name":"`...)
	dst = append(dst, ch.name...)
	dst = append(dst, `","timestamp":`...)
	dst = appendQuotedTS(dst, s.ts)
	if s.cls == clsSlackbot {
		dst = append(dst, `,"user_id":"USLACKBOT","user_name":"slackbot"`...)
	} else {
		u := &w.users[s.user]
		dst = append(dst, `,"user_id":"`...)
		dst = append(dst, u.id...)
		dst = append(dst, `","user_name":"`...)
		dst = append(dst, u.name...)
		dst = append(dst, '"')
	}
	dst = field(dst, "text")
	dst = appendJSONString(dst, b2s(s.text), false)
	if s.thread != 0 {
		dst = field(dst, "thread_ts")
		dst = appendQuotedTS(dst, s.thread)
	}
	return append(dst, `,"trigger_word":""}`...)
}

// events renders an Events API envelope the way Slack posts it.
func (rd *renderer) events(dst []byte, s *spec) []byte {
	w := rd.w
	ch := &w.channels[s.channel]
	dst = append(dst, `{"token":"`...)
	dst = append(dst, w.token...)
	dst = append(dst, `","team_id":"`...)
	dst = append(dst, ch.team...)
	dst = append(dst, `","api_app_id":"`...)
	dst = append(dst, w.appID...)
	dst = append(dst, `","event":{`...)
	switch s.cls {
	case clsReaction:
		if s.removed {
			dst = append(dst, `"type":"reaction_removed","user":"`...)
		} else {
			dst = append(dst, `"type":"reaction_added","user":"`...)
		}
		dst = append(dst, w.users[s.user].id...)
		dst = append(dst, `","reaction":"`...)
		dst = append(dst, s.reaction...)
		dst = append(dst, `","item_user":"`...)
		dst = append(dst, w.users[s.itemUser].id...)
		dst = append(dst, `","item":{"type":"message","channel":"`...)
		dst = append(dst, ch.id...)
		dst = append(dst, `","ts":`...)
		dst = appendQuotedTS(dst, s.ts)
		dst = append(dst, `},"event_ts":`...)
		dst = appendQuotedTS(dst, s.t)
	case clsEdit:
		dst = append(dst, `"type":"message","subtype":"message_changed","message":`...)
		dst = rd.appendItem(dst, s.text, s)
		dst = rd.threadFields(dst, s)
		dst = append(dst, `,"edited":{"user":"`...)
		dst = append(dst, w.users[s.itemUser].id...)
		dst = append(dst, `","ts":`...)
		dst = appendQuotedTS(dst, s.t)
		dst = append(dst, `}},"previous_message":`...)
		dst = rd.appendItem(dst, s.prevText, s)
		dst = append(dst, `},"channel":"`...)
		dst = append(dst, ch.id...)
		dst = append(dst, `","hidden":true`...)
		dst = appendEventTS(dst, s.t)
	case clsDelete:
		dst = append(dst, `"type":"message","subtype":"message_deleted","previous_message":`...)
		dst = rd.appendItem(dst, s.prevText, s)
		dst = append(dst, `},"channel":"`...)
		dst = append(dst, ch.id...)
		dst = append(dst, `","hidden":true,"deleted_ts":`...)
		dst = appendQuotedTS(dst, s.ts)
		dst = appendEventTS(dst, s.t)
	case clsBot:
		b := &w.bots[s.bot]
		dst = append(dst, `"type":"message","subtype":"bot_message","text":`...)
		dst = appendJSONString(dst, b2s(s.text), true)
		dst = append(dst, `,"username":"`...)
		dst = append(dst, b.name...)
		dst = append(dst, `","bot_id":"`...)
		dst = append(dst, b.id...)
		dst = append(dst, `","ts":`...)
		dst = appendQuotedTS(dst, s.ts)
		dst = rd.tail(dst, s, ch)
	default: // authored and joins
		dst = append(dst, `"type":"message"`...)
		if s.cls == clsAuthored && s.subtype == "" {
			dst = field(dst, "client_msg_id")
			dst = append(dst, '"')
			dst = rd.r.appendUUID(dst)
			dst = append(dst, '"')
		}
		if s.subtype != "" {
			dst = append(dst, `,"subtype":"`...)
			dst = append(dst, s.subtype...)
			dst = append(dst, '"')
		}
		dst = append(dst, `,"text":`...)
		dst = appendJSONString(dst, b2s(s.text), true)
		dst = append(dst, `,"user":"`...)
		dst = append(dst, w.users[s.user].id...)
		dst = append(dst, `","ts":`...)
		dst = appendQuotedTS(dst, s.ts)
		dst = append(dst, `,"team":"`...)
		dst = append(dst, ch.team...)
		dst = append(dst, '"')
		if s.subtype == "file_share" {
			dst = append(dst, `,"files":[{"id":"F`...)
			dst = appendInt(dst, s.t%1e9)
			dst = append(dst, `","name":"notes.pdf","mimetype":"application/pdf","filetype":"pdf","size":`...)
			dst = appendInt(dst, 1000+s.t%900000)
			dst = append(dst, `}],"upload":false`...)
		}
		if s.cls == clsAuthored && s.subtype == "" && s.t%3 == 0 {
			// Newer clients send the text again as rich-text blocks.
			dst = append(dst, `,"blocks":[{"type":"rich_text","block_id":"`...)
			dst = appendInt(dst, s.t%99991)
			dst = append(dst, `","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":`...)
			dst = appendJSONString(dst, b2s(s.text), true)
			dst = append(dst, `}]}]}]`...)
		}
		dst = rd.threadFields(dst, s)
		dst = rd.tail(dst, s, ch)
	}
	dst = append(dst, `},"type":"event_callback","event_id":"`...)
	dst = appendEventID(dst, rd.day, s.eventSeq)
	dst = append(dst, `","event_time":`...)
	dst = appendInt(dst, s.t/1e6)
	dst = append(dst, `,"authorizations":[{"enterprise_id":null,"team_id":"`...)
	dst = append(dst, ch.team...)
	dst = append(dst, `","user_id":"`...)
	dst = append(dst, w.appUser...)
	return append(dst, `","is_bot":true,"is_enterprise_install":false}],"is_ext_shared_channel":false}`...)
}

// appendItem opens the message an edit or a deletion is about: its type,
// the given text, its author and ts, with the object left open.
func (rd *renderer) appendItem(dst, text []byte, s *spec) []byte {
	dst = append(dst, `{"type":"message","text":`...)
	dst = appendJSONString(dst, b2s(text), true)
	dst = append(dst, `,"user":"`...)
	dst = append(dst, rd.w.users[s.itemUser].id...)
	dst = append(dst, `","ts":`...)
	return appendQuotedTS(dst, s.ts)
}

// appendEventTS ends an edit or deletion event: its own ts, event_ts and
// channel type.
func appendEventTS(dst []byte, t int64) []byte {
	dst = append(dst, `,"ts":`...)
	dst = appendQuotedTS(dst, t)
	dst = append(dst, `,"event_ts":`...)
	dst = appendQuotedTS(dst, t)
	return append(dst, `,"channel_type":"channel"`...)
}

func (rd *renderer) threadFields(dst []byte, s *spec) []byte {
	if s.thread == 0 {
		return dst
	}
	dst = append(dst, `,"thread_ts":`...)
	dst = appendQuotedTS(dst, s.thread)
	dst = append(dst, `,"parent_user_id":"`...)
	dst = append(dst, rd.w.users[s.parent].id...)
	return append(dst, '"')
}

// tail appends the channel fields that close a message event.
func (rd *renderer) tail(dst []byte, s *spec, ch *channelInfo) []byte {
	dst = append(dst, `,"channel":"`...)
	dst = append(dst, ch.id...)
	dst = append(dst, `","event_ts":`...)
	dst = appendQuotedTS(dst, s.t)
	return append(dst, `,"channel_type":"channel"`...)
}

// canonical renders the record the ingest Lambda writes, with schema's own
// encoder.
func (rd *renderer) canonical(dst []byte, s *spec) []byte {
	w := rd.w
	m := &rd.m
	*m = schema.Message{
		Source:      schema.SourceCanonical,
		Team:        w.channels[s.channel].team,
		ChannelID:   w.channels[s.channel].id,
		ChannelName: w.channels[s.channel].name,
		Subtype:     s.subtype,
		Text:        string(s.text),
	}
	rd.scratch = appendEventID(rd.scratch[:0], rd.day, s.eventSeq)
	m.EventID = string(rd.scratch)
	m.TS = tsString(s.ts)
	if s.thread != 0 {
		m.ThreadTS = tsString(s.thread)
		m.ParentUser = w.users[s.parent].id
	}
	switch s.cls {
	case clsReaction:
		m.Kind = schema.KindReactionAdded
		if s.removed {
			m.Kind = schema.KindReactionRemoved
		}
		m.TS = tsString(s.t)
		m.UserID = w.users[s.user].id
		m.Reaction = s.reaction
		m.ItemUser = w.users[s.itemUser].id
		m.ItemTS = tsString(s.ts)
		m.ChannelName = ""
	case clsEdit:
		m.UserID = w.users[s.itemUser].id
		m.EditedTS = tsString(s.t)
	case clsDelete:
		m.Text = ""
		m.EditedTS = tsString(s.t)
	case clsBot:
		m.BotID = w.bots[s.bot].id
		m.UserName = w.bots[s.bot].name
	default:
		m.UserID = w.users[s.user].id
		m.UserName = w.users[s.user].name
	}
	// The encoder ends the record with a newline; the simulated Firehose
	// adds its own (or, for a glued record, none).
	dst = rd.enc.AppendNDJSON(dst, m)
	return dst[:len(dst)-1]
}

func tsString(us int64) string {
	var buf [24]byte
	return string(appendTS(buf[:0], us))
}

// Malformed-record causes, in Facts.QuarantinedByCause.
const (
	badTruncated = iota + 1
	badGarbage
	badWrongType
	badInvalidUTF8
)

var badNames = [...]string{"", "truncated", "garbage", "wrong_type", "invalid_utf8"}

// garbageLines are non-JSON lines. None may start with a character that
// fastjson takes for the start of a number ("E", "e", "-", digits): it
// would report a number record and then a syntax error, two records
// where a reader sees one bad line.
var garbageLines = []string{
	"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
	"Traceback (most recent call last): File \"handler.py\", line 12, in handler",
	"Task timed out after 3.00 seconds",
	"<?xml version=\"1.0\"?><Error><Code>InternalError</Code></Error>",
	"{{{{ not json at all",
	"undefined",
	"[object Object]",
}

// malformed appends a bad record of cause bad, derived from the valid record
// good of era e.
func (rd *renderer) malformed(dst []byte, bad int, e era, good []byte, s *spec) []byte {
	switch bad {
	case badTruncated:
		// A strict prefix of a JSON object is never valid JSON; cut on a
		// rune boundary so that the cause stays a syntax error.
		k := len(good)/4 + rd.r.intn(len(good)/2+1)
		for k > 1 && !utf8.RuneStart(good[k]) {
			k--
		}
		return append(dst, good[:k]...)
	case badGarbage:
		return append(dst, garbageLines[rd.r.intn(len(garbageLines))]...)
	case badWrongType:
		// A ts sent as a number instead of a string.
		ch := &rd.w.channels[s.channel]
		switch e {
		case eraWebhook:
			dst = append(dst, `{"token":"`...)
			dst = append(dst, rd.w.token...)
			dst = append(dst, `","team_id":"`...)
			dst = append(dst, ch.team...)
			dst = append(dst, `","channel_id":"`...)
			dst = append(dst, ch.id...)
			dst = append(dst, `","timestamp":`...)
			dst = appendInt(dst, s.t/1e6)
			return append(dst, `,"user_id":"USLACKBOT","text":"ts as a number"}`...)
		case eraEvents:
			dst = append(dst, `{"token":"`...)
			dst = append(dst, rd.w.token...)
			dst = append(dst, `","team_id":"`...)
			dst = append(dst, ch.team...)
			dst = append(dst, `","event":{"type":"message","channel":"`...)
			dst = append(dst, ch.id...)
			dst = append(dst, `","text":"ts as a number","ts":`...)
			dst = appendInt(dst, s.t/1e6)
			return append(dst, `},"type":"event_callback","event_id":"Ev0BADTYPE0"}`...)
		default:
			dst = append(dst, `{"v":1,"src":"canonical","team":"`...)
			dst = append(dst, ch.team...)
			dst = append(dst, `","channel":"`...)
			dst = append(dst, ch.id...)
			dst = append(dst, `","ts":`...)
			dst = appendInt(dst, s.t/1e6)
			return append(dst, `,"text":"ts as a number"}`...)
		}
	default: // badInvalidUTF8: a valid record with two stray bytes in it
		i := len(good) / 2
		dst = append(dst, good[:i]...)
		dst = append(dst, 0xff, 0xfe)
		return append(dst, good[i:]...)
	}
}

// dayKey is the Facts key of the UTC day of t.
func dayKey(t time.Time) string {
	return t.UTC().Format(time.DateOnly)
}
