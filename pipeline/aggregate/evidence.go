package aggregate

import (
	"strings"
)

// EvidenceSize is how many messages each ranked office, user and topic keeps
// as evidence, so that a surprising figure can be traced to real messages.
const EvidenceSize = 3

// Ref points at a message: its channel and ts. It carries no text; the
// text stays in the archive.
type Ref struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

func (r Ref) less(o Ref) bool {
	if r.TS != o.TS {
		return r.TS < o.TS
	}
	return r.Channel < o.Channel
}

// String renders r as "channel/ts", the form of the evidence columns.
func (r Ref) String() string { return r.Channel + "/" + r.TS }

// ParseRef is the inverse of Ref.String.
func ParseRef(s string) (Ref, bool) {
	c, ts, ok := strings.Cut(s, "/")
	return Ref{Channel: c, TS: ts}, ok && c != "" && ts != ""
}

// Evidence keeps the earliest EvidenceSize messages seen: a choice that
// depends only on the set of messages, so that merging in any order keeps
// the same ones. Slack ts values of one era have the same length, so
// comparing them as strings orders them in time.
type Evidence struct {
	n    int
	refs [EvidenceSize]Ref
}

// Refs returns the messages kept, earliest first.
func (e *Evidence) Refs() []Ref { return e.refs[:e.n] }

// add offers a message; channel and ts are copied only when kept.
func (e *Evidence) add(channel, ts string) {
	if channel == "" || ts == "" {
		return
	}
	r := Ref{Channel: channel, TS: ts}
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
	r = Ref{Channel: clone(channel), TS: clone(ts)}
	if e.n < EvidenceSize {
		e.n++
	}
	copy(e.refs[i+1:e.n], e.refs[i:e.n-1])
	e.refs[i] = r
}

// Merge adds the refs of o.
func (e *Evidence) Merge(o *Evidence) {
	for _, r := range o.Refs() {
		e.add(r.Channel, r.TS)
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
			e.add(r.Channel, r.TS)
		}
	}
	return e
}
