package jobs

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/wiretap-hq/wiretap/nlp"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/schema"
)

// analyst is the pipeline.Worker of an analysis run. It holds the batches
// of each message hour until the engine says the hour is final (its edit
// window has passed: every edit, deletion and reaction of its messages has
// been read), then scores the hour's messages in their final form and adds
// them to their day's aggregate, which it hands to the collector once the
// day's last hour is in. Holding batches rather than analysing at once is
// what lets an edit replace, and a deletion remove, a message's whole
// contribution: nothing is added that would have to be taken out again.
//
// The held batches and the open day aggregates are the run's, not the
// worker's (see heldHours): a final hour is analysed by the worker that
// owns its day, into the day's aggregate, while the others go on reading.
type analyst struct {
	nlp       *nlp.Analyzer
	roster    *pipeline.Roster
	revisions *pipeline.Revisions
	sink      *collector
	held      *heldHours
	worker    int  // this worker's number in the run, from 0
	text      bool // evidence carries message text

	batchHours []msgHour // the message hours of the batch being held
	analysis   nlp.Analysis
	// mentioned and reactions are the buffers of an Observation's lists,
	// reused. The message and the Observation themselves are locals: on
	// the stack, filling them needs no write barriers while the collector
	// runs.
	mentioned []aggregate.Mention
	reactions []aggregate.Reaction
	topicBuf  []string
	// labels caches the topic labels of emoji and channel names, so that
	// building ":tada:" or "#general" allocates once per name, not per
	// message. It grows with distinct names only.
	labels map[string]string
	// index numbers the run's user ids, for all its workers, and names its
	// team and channel ids and display names. people is this worker's
	// person of each number, in chunks that never move, and known the
	// numbers of the ids met in text (mentions). names is this worker's
	// copy of the names index. They grow with distinct ids only, and live
	// for the run: ids are numbered once per batch (through the batch's
	// dictionaries) rather than once per message, and reach the
	// aggregates as stable strings they need not copy.
	index  *idIndex
	names  *idIndex
	people [][]person
	known  map[string]uint32
	nameOf []string
	// Scratch of Process: the numbers of the batch's dictionaries, and the
	// batch's authored rows with the slot of their hour in batchHours.
	users, parents, teams, channels, userNames, channelNames []uint32
	authored                                                 []authoredRow
	sizes                                                    []chunkSize // of each hour's chunk
	chunks                                                   []*heldChunk
}

// chunkSize is the room a heldChunk needs.
type chunkSize struct{ msgs, bytes int }

// authoredRow is an authored row of a batch, with its hour's slot.
type authoredRow struct {
	row, slot int
}

// openDay is the aggregate of a day, the hours its owner (see heldHours)
// has added to it so far. busy says the owner is adding an hour to it.
type openDay struct {
	day  aggregate.Day
	agg  *aggregate.Aggregate
	busy bool
	// authors are the stats of the day's authors by person number: a
	// slice index is cheaper than the aggregate's map of ids. A person
	// who writes in two teams misses when the team changes.
	authors []dayAuthor
}

// dayAuthor is a person's stats, as author in team, in an open day, and
// those of the person's office that day.
type dayAuthor struct {
	team   string
	stats  *aggregate.UserStats
	office *aggregate.OfficeStats
}

// person is a user id, interned, with its number in the run's index, the
// user's roster rows and the entry of the day last asked for: most people
// write several messages a day, and the cache spares the roster's map,
// with its cache misses.
type person struct {
	id       string
	num      uint32
	named    bool // id, num and rows are set
	rows     []pipeline.RosterEntry
	entry    pipeline.RosterEntry
	entryDay aggregate.Day // of entry, valid when entrySet
	entrySet bool
}

var _ pipeline.Worker = (*analyst)(nil)

// person returns the person of user id, which may alias a scratch buffer.
func (a *analyst) person(id string) *person {
	n, ok := a.known[id]
	if !ok {
		var stable string
		n, stable = a.index.number(id)
		a.known[stable] = n
	}
	return a.numbered(n)
}

// personChunk is how many people a chunk of analyst.people holds.
const personChunk = 1024

