package jobs

import (
	"cmp"
	"context"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/wiretap-hq/wiretap/nlp"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/schema"
)

// analyst is the pipeline.Worker of an analysis run: it scores the messages
// of each batch and adds them to its own per-day aggregates, which it hands
// to the collector once the engine says a day can no longer change.
type analyst struct {
	nlp    *nlp.Analyzer
	roster *pipeline.Roster
	sink   *collector
	text   bool // evidence carries message text

	days     map[aggregate.Day]*openDay
	msg      schema.Message
	analysis nlp.Analysis
	obs      aggregate.Observation
	topicBuf []string
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
	agg *aggregate.Aggregate
	seq uint64
}

// person is a user id, interned, with the user's roster entry and the
// user's stats in the day aggregate the user last wrote in: authors write
// in bursts, and the cache spares a map lookup, with its cache misses, for
// most messages. The day is named by its sequence number, not a pointer,
// so that a handed-over day is not kept alive by the cache.
type person struct {
	id    string
	entry pipeline.RosterEntry
	team  string // of the cached stats
	seq   uint64 // of the cached stats' day; 0: none
	stats *aggregate.UserStats
}

var _ pipeline.Worker = (*analyst)(nil)

func (a *analyst) person(id string) *person {
	p := a.people[id]
	if p == nil {
		p = &person{id: strings.Clone(id)}
		p.entry, _ = a.roster.Lookup(p.id)
		a.people[p.id] = p
	}
	return p
}

// statsIn returns p's stats, as author in team, in the day d.
func (p *person) statsIn(d *openDay, team string) *aggregate.UserStats {
	if p.seq != d.seq || p.team != team {
		p.seq, p.team = d.seq, team
		p.stats = d.agg.User(team, p.id, p.entry.Office)
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

// resolve interns the ids of a batch's dictionaries and looks its users up
// in the roster, once per distinct value.
func (a *analyst) resolve(rows *pipeline.Rows) {
	users, teams, channels := rows.Users(), rows.Teams(), rows.Channels()
	a.batchUsers = a.batchUsers[:0]
	for k := range users.Len() {
		a.batchUsers = append(a.batchUsers, a.person(users.Value(k)))
	}
	a.batchTeams = a.batchTeams[:0]
	for k := range teams.Len() {
		a.batchTeams = append(a.batchTeams, a.intern(teams.Value(k)))
	}
	a.batchChannels = a.batchChannels[:0]
	for k := range channels.Len() {
		a.batchChannels = append(a.batchChannels, a.intern(channels.Value(k)))
	}
}

func (a *analyst) Process(ctx context.Context, rec arrow.RecordBatch) error {
	rows, err := pipeline.NewRows(rec)
	if err != nil {
		return err
	}
	a.resolve(rows)
	users, teams, channels := rows.Users(), rows.Teams(), rows.Channels()
	for i := range rows.Len() {
		rows.Message(i, &a.msg)
		m := &a.msg
		if !m.IsAuthored() {
			continue
		}
		// Authored messages always have a user, a team and a channel.
		author := a.batchUsers[users.Index(i)]
		m.UserID = author.id
		m.Team = a.batchTeams[teams.Index(i)]
		m.ChannelID = a.batchChannels[channels.Index(i)]
		a.nlp.Analyze(m.Text, &a.analysis)
		day := aggregate.DayOf(m.Time)
		d := a.days[day]
		if d == nil {
			a.seq++
			d = &openDay{agg: aggregate.NewSized(a.sizes), seq: a.seq}
			a.days[day] = d
		}
		o := &a.obs
		*o = aggregate.Observation{
			Time: m.Time, Team: m.Team, UserID: m.UserID, UserName: m.UserName,
			ChannelID: m.ChannelID, ChannelName: m.ChannelName,
			Office: author.entry.Office, Location: author.entry.Location,
			Words:       a.analysis.Words,
			Compound:    aggregate.Quantize(a.analysis.Sentiment.Compound),
			ThreadReply: m.IsThreadReply(),
			Sarcastic:   a.analysis.Sarcastic(),
			Sarcasm:     aggregate.Quantize(a.analysis.Sarcasm),
			Mentioned:   o.Mentioned[:0],
			Topics:      a.topics(m),
			StableIDs:   true,
			Author:      author.statsIn(d, m.Team),
		}
		if m.IsThreadReply() {
			if parent, err := schema.ParseTS(m.ThreadTS); err == nil {
				o.ThreadParent = parent.UnixMicro()
			}
			if m.ParentUser != "" {
				o.ParentOffice = cmp.Or(a.person(m.ParentUser).entry.Office, aggregate.Unassigned)
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
			o.Mentioned = append(o.Mentioned, aggregate.Mention{User: p.id, Office: p.entry.Office})
		}
		d.agg.Observe(o)
	}
	return nil
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

func (a *analyst) Flush(ctx context.Context, through time.Time) error {
	for day, d := range a.days {
		if day.End().Compare(through) <= 0 {
			a.sizes = d.agg.Sizes()
			a.sink.add(day, d.agg)
			delete(a.days, day)
		}
	}
	return nil
}
