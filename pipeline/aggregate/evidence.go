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

// Ref points at a message: its channel and ts. It carries no text; the
// text stays in the archive. The ts is kept as Unix microseconds, the
// precision of a Slack ts, so that keeping and comparing refs costs no
// allocation on the hot path.
type Ref struct {
	Channel string
	TS      int64 // Unix microseconds
}

func (r Ref) less(o Ref) bool {
	if r.TS != o.TS {
		return r.TS < o.TS
	}
	return r.Channel < o.Channel
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
	b := make([]byte, 0, len(r.Channel)+1+18)
	b = append(b, r.Channel...)
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
	refs [EvidenceSize]Ref
}

// Refs returns the messages kept, earliest first.
func (e *Evidence) Refs() []Ref { return e.refs[:e.n] }

// add offers a message. The channel string is kept as given: callers pass
// one they own (a map key of the aggregate), never a scratch buffer.
func (e *Evidence) add(r Ref) {
	if r.Channel == "" {
		return
	}
	if e.n == EvidenceSize && !r.less(e.refs[e.n-1]) {
		return // the common case: later than everything kept
	}
	i := 0
	for i < e.n && e.refs[i].less(r) {
		i++
	}
	if i < e.n && e.refs[i] == r {
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
	for _, r := range o.Refs() {
		e.add(r)
	}
}

// strings renders the refs for a table column.
func (e *Evidence) strings() []string {
	if e.n == 0 {
		return nil
	}
	out := make([]string, e.n)
	for i, r := range e.Refs() {
		out[i] = r.String()
	}
	return out
}

func evidenceOf(refs []string) Evidence {
	var e Evidence
	for _, s := range refs {
		if r, ok := ParseRef(s); ok {
			e.add(r)
		}
	}
	return e
}