// numbered returns the person numbered n by the run's index.
func (a *analyst) numbered(n uint32) *person {
	c := int(n / personChunk)
	for len(a.people) <= c {
		a.people = append(a.people, make([]person, personChunk))
	}
	p := &a.people[c][n%personChunk]
	if !p.named {
		p.id, p.num, p.named = a.index.id(n), n, true
		p.rows = a.roster.Entries(p.id)
	}
	return p
}

// on returns p's roster entry on day d: the roster's rows start on whole
// UTC days, so one entry holds for a whole message day.
func (p *person) on(d aggregate.Day) *pipeline.RosterEntry {
	if !p.entrySet || p.entryDay != d {
		p.entry, _ = pipeline.EntryAt(p.rows, d.Start())
		p.entryDay, p.entrySet = d, true
	}
	return &p.entry
}

// statsIn returns p's stats, as author in team, in the open day d, and
// those of p's office that day.
func (p *person) statsIn(d *openDay, team string) *dayAuthor {
	if int(p.num) >= len(d.authors) {
		d.authors = slices.Grow(d.authors, int(p.num)+1-len(d.authors))[:int(p.num)+1]
	}
	s := &d.authors[p.num]
	if s.stats == nil || s.team != team {
		office := p.on(d.day).Office
		s.team = team
		s.stats = d.agg.User(team, p.id, office)
		s.office = d.agg.Office(office)
	}
	return s
}

// name is the string numbered n in the run's names index.
func (a *analyst) name(n uint32) string {
	if int(n) >= len(a.nameOf) {
		a.nameOf = a.names.appendIDs(a.nameOf)
	}
	return a.nameOf[n]
}

// Process keeps the authored messages of rec, in the compact form their
// analysis needs, for each message hour rec has rows of, until the hour is
// final. The batch itself is let go at once: as Arrow columns a message
// took about 430 bytes (a dozen dictionary indices, most of them null, an
// event id, the batch's own dictionaries), held for the edit window and
// more; held messages take about a third of that.
func (a *analyst) Process(ctx context.Context, rec arrow.RecordBatch) error {
	rows, err := pipeline.NewRows(rec)
	if err != nil {
		return err
	}
	// The batch's users and names are numbered now, while the batch is in
	// cache: when its hour is analysed, later, they no longer are.
	a.users = a.index.numbers(a.users[:0], rows.Users(), false)
	a.parents = a.index.numbers(a.parents[:0], rows.ParentUsers(), true)
	a.teams = a.names.numbers(a.teams[:0], rows.Teams(), false)
	a.channels = a.names.numbers(a.channels[:0], rows.Channels(), false)
	a.userNames = a.names.numbers(a.userNames[:0], rows.UserNames(), false)
	a.channelNames = a.names.numbers(a.channelNames[:0], rows.ChannelNames(), false)
	// A batch is one object's: its rows span an hour or two. Every hour
	// with rows is held, authored or not, as the batch was.
	a.batchHours = a.batchHours[:0]
	a.authored = a.authored[:0]
	a.sizes = a.sizes[:0]
	var msg schema.Message
	for i := range rows.Len() {
		h := msgHourOf(rows.Time(i))
		slot := slices.Index(a.batchHours, h)
		if slot < 0 {
			slot = len(a.batchHours)
			a.batchHours = append(a.batchHours, h)
			a.sizes = append(a.sizes, chunkSize{})
		}
		rows.Message(i, &msg)
		if !msg.IsAuthored() {
			continue
		}
		a.authored = append(a.authored, authoredRow{i, slot})
		a.sizes[slot].msgs++
		a.sizes[slot].bytes += len(msg.TS) + len(msg.Text)
	}
	a.chunks = a.chunks[:0]
	for _, size := range a.sizes {
		a.chunks = append(a.chunks, &heldChunk{
			msgs:  make([]heldMessage, 0, size.msgs),
			bytes: make([]byte, 0, size.bytes),
		})
	}
	users, parents := rows.Users(), rows.ParentUsers()
	teams, channels := rows.Teams(), rows.Channels()
	userNames, channelNames := rows.UserNames(), rows.ChannelNames()
	for _, r := range a.authored {
		i := r.row
		rows.Message(i, &msg)
		c := a.chunks[r.slot]
		// Authored messages always have a user, a team and a channel.
		m := heldMessage{
			time: msg.Time.UnixMicro(), user: a.users[users.Index(i)],
			team: a.teams[teams.Index(i)], channel: a.channels[channels.Index(i)],
			userName: noID, channelName: noID, parentUser: noID,
			reply: msg.IsThreadReply(),
		}
		if k := userNames.Index(i); k >= 0 {
			m.userName = a.userNames[k]
		}
		if k := channelNames.Index(i); k >= 0 {
			m.channelName = a.channelNames[k]
		}
		if k := parents.Index(i); k >= 0 {
			m.parentUser = a.parents[k]
		}
		if m.reply {
			if parent, err := schema.ParseTS(msg.ThreadTS); err == nil {
				m.parent, m.parentKnown = parent.UnixMicro(), true
			}
		}
		m.start = uint32(len(c.bytes))
		c.bytes = append(c.bytes, msg.TS...)
		m.text = uint32(len(c.bytes))
		c.bytes = append(c.bytes, msg.Text...)
		m.end = uint32(len(c.bytes))
		c.msgs = append(c.msgs, m)
	}
	a.held.hold(a.batchHours, a.chunks)
	return nil
}

