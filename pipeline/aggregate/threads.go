package aggregate

import (
	"cmp"
	"slices"
	"strings"
)

// Threads are kept one entry per thread, not as counts: whether a question
// was answered, and how fast, depends on the earliest reply, which can come
// on a later day, from another shard, or in another query's range than the
// question. Each stretch of message time keeps what it saw of a thread (its
// parent, if it asks something; its replies and the earliest of them); the
// entries of any stretches merge exactly, and the summary judges them once
// the range is known. Entries exist only for questions and for threads that
// got a reply, so they grow with those, not with every message.

// ThreadKey identifies a thread: its channel and its parent's ts.
type ThreadKey struct {
	Team, Channel string
	TS            int64 // the parent's ts, Unix microseconds
}

// ThreadStats is what a stretch of message time saw of one thread.
type ThreadStats struct {
	// Office is that of the parent's author: from the parent itself when
	// it was seen (ParentSeen), otherwise from the parent author a reply
	// names; "" when neither said.
	Office     string
	ParentSeen bool
	Question   bool  // the parent was seen and asks something
	Replies    int64 // replies seen
	FirstReply int64 // ts of the earliest reply seen, Unix microseconds; 0: none
	// Text is the question's text, only when text is included
	// (Observation.Text); nil otherwise.
	Text *string
}

func (t *ThreadStats) merge(o *ThreadStats) {
	switch {
	case o.ParentSeen && (!t.ParentSeen || o.Office < t.Office):
		t.Office, t.ParentSeen = o.Office, true
	case !t.ParentSeen && o.Office != "" && (t.Office == "" || o.Office < t.Office):
		t.Office = o.Office
	}
	t.Question = t.Question || o.Question
	if o.Text != nil && (t.Text == nil || *o.Text > *t.Text) {
		t.Text = o.Text
	}
	t.Replies += o.Replies
	if o.FirstReply != 0 && (t.FirstReply == 0 || o.FirstReply < t.FirstReply) {
		t.FirstReply = o.FirstReply
	}
}

// observeThread adds what message o says about threads: a reply counts in
// its thread, a question that starts no thread opens one. channel is the
// aggregate's own copy of the channel id, text the one copy of the
// message's text (nil without text).
func (a *Aggregate) observeThread(o *Observation, channel string, text *string) {
	team := o.Team
	ts := o.Time.UnixMicro()
	switch {
	case o.ThreadParent != 0 && o.ThreadParent != ts:
		t := a.thread(ThreadKey{team, channel, o.ThreadParent}, o.StableIDs)
		t.Replies++
		if t.FirstReply == 0 || ts < t.FirstReply {
			t.FirstReply = ts
		}
		// Offices, like the author's, are the caller's stable strings.
		if !t.ParentSeen && o.ParentOffice != "" && (t.Office == "" || o.ParentOffice < t.Office) {
			t.Office = o.ParentOffice
		}
	case o.Question:
		t := a.thread(ThreadKey{team, channel, ts}, o.StableIDs)
		office := o.Office
		if office == "" {
			office = Unassigned
		}
		t.Office, t.ParentSeen, t.Question, t.Text = office, true, true, text
	}
}

// thread returns the entry of k, made if new; unless stable, k's team is
// copied before it becomes a map key.
func (a *Aggregate) thread(k ThreadKey, stable bool) *ThreadStats {
	t := a.Threads[k]
	if t == nil {
		if !stable {
			k.Team = strings.Clone(k.Team)
		}
		t = &ThreadStats{}
		a.Threads[k] = t
	}
	return t
}

// ThreadRow is a row of the threads table: what one day's messages say of
// a thread, the day being that of the messages (a reply the day after a
// question is in the next day's partition). Ts columns are Slack ts
// strings.
type ThreadRow struct {
	TeamID       string `parquet:"team_id,dict"`
	ChannelID    string `parquet:"channel_id,dict"`
	ThreadTS     string `parquet:"thread_ts"`
	Office       string `parquet:"office,dict"` // the parent author's; "" when not known
	ParentSeen   bool   `parquet:"parent_seen"`
	Question     bool   `parquet:"question"`
	Replies      int64  `parquet:"replies"`
	FirstReplyTS string `parquet:"first_reply_ts"` // "" when no reply
	// QuestionText is the question's text when the run included text;
	// with text, rows are written as ThreadTextRow (see OfficeRow).
	QuestionText string `parquet:"-" column:"question_text"`
}

// ThreadTextRow is a ThreadRow as written when evidence carries text.
type ThreadTextRow struct {
	ThreadRow
	QuestionText string `parquet:"question_text"`
}

func threadRows(threads map[ThreadKey]*ThreadStats) []ThreadRow {
	rows := make([]ThreadRow, 0, len(threads))
	for k, t := range threads {
		r := ThreadRow{TeamID: k.Team, ChannelID: k.Channel, ThreadTS: Ref{TS: k.TS}.SlackTS(),
			Office: t.Office, ParentSeen: t.ParentSeen, Question: t.Question, Replies: t.Replies}
		if t.FirstReply != 0 {
			r.FirstReplyTS = Ref{TS: t.FirstReply}.SlackTS()
		}
		if t.Text != nil {
			r.QuestionText = *t.Text
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(x, y ThreadRow) int {
		return cmp.Or(cmp.Compare(x.TeamID, y.TeamID), cmp.Compare(x.ChannelID, y.ChannelID),
			cmp.Compare(len(x.ThreadTS), len(y.ThreadTS)), cmp.Compare(x.ThreadTS, y.ThreadTS))
	})
	return rows
}

// parseTS reads a ts column; ok is false for a value that is not one.
func parseTS(s string) (int64, bool) {
	r, ok := ParseRef("c/" + s)
	return r.TS, ok
}

func threadsOf(rows []ThreadRow, threads map[ThreadKey]*ThreadStats) {
	for _, r := range rows {
		ts, ok := parseTS(r.ThreadTS)
		if !ok {
			continue
		}
		t := &ThreadStats{Office: r.Office, ParentSeen: r.ParentSeen, Question: r.Question, Replies: r.Replies}
		if first, ok := parseTS(r.FirstReplyTS); ok {
			t.FirstReply = first
		}
		if r.QuestionText != "" {
			text := r.QuestionText
			t.Text = &text
		}
		k := ThreadKey{r.TeamID, r.ChannelID, ts}
		if s := threads[k]; s != nil {
			s.merge(t)
		} else {
			threads[k] = t
		}
	}
}
