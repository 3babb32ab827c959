package pipeline

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wiretap-hq/wiretap/schema"
)

// DefaultEditWindow is how long after its message hour an edit, a deletion
// or a reaction may arrive and still apply.
const DefaultEditWindow = 24 * time.Hour

// Revisions holds the latest word on messages: their last edit, their
// deletion, and their reactions, as read so far. Readers add to it; a
// Worker takes a message's revision when it analyses the message.
//
// A revision applies when it arrives within the edit window after its
// message hour (InArrivalWindow with the margin plus the window): the same
// rule for every range, so that ranges, shards, nightly runs and queries
// agree. The engine reads that much further and flushes a message hour
// only once every revision of it can have been read, so the state of an
// hour is complete, and no longer written to, by the time a Worker looks at
// it.
//
// State is kept per UTC message hour, the unit Workers analyse, and dropped
// (counting the revisions nobody took) once every Worker has flushed
// through the hour: memory holds the revisions of the hours in flight,
// which are a small share of their records. Revisions is safe for
// concurrent use.
type Revisions struct {
	mu     sync.Mutex
	hours  map[int64]map[[16]byte]*Revision
	counts RevisionCounts
}

// Revision is what is known of one message's later life. Of several edits
// the one with the latest edit ts wins (then the larger text), a deletion
// wins over any edit, and reactions are counted added minus removed per
// emoji: the outcome does not depend on the order records were read in.
type Revision struct {
	Deleted  bool
	Edited   bool
	EditedAt time.Time // of the winning edit
	Text     string    // of the winning edit
	// reactions are added minus removed, by emoji name: a slice, since a
	// message has few, and since assigning to a map entry would replace
	// its key with the caller's string, which may alias a decode buffer.
	reactions []emojiCount

	edits, deletes, reactionEvents int64 // records, for accounting
	taken                          atomic.Bool
}

// NetReactions are the message's reactions, by emoji, each never below
// zero: a removal whose addition came before the window, or was lost,
// takes away nothing.
func (r *Revision) NetReactions(yield func(emoji string, n int64) bool) {
	for _, c := range r.reactions {
		if c.n > 0 && !yield(c.emoji, c.n) {
			return
		}
	}
}

// emojiCount is one emoji's reactions to a message.
type emojiCount struct {
	emoji string
	n     int64
}

// RevisionCounts account for the revisions of a run's messages: those
// applied to a message the run analysed, and those whose message it did not
// see (outside the range's records, a bot's, or lost). Those that arrived
// after the edit window are in Counts.OutsideWindow and in the Late counts.
type RevisionCounts struct {
	EditsApplied     int64 `json:"edits_applied"`
	EditsNotSeen     int64 `json:"edits_not_seen"`
	EditsLate        int64 `json:"edits_outside_window"`
	DeletesApplied   int64 `json:"deletes_applied"`
	DeletesNotSeen   int64 `json:"deletes_not_seen"`
	DeletesLate      int64 `json:"deletes_outside_window"`
	ReactionsApplied int64 `json:"reactions_applied"`
	ReactionsNotSeen int64 `json:"reactions_not_seen"`
	ReactionsLate    int64 `json:"reactions_outside_window"`
}

// Add adds o into c.
func (c *RevisionCounts) Add(o *RevisionCounts) {
	c.EditsApplied += o.EditsApplied
	c.EditsNotSeen += o.EditsNotSeen
	c.EditsLate += o.EditsLate
	c.DeletesApplied += o.DeletesApplied
	c.DeletesNotSeen += o.DeletesNotSeen
	c.DeletesLate += o.DeletesLate
	c.ReactionsApplied += o.ReactionsApplied
	c.ReactionsNotSeen += o.ReactionsNotSeen
	c.ReactionsLate += o.ReactionsLate
}

// NewRevisions returns an empty Revisions.
func NewRevisions() *Revisions {
	return &Revisions{hours: make(map[int64]map[[16]byte]*Revision)}
}

// hourKey numbers the UTC hour of t: its Unix hour.
func hourKey(t time.Time) int64 { return t.Truncate(time.Hour).Unix() / 3600 }

// add records one revision record, deduplicated, of the message at target
// (its time) with key.
func (r *Revisions) add(m *schema.Message, target time.Time, key [16]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	hour := r.hours[hourKey(target)]
	if hour == nil {
		hour = make(map[[16]byte]*Revision)
		r.hours[hourKey(target)] = hour
	}
	rev := hour[key]
	if rev == nil {
		rev = &Revision{}
		hour[key] = rev
	}
	switch {
	case m.Kind == schema.KindReactionAdded || m.Kind == schema.KindReactionRemoved:
		rev.reactionEvents++
		d := int64(1)
		if m.Kind == schema.KindReactionRemoved {
			d = -1
		}
		i := slices.IndexFunc(rev.reactions, func(c emojiCount) bool { return c.emoji == m.Reaction })
		if i < 0 {
			i = len(rev.reactions)
			rev.reactions = append(rev.reactions, emojiCount{emoji: strings.Clone(m.Reaction)})
		}
		rev.reactions[i].n += d
	case m.Subtype == "message_deleted":
		rev.deletes++
		rev.Deleted = true
	default: // message_changed
		rev.edits++
		at, err := schema.ParseTS(m.EditedTS)
		if err != nil {
			at = target // an edit without a usable edit ts ranks as the oldest
		}
		if !rev.Edited || cmp.Or(at.Compare(rev.EditedAt), strings.Compare(m.Text, rev.Text)) > 0 {
			rev.Edited, rev.EditedAt, rev.Text = true, at, strings.Clone(m.Text)
		}
	}
}

// Hour returns the revisions of the messages of the UTC hour that starts at
// start, by schema.MessageKey. Call it only once every revision of that
// hour has been read (a Worker's Flush through the hour's end): the map is
// then no longer written to and may be read without locks. Take marks what
// a Worker applies.
func (r *Revisions) Hour(start time.Time) map[[16]byte]*Revision {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hours[hourKey(start)]
}

// Take marks rev applied to a message the Worker analysed: it counts as
// applied rather than not seen. A nil rev is ignored.
func (rev *Revision) Take() {
	if rev != nil {
		rev.taken.Store(true)
	}
}

// release drops the hours that end at or before through, counting their
// revisions as applied or not seen.
func (r *Revisions) release(through time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for h, revs := range r.hours {
		if time.Unix((h+1)*3600, 0).After(through) {
			continue
		}
		for rev := range maps.Values(revs) {
			c := &r.counts
			if rev.taken.Load() {
				c.EditsApplied += rev.edits
				c.DeletesApplied += rev.deletes
				c.ReactionsApplied += rev.reactionEvents
			} else {
				c.EditsNotSeen += rev.edits
				c.DeletesNotSeen += rev.deletes
				c.ReactionsNotSeen += rev.reactionEvents
			}
		}
		delete(r.hours, h)
	}
}