// heldChunk is the authored messages of a batch in one message hour.
type heldChunk struct {
	msgs  []heldMessage
	bytes []byte // the ts and text of each message
}

// heldMessage is an authored message held for its hour to be final: what
// its analysis needs, without pointers, so that the collector need not
// scan the hours held.
type heldMessage struct {
	time   int64 // Unix microseconds
	parent int64 // a reply's thread parent, Unix microseconds, if parentKnown
	// The message's ts is bytes[start:text], its text bytes[text:end].
	start, text, end uint32
	user             uint32 // in the people index
	parentUser       uint32 // in the people index; noID: none
	// In the names index; userName and channelName noID: none.
	team, channel, userName, channelName uint32
	reply, parentKnown                   bool
}

// ts and textOf return m's ts and text, aliasing c: its bytes never change.
func (c *heldChunk) ts(m *heldMessage) string     { return c.str(m.start, m.text) }
func (c *heldChunk) textOf(m *heldMessage) string { return c.str(m.text, m.end) }

func (c *heldChunk) str(from, to uint32) string {
	if from == to {
		return ""
	}
	return unsafe.String(&c.bytes[from], to-from)
}

// analyse adds the messages of c, in their final form, to the aggregate
// of their day, d.
func (a *analyst) analyse(c *heldChunk, d *openDay, revs map[[16]byte]*pipeline.Revision) {
	for i := range c.msgs {
		hm := &c.msgs[i]
		author := a.numbered(hm.user)
		m := schema.Message{
			UserID: author.id, Team: a.name(hm.team), ChannelID: a.name(hm.channel),
			TS: c.ts(hm), Time: time.UnixMicro(hm.time).UTC(), Text: c.textOf(hm),
		}
		if hm.userName != noID {
			m.UserName = a.name(hm.userName)
		}
		if hm.channelName != noID {
			m.ChannelName = a.name(hm.channelName)
		}
		var rev *pipeline.Revision
		if len(revs) > 0 {
			rev = revs[schema.MessageKey(m.Team, m.ChannelID, m.TS)]
			rev.Take()
		}
		if rev != nil && rev.Deleted {
			continue
		}
		if rev != nil && rev.Edited {
			m.Text = rev.Text
		}
		a.observe(&m, hm, author, d, rev)
	}
}

