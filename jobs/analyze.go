package jobs

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

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
	// index numbers the run's user ids, for all its workers. people is
	// this worker's person of each number, in chunks that never move, and
	// known the numbers of the ids met in text (mentions) or as a parent's
	// author. ids interns team and channel ids. They grow with distinct
	// ids only, and live for the run: ids are resolved once per batch
	// (through the batch's dictionaries) rather than once per message, and
	// reach the aggregates as stable strings they need not copy.
	index  *peopleIndex
	people [][]person
	known  map[string]uint32
	ids    map[string]string
	// The current batch's dictionaries, resolved.
	batchTeams    []string
	batchChannels []string
	hourRows      []int // the rows of the hour being analysed
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

func (a *analyst) intern(id string) string {
	s, ok := a.ids[id]
	if !ok {
		s = strings.Clone(id)
		a.ids[s] = s
	}
	return s
}

// resolve interns the team and channel ids of a batch's dictionaries,
// once per distinct value, and lists the batch's rows of hour h in
// a.hourRows.
func (a *analyst) resolve(rows *pipeline.Rows, h msgHour) {
	teams, channels := rows.Teams(), rows.Channels()
	a.batchTeams = a.batchTeams[:0]
	for k := range teams.Len() {
		a.batchTeams = append(a.batchTeams, a.intern(teams.Value(k)))
	}
	a.batchChannels = a.batchChannels[:0]
	for k := range channels.Len() {
		a.batchChannels = append(a.batchChannels, a.intern(channels.Value(k)))
	}
	a.hourRows = a.hourRows[:0]
	for i := range rows.Len() {
		if msgHourOf(rows.Time(i)) == h {
			a.hourRows = append(a.hourRows, i)
		}
	}
}

// Process holds rec for each message hour it has rows of, with the people
// numbers of its users.
func (a *analyst) Process(ctx context.Context, rec arrow.RecordBatch) error {
	rows, err := pipeline.NewRows(rec)
	if err != nil {
		return err
	}
	// A batch is one object's: its rows span an hour or two.
	a.batchHours = a.batchHours[:0]
	for i := range rows.Len() {
		if h := msgHourOf(rows.Time(i)); !slices.Contains(a.batchHours, h) {
			a.batchHours = append(a.batchHours, h)
		}
	}
	// The users are numbered now, while the batch is in cache: when its
	// hour is analysed, later, its dictionary's strings no longer are.
	users := rows.Users()
	a.held.hold(a.batchHours, heldBatch{rec: rec, users: a.index.numbers(make([]uint32, 0, users.Len()), users)})
	return nil
}

// analyse adds the authored messages of hour h in rec, in their final
// form, to the aggregate of h's day, d.
func (a *analyst) analyse(b heldBatch, h msgHour, d *openDay, revs map[[16]byte]*pipeline.Revision) error {
	rows, err := pipeline.NewRows(b.rec)
	if err != nil {
		return err
	}
	a.resolve(rows, h)
	users, teams, channels := rows.Users(), rows.Teams(), rows.Channels()
	var msg schema.Message
	for _, i := range a.hourRows {
		rows.Message(i, &msg)
		m := &msg
		if !m.IsAuthored() {
			continue
		}
		// Authored messages always have a user, a team and a channel.
		author := a.numbered(b.users[users.Index(i)])
		m.UserID = author.id
		m.Team = a.batchTeams[teams.Index(i)]
		m.ChannelID = a.batchChannels[channels.Index(i)]
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
		a.observe(m, author, d, rev)
	}
	return nil
}

// observe scores one message, in its final form, and adds it to d.
func (a *analyst) observe(m *schema.Message, author *person, d *openDay, rev *pipeline.Revision) {
	a.nlp.Analyze(m.Text, &a.analysis)
	entry := author.on(d.day)
	o := &aggregate.Observation{
		Time: m.Time, Team: m.Team, UserID: m.UserID, UserName: m.UserName,
		ChannelID: m.ChannelID, ChannelName: m.ChannelName,
		Office: entry.Office, Location: entry.Location,
		Words:       a.analysis.Words,
		Compound:    aggregate.Quantize(a.analysis.Sentiment.Compound),
		ThreadReply: m.IsThreadReply(),
		Sarcastic:   a.analysis.Sarcastic(),
		Sarcasm:     aggregate.Quantize(a.analysis.Sarcasm),
		Mentioned:   a.mentioned[:0],
		Reactions:   a.reactions[:0],
		Topics:      a.topics(m),
		StableIDs:   true,
	}
	stats := author.statsIn(d, m.Team)
	o.Author, o.AuthorOffice = stats.stats, stats.office
	if m.IsThreadReply() {
		if parent, err := schema.ParseTS(m.ThreadTS); err == nil {
			o.ThreadParent = parent.UnixMicro()
		}
		if m.ParentUser != "" {
			o.ParentOffice = cmp.Or(a.person(m.ParentUser).on(d.day).Office, aggregate.Unassigned)
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
		var err error
		for _, b := range w.batches {
			if err == nil {
				err = a.analyse(b, w.hour, w.day, revs)
			}
			b.rec.Release()
		}
		a.held.finished(w.day)
		if err != nil {
			return err
		}
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
	hours map[msgHour][]heldBatch
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
	return &heldHours{hours: make(map[msgHour][]heldBatch), days: make(map[aggregate.Day]*openDay)}
}

// heldBatch is a batch held for an hour, with the people number of each
// entry of its users dictionary.
type heldBatch struct {
	rec   arrow.RecordBatch
	users []uint32
}

// hold retains b's batch once for each of hours.
func (h *heldHours) hold(hours []msgHour, b heldBatch) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, hour := range hours {
		b.rec.Retain()
		h.hours[hour] = append(h.hours[hour], b)
	}
}

// work is what claim gives a worker: an hour to add to its day, or a day
// to hand over (done).
type work struct {
	hour    msgHour
	batches []heldBatch
	day     *openDay
	done    *openDay
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
		w.batches = h.hours[w.hour]
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

// release lets go of the batches still held, after a failed run.
func (h *heldHours) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for hour, held := range h.hours {
		for _, b := range held {
			b.rec.Release()
		}
		delete(h.hours, hour)
	}
}
