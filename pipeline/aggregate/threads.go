package aggregate

import (
	"cmp"
	"iter"
	"slices"
	"strings"

	"github.com/wiretap-hq/wiretap/internal/numbering"
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

// threads are an aggregate's thread entries. A range's aggregate holds one
// entry for every question and replied thread of the range, so they are
// kept compact and free of pointers: channels, offices and texts are
// numbered in tables of their own, and the entries are a slice indexed by
// a map of fixed-size keys, which the garbage collector need not scan.
// Strings held as *string and map keys holding strings made the entries of
// a month-long run most of what every collection had to scan. The entries
// are kept in blocks, so that a range's many are never copied to grow.
//
// Threads merged in from other aggregates (a range's total takes one day
// after another) are not indexed: each merge adds a run, sorted by id with
// ids unique, and runs are merged pairwise, like a binary counter, so that
// a range's threads cost a sort and a few linear merges rather than a map
// that grows to every thread of the range and is probed once per thread
// and day.
type threads struct {
	index    map[threadID]int32 // into entries
	entries  blocks[thread]
	runs     []run // each at least twice the next
	inRuns   int   // entries in runs
	channels numbering.Numbering[ChannelKey]
	offices  numbering.Numbering[string] // "" is 0
	texts    []*string                   // by text number - 1
}

// threadID is a thread's key with its channel numbered.
type threadID struct {
	ch uint32
	ts int64
}

// thread is a ThreadStats with its key, its office and text numbered (0:
// "" and nil). The key's fields are its own rather than an embedded
// threadID, whose padding would make every entry 48 bytes instead of 40:
// a range holds one per question and replied thread.
type thread struct {
	ts, replies, firstReply int64
	ch, office, text        uint32
	parentSeen, question    bool
}

func (t *thread) id() threadID { return threadID{t.ch, t.ts} }

func newThreads(n int) threads {
	ts := threads{index: make(map[threadID]int32, n), channels: numbering.New[ChannelKey](0),
		offices: numbering.New[string](1)}
	ts.offices.Number("") // 0, the office of a zero entry
	return ts
}

// Len is how many thread entries are held: an upper bound of how many
// threads there are, since a thread can have an entry in several runs.
func (ts *threads) Len() int { return ts.entries.len() + ts.inRuns }

// blocks is a slice of T that grows by whole blocks, without copying.
type blocks[T any] struct {
	blocks [][]T
	n      int
}

const blockSize = 1024

func (b *blocks[T]) len() int { return b.n }

func (b *blocks[T]) at(i int) *T { return &b.blocks[i/blockSize][i%blockSize] }

// add appends a zero T and returns it.
func (b *blocks[T]) add() *T {
	if b.n%blockSize == 0 {
		b.blocks = append(b.blocks, make([]T, blockSize))
	}
	b.n++
	return b.at(b.n - 1)
}

// channel numbers the channel k, whose strings must be stable.
func (ts *threads) channel(k ChannelKey) uint32 { return ts.channels.Number(k) }

// officeNum numbers office ("" is 0); office must be a stable string.
func (ts *threads) officeNum(office string) uint32 { return ts.offices.Number(office) }

func (ts *threads) officeName(n uint32) string { return ts.offices.Key(n) }

func (ts *threads) textNum(text *string) uint32 {
	if text == nil {
		return 0
	}
	ts.texts = append(ts.texts, text)
	return uint32(len(ts.texts))
}

// entry returns the thread id, made if new.
func (ts *threads) entry(id threadID) *thread {
	t, _ := ts.lookup(id)
	return t
}

// lookup returns the thread id, made if new, and whether it is.
func (ts *threads) lookup(id threadID) (*thread, bool) {
	i, ok := ts.index[id]
	if !ok {
		ts.index[id] = int32(ts.entries.len())
		t := ts.entries.add()
		t.ch, t.ts = id.ch, id.ts
		return t, true
	}
	return ts.entries.at(int(i)), false
}

// stats returns t as a key and ThreadStats.
func (ts *threads) stats(t *thread) (ThreadKey, ThreadStats) {
	ck := ts.channels.Key(t.ch)
	s := ThreadStats{Office: ts.officeName(t.office), ParentSeen: t.parentSeen, Question: t.question,
		Replies: t.replies, FirstReply: t.firstReply}
	if t.text != 0 {
		s.Text = ts.texts[t.text-1]
	}
	return ThreadKey{ck.Team, ck.Channel, t.ts}, s
}

// add merges the thread k, s into ts; k's strings and s's office must be
// stable.
func (ts *threads) add(k ThreadKey, s *ThreadStats) {
	ts.put(threadID{ts.channel(ChannelKey{k.Team, k.Channel}), k.TS}, s)
}

// put merges s into the thread id.
func (ts *threads) put(id threadID, s *ThreadStats) {
	t, isNew := ts.lookup(id)
	ts.set(t, isNew, s)
}

// set merges s into t, which is new or not.
func (ts *threads) set(t *thread, isNew bool, s *ThreadStats) {
	if isNew {
		t.office, t.text = ts.officeNum(s.Office), ts.textNum(s.Text)
		t.parentSeen, t.question, t.replies, t.firstReply = s.ParentSeen, s.Question, s.Replies, s.FirstReply
		return
	}
	_, cur := ts.stats(t)
	old := cur.Text
	cur.merge(s)
	if cur.Text != old {
		t.text = ts.textNum(cur.Text)
	}
	t.office = ts.officeNum(cur.Office)
	t.parentSeen, t.question, t.replies, t.firstReply = cur.ParentSeen, cur.Question, cur.Replies, cur.FirstReply
}

// merge adds the threads of o as a run: its channels, offices and texts
// are numbered in ts once each, not once per thread.
func (ts *threads) merge(o *threads) {
	if o.Len() == 0 {
		return
	}
	chans := numbering.Renumbering[ChannelKey]{From: &o.channels, To: &ts.channels}
	offices := numbering.Renumbering[string]{From: &o.offices, To: &ts.offices}
	run := make([]thread, 0, o.Len())
	for e := range o.held {
		t := *e
		t.ch, t.office = chans.Of(e.ch), offices.Of(e.office)
		if e.text != 0 {
			t.text = ts.textNum(o.texts[e.text-1])
		}
		run = append(run, t)
	}
	slices.SortFunc(run, compareThreads)
	ts.push(wholeRun(ts.combine(run)))
}

// held yields every entry held, in no particular order: a thread with
// entries in several runs is yielded once per entry.
func (ts *threads) held(yield func(*thread) bool) {
	for i := range ts.entries.len() {
		if !yield(ts.entries.at(i)) {
			return
		}
	}
	for _, r := range ts.runs {
		for _, b := range r.blocks {
			for i := range b {
				if !yield(&b[i]) {
					return
				}
			}
		}
	}
}

func compareThreads(x, y thread) int {
	return cmp.Or(cmp.Compare(x.ch, y.ch), cmp.Compare(x.ts, y.ts))
}

// combine merges the adjacent entries of the sorted run that have the same
// id, in place, and returns the shortened run.
func (ts *threads) combine(run []thread) []thread {
	out := run[:0]
	for i := range run {
		if n := len(out); n > 0 && out[n-1].id() == run[i].id() {
			ts.fold(&out[n-1], &run[i])
			continue
		}
		out = append(out, run[i])
	}
	return out
}

// fold merges the entry e into t, an entry of the same thread.
func (ts *threads) fold(t, e *thread) {
	_, s := ts.stats(e)
	ts.set(t, false, &s)
}

// push adds a run, then merges runs while the last is not less than half
// the one before, so that there are few runs and each entry is merged a
// logarithmic number of times.
func (ts *threads) push(r run) {
	ts.runs = append(ts.runs, r)
	ts.inRuns += r.n
	for n := len(ts.runs); n > 1 && 2*ts.runs[n-1].n >= ts.runs[n-2].n; n = len(ts.runs) {
		ts.inRuns -= ts.runs[n-2].n + ts.runs[n-1].n
		merged := ts.mergeRuns(&ts.runs[n-2], &ts.runs[n-1])
		ts.runs[n-2], ts.runs[n-1] = merged, run{}
		ts.runs = ts.runs[:n-1]
		ts.inRuns += merged.n
	}
}

// run is a sequence of thread entries sorted by id, ids unique, kept in
// blocks that a merge lets go of as it consumes them: merging two runs
// then needs room for what it has written beyond what it has read, not
// for a second copy of both. A range's runs hold every question and
// replied thread of the range, and the merge that joined the largest two
// had made its peak twice that.
type run struct {
	blocks [][]thread
	n      int
}

// runBlock is how many entries a block of a merged run holds.
const runBlock = 4096

// wholeRun is a run of the sorted entries of one slice.
func wholeRun(entries []thread) run {
	if len(entries) == 0 {
		return run{}
	}
	return run{blocks: [][]thread{entries}, n: len(entries)}
}

// runReader reads a run from its start, letting go of each block read.
type runReader struct {
	r    *run
	b, i int
}

// peek returns the next entry, or nil at the end.
func (rr *runReader) peek() *thread {
	for rr.b < len(rr.r.blocks) {
		if b := rr.r.blocks[rr.b]; rr.i < len(b) {
			return &b[rr.i]
		}
		rr.r.blocks[rr.b] = nil
		rr.b, rr.i = rr.b+1, 0
	}
	return nil
}

// runWriter appends to a run of at most max entries.
type runWriter struct {
	r   run
	max int
}

func (w *runWriter) add(t *thread) {
	n := len(w.r.blocks)
	if n == 0 || len(w.r.blocks[n-1]) == cap(w.r.blocks[n-1]) {
		w.r.blocks = append(w.r.blocks, make([]thread, 0, min(runBlock, w.max-w.r.n)))
		n++
	}
	w.r.blocks[n-1] = append(w.r.blocks[n-1], *t)
	w.r.n++
}

// mergeRuns merges two runs into a new one, emptying them.
func (ts *threads) mergeRuns(x, y *run) run {
	w := runWriter{max: x.n + y.n}
	xr, yr := runReader{r: x}, runReader{r: y}
	for {
		a, b := xr.peek(), yr.peek()
		switch {
		case a == nil && b == nil:
			*x, *y = run{}, run{}
			return w.r
		case b == nil || (a != nil && compareThreads(*a, *b) < 0):
			w.add(a)
			xr.i++
		case a == nil || compareThreads(*a, *b) > 0:
			w.add(b)
			yr.i++
		default:
			t := *a
			ts.fold(&t, b)
			w.add(&t)
			xr.i++
			yr.i++
		}
	}
}

// settle makes every thread held have exactly one entry: the indexed
// entries and all runs become a single run.
func (ts *threads) settle() {
	if len(ts.runs) == 0 || (len(ts.runs) == 1 && ts.entries.len() == 0) {
		return
	}
	if ts.entries.len() > 0 {
		entries := make([]thread, 0, ts.entries.len())
		for i := range ts.entries.len() {
			entries = append(entries, *ts.entries.at(i))
		}
		slices.SortFunc(entries, compareThreads)
		ts.runs = append(ts.runs, wholeRun(entries))
		ts.index, ts.entries = make(map[threadID]int32), blocks[thread]{}
	}
	for len(ts.runs) > 1 {
		n := len(ts.runs)
		ts.runs[n-2] = ts.mergeRuns(&ts.runs[n-2], &ts.runs[n-1])
		ts.runs = ts.runs[:n-1]
	}
	ts.inRuns = ts.runs[0].n
}

// all yields every thread, in no particular order. It first settles ts, so
// that each thread is yielded once.
func (ts *threads) all(yield func(ThreadKey, ThreadStats) bool) {
	ts.settle()
	for t := range ts.held {
		if !yield(ts.stats(t)) {
			return
		}
	}
}

// Threads yields the questions and replied threads seen (see ThreadKey),
// in no particular order.
func (a *Aggregate) Threads() iter.Seq2[ThreadKey, ThreadStats] { return a.threads.all }

// observeThread adds what message o says about threads: a reply counts in
// its thread, a question that starts no thread opens one. cs is the
// message's channel in a, channel its own copy of the id, text the one
// copy of the message's text (nil without text).
func (a *Aggregate) observeThread(o *Observation, cs *ChannelStats, channel string, text *string) {
	ts := o.Time.UnixMicro()
	if cs.threadCh == 0 {
		team := o.Team
		if !o.StableIDs {
			team = strings.Clone(team)
		}
		cs.threadCh = a.threads.channel(ChannelKey{team, channel}) + 1
	}
	ch := cs.threadCh - 1
	switch {
	case o.ThreadParent != 0 && o.ThreadParent != ts:
		t := a.threads.entry(threadID{ch, o.ThreadParent})
		t.replies++
		if t.firstReply == 0 || ts < t.firstReply {
			t.firstReply = ts
		}
		// Offices, like the author's, are the caller's stable strings.
		if !t.parentSeen && o.ParentOffice != "" {
			if cur := a.threads.officeName(t.office); cur == "" || o.ParentOffice < cur {
				t.office = a.threads.officeNum(o.ParentOffice)
			}
		}
	case o.Question:
		t := a.threads.entry(threadID{ch, ts})
		office := o.Office
		if office == "" {
			office = Unassigned
		}
		t.office, t.parentSeen, t.question, t.text = a.threads.officeNum(office), true, true, a.threads.textNum(text)
	}
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

// threadRows renders the threads in the order of their columns: team,
// channel, then thread ts as rendered (shorter first, then in byte order).
// The compact entries are sorted before rendering, channels by a rank
// computed once and ts as numbers where that is the same order.
func threadRows(threads *threads) []ThreadRow {
	threads.settle()
	entries := slices.AppendSeq(make([]*thread, 0, threads.Len()), threads.held)
	byName := make([]int, threads.channels.Len())
	for i := range byName {
		byName[i] = i
	}
	slices.SortFunc(byName, func(x, y int) int {
		a, b := threads.channels.Key(uint32(x)), threads.channels.Key(uint32(y))
		return cmp.Or(cmp.Compare(a.Team, b.Team), cmp.Compare(a.Channel, b.Channel))
	})
	order := make([]int, len(byName)) // by channel number: its rank by name
	for rank, ch := range byName {
		order[ch] = rank
	}
	slices.SortFunc(entries, func(x, y *thread) int {
		return cmp.Or(cmp.Compare(order[x.ch], order[y.ch]), CompareSlackTS(x.ts, y.ts))
	})
	rows := make([]ThreadRow, 0, len(entries))
	for _, e := range entries {
		k, t := threads.stats(e)
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
	return rows
}

// CompareSlackTS orders ts (Unix microseconds) as their Slack ts
// renderings (Ref.SlackTS): shorter first, then in byte order. For ts not
// before 1970 that is numeric order, and no rendering is needed.
func CompareSlackTS(x, y int64) int {
	if x >= 0 && y >= 0 {
		return cmp.Compare(x, y)
	}
	xs, ys := Ref{TS: x}.SlackTS(), Ref{TS: y}.SlackTS()
	return cmp.Or(cmp.Compare(len(xs), len(ys)), cmp.Compare(xs, ys))
}

// parseTS reads a ts column; ok is false for a value that is not one.
func parseTS(s string) (int64, bool) {
	r, ok := ParseRef("c/" + s)
	return r.TS, ok
}

func threadsOf(rows []ThreadRow, threads *threads) {
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
		threads.add(ThreadKey{r.TeamID, r.ChannelID, ts}, t)
	}
}