// observe scores one message, m, held as hm, in its final form, and adds
// it to d.
func (a *analyst) observe(m *schema.Message, hm *heldMessage, author *person, d *openDay, rev *pipeline.Revision) {
	a.nlp.Analyze(m.Text, &a.analysis)
	entry := author.on(d.day)
	o := &aggregate.Observation{
		Time: m.Time, Team: m.Team, UserID: m.UserID, UserName: m.UserName,
		ChannelID: m.ChannelID, ChannelName: m.ChannelName,
		Office: entry.Office, Location: entry.Location,
		Words:       a.analysis.Words,
		Compound:    aggregate.Quantize(a.analysis.Sentiment.Compound),
		ThreadReply: hm.reply,
		Sarcastic:   a.analysis.Sarcastic(),
		Sarcasm:     aggregate.Quantize(a.analysis.Sarcasm),
		Mentioned:   a.mentioned[:0],
		Reactions:   a.reactions[:0],
		Topics:      a.topics(m),
		StableIDs:   true,
	}
	stats := author.statsIn(d, m.Team)
	o.Author, o.AuthorOffice = stats.stats, stats.office
	if hm.reply {
		if hm.parentKnown {
			o.ThreadParent = hm.parent
		}
		if hm.parentUser != noID {
			o.ParentOffice = cmp.Or(a.numbered(hm.parentUser).on(d.day).Office, aggregate.Unassigned)
		}
	} else {
		o.Question = nlp.IsQuestion(m.Text)
	}
	if a.text {
		o.Text = m.Text
	}
	for _, u := range a.analysis.Mentions {
		if u == m.UserID {
			continue // mentioning yourself is not being mentioned
		}
		p := a.person(u)
		o.Mentioned = append(o.Mentioned, aggregate.Mention{User: p.id, Office: p.on(d.day).Office})
	}
	if rev != nil {
		for emoji, n := range rev.NetReactions {
			o.Reactions = append(o.Reactions, aggregate.Reaction{Emoji: emoji, N: n})
		}
	}
	d.agg.Observe(o)
	a.mentioned, a.reactions = o.Mentioned[:0], o.Reactions[:0]
}

// topics are the message's topic candidates: its words and bigrams, its
// emoji as ":name:", and its channel as "#name" (see aggregate.TopicKind).
func (a *analyst) topics(m *schema.Message) []string {
	a.topicBuf = append(a.topicBuf[:0], a.analysis.Topics...)
	for _, e := range a.analysis.Emoji {
		t, ok := a.labels[e]
		if !ok {
			t = ":" + e + ":"
			a.labels[strings.Clone(e)] = t
		}
		a.topicBuf = append(a.topicBuf, t)
	}
	if m.ChannelName != "" {
		t, ok := a.labels[m.ChannelName]
		if !ok {
			t = "#" + m.ChannelName
			a.labels[strings.Clone(m.ChannelName)] = t
		}
		a.topicBuf = append(a.topicBuf, t)
	}
	return a.topicBuf
}

// Flush analyses the hours of a's days that are final by through, and
// hands over the days whose last hour is in. The engine completes a day
// only once every worker's Flush through it has returned, so a day its
// owner is still adding to is not completed without it: the owner hands it
// over before its Flush returns.
func (a *analyst) Flush(ctx context.Context, through time.Time) error {
	for ctx.Err() == nil {
		w, ok := a.held.claim(through, a.worker)
		switch {
		case !ok:
			return nil
		case w.done != nil:
			a.sink.add(w.done.day, w.done.agg)
			continue
		}
		revs := a.revisions.Hour(w.hour.start())
		for _, c := range w.chunks {
			a.analyse(c, w.day, revs)
		}
		a.held.finished(w.day)
	}
	return ctx.Err()
}

// msgHour is a message's UTC hour and day: the unit batches are held and
// analysed in. Its day is aggregate.DayOf the message's time, kept rather
// than derived so that an hour is always within its day's aggregate.
type msgHour struct {
	day  aggregate.Day
	hour int64 // Unix hour, rounded down
}

func msgHourOf(t time.Time) msgHour {
	return msgHour{aggregate.DayOf(t), t.Truncate(time.Hour).Unix() / 3600}
}

func (h msgHour) start() time.Time { return time.Unix(h.hour*3600, 0).UTC() }

// final says whether every revision of h's messages has been read by
// through: whether its hour has ended by then. (Its day never ends first:
// DayOf rounds ts before 1970 towards zero, to a later day.)
func (h msgHour) final(through time.Time) bool {
	return !h.start().Add(time.Hour).After(through)
}

func (h msgHour) less(o msgHour) bool {
	return h.day < o.day || (h.day == o.day && h.hour < o.hour)
}

