package aggregate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EvidenceSize is how many messages each ranked office, user and topic keeps
// as evidence, so that a surprising figure can be traced to real messages.
const EvidenceSize = 3

// Ref points at a message: its channel and ts, and, only when a run
// includes text (--include-text), the message's text. Without it the text
// stays in the archive. The ts is kept as Unix microseconds, the precision
// of a Slack ts.
type Ref struct {
	Channel string
	TS      int64 // Unix microseconds
	// Text is the message's text, or "" when text is not included. It
	// rides along: refs are ordered and told apart by ts and channel only.
	Text string
}

// ref is a Ref as Evidence and the aggregate's once map keep it: 24 bytes,
// as large as a Ref without text was, so that the text it may carry costs
// runs without text no memory. The channel is the aggregate's own copy of
// the id, shared by all refs to that channel; the text, when included, is
// the one copy shared by all refs to that message.
type ref struct {
	channel *string
	ts      int64   // Unix microseconds
	text    *string // nil unless text is included
}

func (r *ref) less(o *ref) bool {
	if r.ts != o.ts {
		return r.ts < o.ts
	}
	return r.channel != o.channel && *r.channel < *o.channel
}

// same says whether r and o point at the same message.
func (r *ref) same(o *ref) bool {
	return r.ts == o.ts && (r.channel == o.channel || *r.channel == *o.channel)
}

// takeText keeps the larger of the texts of two refs to one message: they
// agree unless refs with and without text meet, and then the text wins,
// whichever came first.
func (r *ref) takeText(text *string) {
	if text != nil && (r.text == nil || *text > *r.text) {
		r.text = text
	}
}

// Ref returns r as a Ref.
func (r *ref) Ref() Ref {
	out := Ref{Channel: *r.channel, TS: r.ts}
	if r.text != nil {
		out.Text = *r.text
	}
	return out
}

// SlackTS renders the ts as Slack writes it.
func (r Ref) SlackTS() string {
	var buf [24]byte
	return string(r.appendSlackTS(buf[:0]))
}

// appendSlackTS appends "seconds.micros", micros zero-padded to six digits.
// Tables render a ref for every kept topic: fmt was a tenth of that work.
func (r Ref) appendSlackTS(b []byte) []byte {
	if r.TS < 0 { // not a Slack ts; render it as fmt would
		return fmt.Appendf(b, "%d.%06d", r.TS/1_000_000, r.TS%1_000_000)
	}
	b = strconv.AppendInt(b, r.TS/1_000_000, 10)
	us := r.TS % 1_000_000
	b = append(b, '.')
	for d := int64(100_000); d > 0; d /= 10 {
		b = append(b, byte('0'+us/d%10))
	}
	return b
}

// String renders r as "channel/ts", the form of the evidence columns.
func (r Ref) String() string {
	// Channel ids are short: the buffer is the stack's, and the string
	// the one allocation.
	var buf [64]byte
	b := append(buf[:0], r.Channel...)
	b = append(b, '/')
	return string(r.appendSlackTS(b))
}

// ParseRef is the inverse of Ref.String.
func ParseRef(s string) (Ref, bool) {
	c, ts, ok := strings.Cut(s, "/")
	if !ok || c == "" {
		return Ref{}, false
	}
	sec, frac, ok := strings.Cut(ts, ".")
	if !ok || len(frac) != 6 {
		return Ref{}, false
	}
	secs, err1 := strconv.ParseUint(sec, 10, 40)
	usecs, err2 := strconv.ParseUint(frac, 10, 20)
	if err1 != nil || err2 != nil {
		return Ref{}, false
	}
	return Ref{Channel: c, TS: int64(secs)*1_000_000 + int64(usecs)}, true
}

// RefAt is a ref to the message of channel at t.
func RefAt(channel string, t time.Time) Ref { return Ref{Channel: channel, TS: t.UnixMicro()} }

// Evidence keeps the earliest EvidenceSize messages seen: a choice that
// depends only on the set of messages, so that merging in any order keeps
// the same ones.
type Evidence struct {
	n    int
	refs [EvidenceSize]ref
}

// Refs returns the messages kept, earliest first.
func (e *Evidence) Refs() []Ref {
	out := make([]Ref, e.n)
	for i := range out {
		out[i] = e.refs[i].Ref()
	}
	return out
}

// add offers a message. The strings r points at are kept as given:
// callers pass ones that never change (the aggregate's own).
func (e *Evidence) add(r ref) {
	if r.channel == nil || *r.channel == "" {
		return
	}
	if e.n == EvidenceSize && !r.less(&e.refs[e.n-1]) {
		// The common case: later than everything kept.
		if r.text != nil && r.same(&e.refs[e.n-1]) {
			e.refs[e.n-1].takeText(r.text)
		}
		return
	}
	i := 0
	for i < e.n && e.refs[i].less(&r) {
		i++
	}
	if i < e.n && e.refs[i].same(&r) {
		e.refs[i].takeText(r.text)
		return
	}
	if e.n < EvidenceSize {
		e.n++
	}
	copy(e.refs[i+1:e.n], e.refs[i:e.n-1])
	e.refs[i] = r
}

// Merge adds the refs of o.
func (e *Evidence) Merge(o *Evidence) {
	for i := range o.n {
		e.add(o.refs[i])
	}
}

// strings renders the refs for a table column.
func (e *Evidence) strings(c *cells) []string {
	if e.n == 0 {
		return nil
	}
	out := c.strings(e.n)
	for i := range out {
		r := &e.refs[i]
		out[i] = c.ref(*r.channel, r.ts)
	}
	return out
}

// texts renders the texts of the refs for a table column, parallel to
// strings; nil when no ref carries text (text not included).
func (e *Evidence) texts() []string {
	for i := range e.n {
		if e.refs[i].text != nil {
			out := make([]string, e.n)
			for i := range out {
				if t := e.refs[i].text; t != nil {
					out[i] = *t
				}
			}
			return out
		}
	}
	return nil
}

// evidenceOf is the inverse of strings and texts: texts, when not empty,
// is parallel to refs. The refs point at the channel ids of ids.
func evidenceOf(refs, texts []string, ids channelIDs) Evidence {
	var e Evidence
	for i, s := range refs {
		r, ok := ParseRef(s)
		if !ok {
			continue
		}
		in := ref{channel: ids.keep(r.Channel), ts: r.TS}
		if i < len(texts) && texts[i] != "" {
			text := texts[i]
			in.text = &text
		}
		e.add(in)
	}
	return e
}

// channelIDs gives the refs rebuilt from one day's tables one copy of each
// channel id to point at: a day has few channels and many refs.
type channelIDs map[string]*string

func (c channelIDs) keep(id string) *string {
	p := c[id]
	if p == nil {
		p = new(string)
		*p = id
		c[id] = p
	}
	return p
}
