package jobs

import (
	"cmp"
	"context"
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
// of each message day until the engine says the day is final (its edit
// window has passed: every edit, deletion and reaction of its messages has
// been read), then scores the day's messages in their final form and adds
// them to a day aggregate, which it hands to the collector. Holding batches
// rather than analysing at once is what lets an edit replace, and a
// deletion remove, a message's whole contribution: nothing is added that
// would have to be taken out again.
//
// The held batches are the run's, not the worker's (see heldDays): a final
// day is analysed whole by the one worker that claims it, while the others
// go on reading.
type analyst struct {
	nlp       *nlp.Analyzer
	roster    *pipeline.Roster
	revisions *pipeline.Revisions
	sink      *collector
	held      *heldDays
	text      bool // evidence carries message text

	batchDays []aggregate.Day // the days of the batch being held
	analysis  nlp.Analysis
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
	// sizes are those of the last day handed over: the next day starts
	// with room for as many keys.
	sizes aggregate.Sizes

	// people maps a user id to its interned copy and its roster entry, and
	// ids interns team and channel ids. Both grow with distinct ids only,
	// and live for the run: ids are resolved once per batch (through the
	// batch's dictionaries) rather than once per message, and reach the
	// aggregates as stable strings they need not copy.
	people map[string]*person
	ids    map[string]string
	// The current batch's dictionaries, resolved.
	batchUsers    []*person
	batchTeams    []string
	batchChannels []string
	// seq numbers the day aggregates this worker opens (see person).
	seq uint64
}

// openDay is a day aggregate of the worker and its sequence number.
type openDay struct {
	day aggregate.Day
	agg *aggregate.Aggregate
	seq uint64
}

// person is a user id, interned, with the user's roster entry on the day
// last asked for and the user's stats in the day aggregate the user last
// wrote in: authors write in bursts, and the cache spares a map lookup,
// with its cache misses, for most messages. The day is named by its
// sequence number, not a pointer, so that a handed-over day is not kept
// alive by the cache.
type person struct {
	id       string
	entry    pipeline.RosterEntry
	entryDay aggregate.Day // of entry, valid when entrySet
	entrySet bool
	team     string // of the cached stats
	seq      uint64 // of the cached stats' day; 0: none
	stats    *aggregate.UserStats
}

var _ pipeline.Worker = (*analyst)(nil)

func (a *analyst) person(id string) *person {
	p := a.people[id]
	if p == nil {
		p = &person{id: strings.Clone(id)}
		a.people[p.id] = p
	}
	return p
}

// on returns p's roster entry on day d: the roster's rows start on whole
// UTC days, so one entry holds for a whole message day.
func (p *person) on(r *pipeline.Roster, d aggregate.Day) *pipeline.RosterEntry {
	if !p.entrySet || p.entryDay != d {
		p.entry, _ = r.Lookup(p.id, d.Start())
		p.entryDay, p.entrySet = d, true
	}
	return &p.entry
}

// statsIn returns p's stats, as author in team, in the day d.
func (p *person) statsIn(r *pipeline.Roster, d *openDay, team string) *aggregate.UserStats {
	if p.seq != d.seq || p.team != team {
		p.seq, p.team = d.seq, team
		p.stats = d.agg.User(team, p.id, p.on(r, d.day).Office)
	}
	return p.stats
}

func (a *analyst) intern(id string) string {
	s, ok := a.ids[id]
	if !ok {
		s = strings.Clone(id)
		a.ids[s] = s
	}
	return s
}

// resolve interns the ids of a batch's dictionaries, once per distinct
// value: team and channel ids at once, user ids when first used (see
// author), since a batch's users dictionary also names the people who only
// reacted, and, for a batch held for two days, those of the other day.
func (a *analyst) resolve(rows *pipeline.Rows) {
	users, teams, channels := rows.Users(), rows.Teams(), rows.Channels()
	a.batchUsers = slices.Grow(a.batchUsers[:0], users.Len())[:users.Len()]
	clear(a.batchUsers)
	a.batchTeams = a.batchTeams[:0]
	for k := range teams.Len() {
		a.batchTeams = append(a.batchTeams, a.intern(teams.Value(k)))
	}
	a.batchChannels = a.batchChannels[:0]
	for k := range channels.Len() {
		a.batchChannels = append(a.batchChannels, a.intern(channels.Value(k)))
	}
}

// author returns the person of entry k of the batch's users dictionary.
func (a *analyst) author(users pipeline.Dict, k int) *person {
	p := a.batchUsers[k]
	if p == nil {
		p = a.person(users.Value(k))
		a.batchUsers[k] = p
	}
	return p
}

// Process holds rec for each message day it has rows of.
func (a *analyst) Process(ctx context.Context, rec arrow.RecordBatch) error {
	rows, err := pipeline.NewRows(rec)
	if err != nil {
		return err
	}
	// A batch is one object's: its rows span an hour or two, so one or
	// two days.
	a.batchDays = a.batchDays[:0]
	for i := range rows.Len() {
		if day := aggregate.DayOf(rows.Time(i)); !slices.Contains(a.batchDays, day) {
			a.batchDays = append(a.batchDays, day)
		}
	}
	a.held.hold(a.batchDays, rec)
	return nil
}

// analyse adds the authored messages of day d in rec, in their final form,
// to d's aggregate.
func (a *analyst) analyse(rec arrow.RecordBatch, d *openDay, revs map[[16]byte]*pipeline.Revision) error {
	rows, err := pipeline.NewRows(rec)
	if err != nil {
		return err
	}
	a.resolve(rows)
	users, teams, channels := rows.Users(), rows.Teams(), rows.Channels()
	var msg schema.Message
	for i := range rows.Len() {
		if aggregate.DayOf(rows.Time(i)) != d.day {
			continue
		}
		rows.Message(i, &msg)
		m := &msg
		if !m.IsAuthored() {
			continue
		}
		// Authored messages always have a user, a team and a channel.
		author := a.author(users, users.Index(i))
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
	entry := author.on(a.roster, d.day)
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
		Author:      author.statsIn(a.roster, d, m.Team),
	}
	if m.IsThreadReply() {
		if parent, err := schema.ParseTS(m.ThreadTS); err == nil {
			o.ThreadParent = parent.UnixMicro()
		}
		if m.ParentUser != "" {
			o.ParentOffice = cmp.Or(a.person(m.ParentUser).on(a.roster, d.day).Office, aggregate.Unassigned)
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
		o.Mentioned = append(o.Mentioned, aggregate.Mention{User: p.id, Office: p.on(a.roster, d.day).Office})
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

// Flush analyses the days that are final by through and that no other
// worker has claimed, and hands them over. The engine completes a day only
// once every worker's Flush through it has returned, so a day another
// worker is still analysing is not completed without it.
func (a *analyst) Flush(ctx context.Context, through time.Time) error {
	for {
		day, held, ok := a.held.claim(through)
		if !ok {
			return ctx.Err()
		}
		a.seq++
		d := &openDay{day: day, agg: aggregate.NewSized(a.sizes), seq: a.seq}
		revs := a.revisions.Day(day.Start())
		var err error
		for _, rec := range held {
			if err == nil {
				err = a.analyse(rec, d, revs)
			}
			rec.Release()
		}
		if err != nil {
			return err
		}
		a.sizes = d.agg.Sizes()
		a.sink.add(day, d.agg)
	}
}

// heldDays are the batches of the message days not yet final, retained,
// shared by a run's workers: a batch of an object spanning midnight is
// held for both days. A final day is claimed whole by one worker, so that
// each day is one aggregate, not one per worker merged afterwards.
type heldDays struct {
	mu   sync.Mutex
	days map[aggregate.Day][]arrow.RecordBatch
}

func newHeldDays() *heldDays {
	return &heldDays{days: make(map[aggregate.Day][]arrow.RecordBatch)}
}

// hold retains rec once for each of days.
func (h *heldDays) hold(days []aggregate.Day, rec arrow.RecordBatch) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, day := range days {
		rec.Retain()
		h.days[day] = append(h.days[day], rec)
	}
}

// claim removes and returns the earliest day that ended by through, with
// its batches, for the caller to analyse and release; ok is false when
// there is none.
func (h *heldDays) claim(through time.Time) (day aggregate.Day, held []arrow.RecordBatch, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for d := range h.days {
		if d.End().Compare(through) <= 0 && (!ok || d < day) {
			day, ok = d, true
		}
	}
	if ok {
		held = h.days[day]
		delete(h.days, day)
	}
	return day, held, ok
}

// release lets go of the batches still held, after a failed run.
func (h *heldDays) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for day, held := range h.days {
		for _, rec := range held {
			rec.Release()
		}
		delete(h.days, day)
	}
}