// heldHours are the batches of the message hours not yet final, retained,
// and the aggregates of the days being added to, shared by a run's
// workers. A batch of an object spanning the top of an hour is held for
// both hours. Each day has an owner, the one worker that analyses its
// final hours, into the day's one aggregate, which is handed over once
// its last hour is in. Ownership keeps a day's hot state (its frequent
// topics, its channels, its people) in one core's caches: when the workers
// took turns on one aggregate, cache misses cost a tenth of Observe on the
// 1 GB benchmark, and when each worker kept a share of every day, each
// share held half the day, a second copy of its people and topics, and the
// shares took a merge to join.
//
// Holding hours rather than days is what bounds memory: a day is final
// only a day after it ends (the edit window), so holding whole days kept
// up to two days of batches, and more while days were being analysed;
// hours are held for the edit window and an hour.
type heldHours struct {
	mu    sync.Mutex
	hours map[msgHour][]*heldChunk
	days  map[aggregate.Day]*openDay // the aggregate of each day being added to
	// workers is how many workers there are (join); started says a claim
	// was made, after which no worker may join, since the days' owners
	// depend on the count.
	workers int
	started bool
	// sizes are those of the last day handed over: a new day starts with
	// room for as many keys.
	sizes aggregate.Sizes
}

func newHeldHours() *heldHours {
	return &heldHours{hours: make(map[msgHour][]*heldChunk), days: make(map[aggregate.Day]*openDay)}
}

// hold keeps chunks[i], the messages of a batch in hours[i].
func (h *heldHours) hold(hours []msgHour, chunks []*heldChunk) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, hour := range hours {
		h.hours[hour] = append(h.hours[hour], chunks[i])
	}
}

// work is what claim gives a worker: an hour to add to its day, or a day
// to hand over (done).
type work struct {
	hour   msgHour
	chunks []*heldChunk
	day    *openDay
	done   *openDay
}

// claim returns the earliest final hour held of a day worker owns (owner),
// with the day's aggregate, marked busy, for the caller to analyse,
// release and call finished; or else a day that ended by through, with no
// hour held and no worker adding to it, removed, for the caller to hand
// over. ok is false when there is neither. While a worker analyses its
// day, the others read on, or analyse theirs.
//
// A Flush returns only when no final hour of the worker's own days is left
// held: the engine takes a worker's returned Flush to mean that all before
// its through is handed over, and releases what it keeps for those hours
// (their revisions) once every worker's has. An hour of another worker's
// day may be left: its owner, whose Flush through that hour has not
// returned yet, claims it before it returns, and no other worker ever
// does. (Letting any worker claim an hour its owner had left, instead,
// lost revisions: two workers each returned past an hour the other was to
// take.) The hand-over of a busy day needs no wait either: its worker hands
// it over before its Flush returns.
func (h *heldHours) claim(through time.Time, worker int) (w work, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.started = true
	for hour := range h.hours {
		if hour.final(through) && (!ok || hour.less(w.hour)) && h.owner(hour.day) == worker {
			w.hour, ok = hour, true
		}
	}
	if ok {
		w.chunks = h.hours[w.hour]
		delete(h.hours, w.hour)
		w.day = h.open(w.hour.day)
		w.day.busy = true
		return w, true
	}
	var day aggregate.Day
	for d, open := range h.days {
		if d.End().After(through) || h.holds(d) || open.busy {
			continue
		}
		if !ok || d < day {
			day, ok = d, true
		}
	}
	if !ok {
		return work{}, false
	}
	w.done = h.days[day]
	delete(h.days, day)
	h.sizes = w.done.agg.Sizes()
	return w, true
}

// join numbers a new worker, from 0. Workers join before the first claim.
func (h *heldHours) join() (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started {
		return 0, errors.New("a worker joined after the analysis started")
	}
	h.workers++
	return h.workers - 1, nil
}

// owner is the worker that analyses day's hours: days go round the
// workers, so that consecutive days, which become final one after the
// other, are analysed at once.
func (h *heldHours) owner(day aggregate.Day) int {
	n := int64(max(h.workers, 1))
	return int((int64(day)%n + n) % n)
}

// open returns the aggregate of day, made if new.
func (h *heldHours) open(day aggregate.Day) *openDay {
	d := h.days[day]
	if d == nil {
		d = &openDay{day: day, agg: aggregate.NewSized(h.sizes)}
		h.days[day] = d
	}
	return d
}

// holds says whether an hour of day is held.
func (h *heldHours) holds(day aggregate.Day) bool {
	for hour := range h.hours {
		if hour.day == day {
			return true
		}
	}
	return false
}

// finished marks that the worker that claimed an hour of d is done with it.
func (h *heldHours) finished(d *openDay) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d.busy = false
}

// release lets go of the messages still held, after a failed run.
func (h *heldHours) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.hours)
}
