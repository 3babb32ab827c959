// Package aggregate holds Wiretap's mergeable aggregates: counts, sums and
// sums of squares per office, user, channel, topic and hour of week, kept in
// integers so that adding them up in any order gives the same bits.
//
// An Aggregate covers any stretch of message time: one worker's share of a
// day, a whole day, or a whole range. Merging two Aggregates is exact, which
// is what lets workers, days and shards be combined freely; means, rankings
// and intervals are computed only at the end, from the merged sums.
//
// Aggregates are not safe for concurrent use.
package aggregate

import (
	"hash/maphash"
	"math"
	"strings"
	"time"
	"unsafe"

	"github.com/wiretap-hq/wiretap/internal/numbering"
	"github.com/wiretap-hq/wiretap/privacy"
)

// Unassigned is the office of users the roster does not know. They are
// counted there, never dropped.
const Unassigned = "unassigned"

// Scale is the fixed-point scale of sentiment sums. VADER reports compound
// scores to four decimals; summing them as integers in units of 1e-4 keeps
// sums exact and independent of the order messages were added in, which
// float64 addition is not.
const Scale = 10_000

// PolarityThreshold is VADER's neutral band, ±0.05, in Scale units.
const PolarityThreshold = 500

// Quantize converts a compound score in [-1, 1] to Scale units.
func Quantize(compound float64) int64 {
	return int64(math.Round(compound * Scale))
}

// Sentiment accumulates compound scores.
type Sentiment struct {
	N        int64 // messages scored
	Sum      int64 // sum of compound, in 1/Scale
	SumSq    int64 // sum of compound², in 1/Scale²
	Positive int64 // compound >= +0.05
	Neutral  int64
	Negative int64 // compound <= -0.05
}

// Add adds one message's compound score, in Scale units.
func (s *Sentiment) Add(c int64) {
	s.N++
	s.Sum += c
	s.SumSq += c * c
	switch {
	case c >= PolarityThreshold:
		s.Positive++
	case c <= -PolarityThreshold:
		s.Negative++
	default:
		s.Neutral++
	}
}

// Merge adds o into s.
func (s *Sentiment) Merge(o *Sentiment) {
	s.N += o.N
	s.Sum += o.Sum
	s.SumSq += o.SumSq
	s.Positive += o.Positive
	s.Neutral += o.Neutral
	s.Negative += o.Negative
}

// Mean is the mean compound score, 0 for no messages.
func (s *Sentiment) Mean() float64 {
	if s.N == 0 {
		return 0
	}
	return float64(s.Sum) / Scale / float64(s.N)
}

// StdDev is the sample standard deviation of compound scores.
func (s *Sentiment) StdDev() float64 {
	if s.N < 2 {
		return 0
	}
	n := float64(s.N)
	mean := float64(s.Sum) / Scale / n
	v := (float64(s.SumSq)/(Scale*Scale) - n*mean*mean) / (n - 1)
	if v < 0 {
		return 0
	}
	return math.Sqrt(v)
}

// CI95 is the half-width of the normal-approximation 95% interval of Mean.
func (s *Sentiment) CI95() float64 {
	if s.N < 2 {
		return 0
	}
	return 1.96 * s.StdDev() / math.Sqrt(float64(s.N))
}

// Activity is what is counted for every kind of key.
type Activity struct {
	Sarcastic     int64 // messages the sarcasm model flags
	SarcasmSum    int64 // sum of sarcasm probabilities, in 1/Scale
	Messages      int64
	Words         int64
	ThreadReplies int64
	Sentiment     Sentiment
}

func (a *Activity) merge(o *Activity) {
	a.Sarcastic += o.Sarcastic
	a.SarcasmSum += o.SarcasmSum
	a.Messages += o.Messages
	a.Words += o.Words
	a.ThreadReplies += o.ThreadReplies
	a.Sentiment.Merge(&o.Sentiment)
}

// UserKey identifies a user: ids are unique within a workspace.
type UserKey struct{ Team, User string }

// ChannelKey identifies a channel.
type ChannelKey struct{ Team, Channel string }

// OfficeTopics are the topics of one office. Topics are kept per office,
// then per topic, so that counting a message's dozen topics hashes each
// topic string once and the office not at all.
type OfficeTopics map[string]*TopicStats

// HourKey is an hour of the week (0 = Monday 00:00-01:00, local time of the
// author's office) in one office.
type HourKey struct {
	Office     string
	HourOfWeek int
}

// Name is a display name with the time it was seen. Names change; the one
// seen last wins, and ties go to the smaller name, so the outcome does not
// depend on the order records were read in.
type Name struct {
	Name string
	At   time.Time
}

func (n *Name) observe(name string, at time.Time) {
	if name == "" {
		return
	}
	if n.Name == "" || at.After(n.At) || (at.Equal(n.At) && name < n.Name) {
		if name != n.Name {
			n.Name = strings.Clone(name) // name may alias a scratch buffer
		}
		n.At = at
	}
}

// OfficeStats is an office's activity.
type OfficeStats struct {
	Activity
	MentionsReceived  int64 // mentions of the office's people
	ReactionsReceived int64 // net reactions to the office's people's messages
	Evidence          Evidence
	// PositiveEvidence and NegativeEvidence are the office's most positive
	// and most negative messages (by compound score, beyond the neutral
	// band): what justifies its place in the mood rankings.
	PositiveEvidence, NegativeEvidence Scored
}

// UserStats is a user's activity. A user mentioned but silent has a row with
// no messages.
type UserStats struct {
	Activity
	Name Name
	// Office is the user's office on the latest day seen (a person who
	// moved counts each message under the office of its day; the row
	// shows where they are now).
	Office            string
	officeAt          time.Time
	MentionsReceived  int64
	ReactionsReceived int64 // net reactions to the user's messages
	Evidence          Evidence
	// num is the user's number in the people of the aggregate that holds
	// the stats, plus one; 0: not numbered yet.
	num uint32
	// hash is the user's privacy.AuthorHash, kept rather than hashed again
	// for every message; 0: not yet.
	hash uint64
	// MentionEvidence are the earliest messages that mention the user
	// (all score 0); SarcasmEvidence the user's messages with the highest
	// sarcasm probability; PositiveEvidence and NegativeEvidence the most
	// positive and most negative (beyond the neutral band).
	MentionEvidence, SarcasmEvidence, PositiveEvidence, NegativeEvidence Scored
}

// ChannelStats is a channel's activity.
type ChannelStats struct {
	Activity
	id   *string // the channel id, owned: evidence refs point at it
	Name Name
	// users are the channel's messages by author, the authors numbered in
	// the people of the aggregate that holds the stats: a range's channels
	// have millions of (channel, author) pairs, and counts keyed by the
	// author's id string were a fifth of a long run's live heap, all of it
	// scanned at every collection.
	users map[uint32]int64
	// pending are the authors of the messages observed since users was
	// last brought up to date (authors): a message appends its author to
	// the channel it already touches, and the counts are added in runs,
	// while the channel's map is in cache. Counting each message at once
	// missed the cache on most of them.
	pending           []uint32
	ReactionsReceived int64 // net reactions to the channel's messages
	// threadCh is the channel's number in the threads of the aggregate
	// that holds it, plus one; 0: not numbered yet.
	threadCh uint32
}

// ActiveUsers is the number of distinct authors of the channel's messages.
func (c *ChannelStats) ActiveUsers() int64 { return int64(len(c.authors())) }

// pendingAuthors is how many authors a channel holds before counting them.
const pendingAuthors = 1024

// authors returns the channel's messages by author, up to date. With
// nothing pending it only reads, so that readers of a finished aggregate
// (a merged range) may share it.
func (c *ChannelStats) authors() map[uint32]int64 {
	if len(c.pending) > 0 {
		for _, p := range c.pending {
			c.users[p]++
		}
		c.pending = c.pending[:0]
	}
	return c.users
}

// TopicStats counts the messages that carry a topic.
type TopicStats struct {
	Messages  int64
	Sentiment Sentiment
	Evidence  Evidence
	// Authors decides whether the office-topic is about too few people to
	// be published (--min-group).
	Authors privacy.AuthorSet
}

// Aggregate is the set of all aggregates over some stretch of message time.
type Aggregate struct {
	Offices  map[string]*OfficeStats
	Users    map[UserKey]*UserStats
	Channels map[ChannelKey]*ChannelStats
	// Topics are by office. Until PruneTopics, bigrams that a single
	// message carries are kept apart, in a compact form, and only Tables
	// shows them; after it, Topics holds every topic.
	Topics map[string]OfficeTopics
	Hours  map[HourKey]int64
	// HourAuthors are the authors of each hour-of-week cell, for
	// --min-group.
	HourAuthors map[HourKey]*privacy.AuthorSet
	// Reactions are net reactions received, by the office of the
	// reacted-to message's author and emoji.
	Reactions map[ReactionKey]int64
	// threads are the questions and replied threads seen (see Threads).
	threads threads

	// once holds, by office, the bigrams carried by exactly one message so
	// far (see onceSet). Keeping them apart rather than as TopicStats with
	// keys of their own took a quarter of the allocations and much of the
	// cache misses out of a run.
	once map[string]*onceSet
	// observed counts the messages observed: it tells once sets when a
	// message is new to them.
	observed uint64
	keys     arena
	// channelUsers are the sizes of the channels' users maps in the
	// aggregate a was sized after (NewSized): most channels see the same
	// people every day.
	channelUsers map[ChannelKey]int
	// people numbers the authors of the channels' messages.
	people numbering.Numbering[UserKey]
	// found is Observe's scratch list of a message's topics' stats.
	found []*TopicStats
}

// onceTopic is the message that carried a bigram seen once: its compound
// score, ref and author (privacy.AuthorHash).
type onceTopic struct {
	compound int64
	ref      ref
	author   uint64
}

func (t *onceTopic) stats() *TopicStats {
	ts := &TopicStats{Messages: 1}
	ts.Sentiment.Add(t.compound)
	ts.Evidence.add(t.ref)
	ts.Authors.Add(t.author)
	return ts
}

// add counts t's message into s.
func (t *onceTopic) addTo(s *TopicStats) {
	s.Messages++
	s.Sentiment.Add(t.compound)
	s.Evidence.add(t.ref)
	s.Authors.Add(t.author)
}

// arena holds copies of topic keys in large blocks: one allocation per
// block instead of one per key, in memory the garbage collector need not
// scan. A block lives as long as any key in it.
type arena struct{ block []byte }

const arenaBlock = 64 << 10

func (a *arena) keep(s string) string {
	if len(s) > arenaBlock/8 {
		return strings.Clone(s)
	}
	if cap(a.block)-len(a.block) < len(s) {
		a.block = make([]byte, 0, arenaBlock)
	}
	n := len(a.block)
	a.block = append(a.block, s...)
	return unsafe.String(&a.block[n], len(s))
}

// New returns an empty Aggregate.
func New() *Aggregate {
	return &Aggregate{
		Offices:     make(map[string]*OfficeStats),
		Users:       make(map[UserKey]*UserStats),
		Channels:    make(map[ChannelKey]*ChannelStats),
		Topics:      make(map[string]OfficeTopics),
		Hours:       make(map[HourKey]int64),
		HourAuthors: make(map[HourKey]*privacy.AuthorSet),
		Reactions:   make(map[ReactionKey]int64),
		threads:     newThreads(0),
		once:        make(map[string]*onceSet),
		people:      numbering.New[UserKey](0),
	}
}

// Sizes remembers how large an Aggregate grew, so that the next one (the
// next day's) can start with room for as many keys: growing maps from empty
// rehashed them over and over and cost a twentieth of a run's CPU.
type Sizes struct {
	users, channels, threads int
	topics, once             map[string]int
	channelUsers             map[ChannelKey]int
}

// Sizes returns a's sizes.
func (a *Aggregate) Sizes() Sizes {
	s := Sizes{users: len(a.Users), channels: len(a.Channels), threads: a.threads.Len(),
		topics: make(map[string]int, len(a.Topics)), once: make(map[string]int, len(a.once))}
	for office, t := range a.Topics {
		s.topics[office] = len(t)
	}
	s.channelUsers = make(map[ChannelKey]int, len(a.Channels))
	for k, c := range a.Channels {
		s.channelUsers[k] = len(c.authors())
	}
	for office, t := range a.once {
		s.once[office] = t.Len()
	}
	return s
}

// NewSized returns an empty Aggregate with room for the keys of s.
func NewSized(s Sizes) *Aggregate {
	a := New()
	a.Users = make(map[UserKey]*UserStats, s.users)
	a.Channels = make(map[ChannelKey]*ChannelStats, s.channels)
	a.people = numbering.New[UserKey](s.users)
	a.threads = newThreads(s.threads)
	a.channelUsers = s.channelUsers
	for office, n := range s.topics {
		a.Topics[office] = make(OfficeTopics, n)
	}
	for office, n := range s.once {
		a.once[office] = newOnceSet(n)
	}
	return a
}

// Observation is one authored message, analysed.
type Observation struct {
	Time        time.Time
	Team        string
	UserID      string
	UserName    string
	ChannelID   string
	ChannelName string
	Office      string         // the author's office (Unassigned when unknown); kept as given, like ParentOffice
	Location    *time.Location // the office's time zone, for hour of week; nil is UTC
	Words       int
	Compound    int64 // Scale units
	ThreadReply bool
	// ThreadParent is, for a reply, its thread parent's ts in Unix
	// microseconds (0 for a top-level message), and ParentOffice the
	// office of the parent's author when the reply names the author (""
	// when not). Question says a top-level message asks something.
	ThreadParent int64
	ParentOffice string
	Question     bool
	Sarcastic    bool  // the sarcasm model flags the message
	Sarcasm      int64 // the sarcasm probability, in 1/Scale
	// Mentioned are the users mentioned, each once, with their offices.
	Mentioned []Mention
	// Reactions are the message's net reactions received, by emoji, each
	// emoji once and above zero.
	Reactions []Reaction
	// Topics are the message's distinct topics. Strings here and in the
	// ids and names above may alias a scratch buffer (or an Arrow batch that
	// is released after Process): Observe copies what it keeps, unless
	// StableIDs says it need not.
	Topics []string
	// StableIDs says that Team, UserID, ChannelID and the Mentioned users
	// are strings whose bytes never change (interned by the caller), so
	// that Observe keeps them without copying: copying every id into every
	// day's maps was a twentieth of a run's CPU.
	StableIDs bool
	// Author, when set, is a.User(Team, UserID, Office) of the Aggregate
	// observing: a caller that sees the same author many times may keep
	// the pointer and spare Observe the lookup.
	Author *UserStats
	// AuthorOffice, when set, is a.Office(Office) of the Aggregate
	// observing, kept by the caller as Author is.
	AuthorOffice *OfficeStats
	// Text is the message's text, set only when evidence is to carry it
	// (--include-text); "" keeps text out of the aggregate. It may alias a
	// scratch buffer: Observe copies it once, into the one ref that every
	// piece of evidence of the message shares.
	Text string
}

// Mention is a mentioned user and their office.
type Mention struct {
	User, Office string
}

// Reaction is a message's net count of one emoji's reactions.
type Reaction struct {
	Emoji string // without colons; may alias a scratch buffer
	N     int64
}

// ReactionKey is an emoji in an office.
type ReactionKey struct {
	Office, Emoji string
}

// Observe adds one message.
func (a *Aggregate) Observe(o *Observation) {
	office := o.Office
	if office == "" {
		office = Unassigned
	}
	act := Activity{Messages: 1, Words: int64(o.Words)}
	if o.ThreadReply {
		act.ThreadReplies = 1
	}
	if o.Sarcastic {
		act.Sarcastic = 1
	}
	act.SarcasmSum = o.Sarcasm
	act.Sentiment.Add(o.Compound)

	os := o.AuthorOffice
	if os == nil {
		os = a.office(office)
	}
	os.merge(&act)

	us := o.Author
	if us == nil {
		us = a.user(UserKey{o.Team, o.UserID}, office, o.StableIDs)
	}
	us.merge(&act)
	us.Name.observe(o.UserName, o.Time)
	us.observeOffice(office, o.Time)

	ck := ChannelKey{o.Team, o.ChannelID}
	cs := a.Channels[ck]
	if cs == nil {
		if !o.StableIDs {
			ck = ChannelKey{strings.Clone(ck.Team), strings.Clone(ck.Channel)}
		}
		// The id has an address of its own, not in cs: evidence refs
		// point at it, and must not keep the channel's other maps alive.
		id := new(string)
		*id = ck.Channel
		cs = &ChannelStats{users: make(map[uint32]int64, a.channelUsers[ck]), id: id}
		a.Channels[ck] = cs
	}
	// Evidence refs share the channel's own copy of its id, and the one
	// copy of the text, when there is one.
	ref := ref{channel: cs.id, ts: o.Time.UnixMicro()}
	if o.Text != "" {
		text := strings.Clone(o.Text)
		ref.text = &text
	}
	os.Evidence.add(ref)
	us.Evidence.add(ref)
	if o.Sarcasm > 0 {
		us.SarcasmEvidence.add(ref, o.Sarcasm)
	}
	switch {
	case o.Compound >= PolarityThreshold:
		us.PositiveEvidence.add(ref, o.Compound)
		os.PositiveEvidence.add(ref, o.Compound)
	case o.Compound <= -PolarityThreshold:
		us.NegativeEvidence.add(ref, -o.Compound)
		os.NegativeEvidence.add(ref, -o.Compound)
	}
	if o.ThreadParent != 0 || o.Question {
		a.observeThread(o, cs, *cs.id, ref.text)
	}
	cs.merge(&act)
	cs.Name.observe(o.ChannelName, o.Time)
	if us.num == 0 {
		k := UserKey{o.Team, o.UserID}
		if !o.StableIDs {
			if _, ok := a.people.Lookup(k); !ok {
				k = UserKey{strings.Clone(k.Team), strings.Clone(k.User)}
			}
		}
		us.num = a.people.Number(k) + 1
	}
	cs.pending = append(cs.pending, us.num-1)
	if len(cs.pending) == pendingAuthors {
		cs.authors()
	}

	for _, m := range o.Mentioned {
		mo := m.Office
		if mo == "" {
			mo = Unassigned
		}
		mu := a.user(UserKey{o.Team, m.User}, mo, o.StableIDs)
		mu.MentionsReceived++
		mu.observeOffice(mo, o.Time)
		mu.MentionEvidence.add(ref, 0)
		a.office(mo).MentionsReceived++
	}
	for _, r := range o.Reactions {
		us.ReactionsReceived += r.N
		os.ReactionsReceived += r.N
		cs.ReactionsReceived += r.N
		k := ReactionKey{office, r.Emoji}
		if _, ok := a.Reactions[k]; !ok {
			k.Office, k.Emoji = strings.Clone(office), strings.Clone(r.Emoji)
		}
		a.Reactions[k] += r.N
	}

	if us.hash == 0 {
		us.hash = privacy.AuthorHash(o.Team, o.UserID)
	}
	author := us.hash
	a.observed++
	if len(o.Topics) > 0 {
		topics, once := a.officeTopics(office)
		// Every topic is looked up, and its message counted, before the
		// rest of any is: the lookups and counts do not depend on one
		// another, so their cache misses overlap, where each topic's
		// misses waited for the one before's.
		found := a.found[:0]
		for _, t := range o.Topics {
			ts := topics[t]
			if ts != nil {
				ts.Messages++
			}
			found = append(found, ts)
		}
		a.found = found[:0]
		for i, t := range o.Topics {
			ts := found[i]
			if ts == nil {
				if strings.IndexByte(t, ' ') < 0 { // not a bigram: a TopicStats at once
					ts = &TopicStats{}
				} else { // a bigram: a TopicStats from its second message on
					h := maphash.String(once.seed, t)
					i, ok := once.find(h, t)
					if !ok {
						once.put(h, t, once.message(a.observed, onceTopic{o.Compound, ref, author}))
						continue
					}
					first := once.take(h, t, i)
					ts = first.stats()
				}
				topics[a.keys.keep(t)] = ts
				ts.Messages++
			}
			ts.Sentiment.Add(o.Compound)
			ts.Evidence.add(ref)
			ts.Authors.Add(author)
		}
	}

	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	hk := HourKey{office, HourOfWeek(o.Time.In(loc))}
	a.Hours[hk]++
	a.hourAuthors(hk).Add(author)
}

// Observed is how many messages Observe added to a, not counting those of
// aggregates merged into it.
func (a *Aggregate) Observed() uint64 { return a.observed }

// hourAuthors returns the authors of an hour-of-week cell, made if new.
func (a *Aggregate) hourAuthors(k HourKey) *privacy.AuthorSet {
	s := a.HourAuthors[k]
	if s == nil {
		s = &privacy.AuthorSet{}
		a.HourAuthors[k] = s
	}
	return s
}

// officeTopics returns the topic maps of office, made if new.
func (a *Aggregate) officeTopics(office string) (OfficeTopics, *onceSet) {
	topics := a.Topics[office]
	if topics == nil {
		topics = make(OfficeTopics)
		a.Topics[strings.Clone(office)] = topics
	}
	once := a.once[office]
	if once == nil {
		once = newOnceSet(0)
		a.once[strings.Clone(office)] = once
	}
	return topics, once
}

// HourOfWeek numbers the hours of a week from Monday 00:00 (0) to Sunday
// 23:00 (167), ISO style.
func HourOfWeek(t time.Time) int {
	day := (int(t.Weekday()) + 6) % 7
	return day*24 + t.Hour()
}

// observeOffice keeps the office of the latest day the user was seen in;
// on the same day a named office wins over Unassigned, then the smaller
// name, so that merging in any order gives the same office.
func (u *UserStats) observeOffice(office string, at time.Time) {
	day := DayOf(at).Start()
	switch c := day.Compare(u.officeAt); {
	case u.Office == "" || c > 0:
	case c < 0 || office == u.Office:
		return
	case u.Office == Unassigned:
	case office == Unassigned || office > u.Office:
		return
	}
	u.Office, u.officeAt = office, day
}

// Office returns the stats of office (or Unassigned), made if new. The
// pointer is valid as long as a is.
func (a *Aggregate) Office(office string) *OfficeStats {
	if office == "" {
		office = Unassigned
	}
	return a.office(office)
}

func (a *Aggregate) office(name string) *OfficeStats {
	s := a.Offices[name]
	if s == nil {
		s = &OfficeStats{}
		a.Offices[name] = s
	}
	return s
}

// User returns the stats of the user id of team, made for office (or
// Unassigned) if new. team and id must be stable strings (see
// Observation.StableIDs). The pointer is valid as long as a is.
func (a *Aggregate) User(team, id, office string) *UserStats {
	if office == "" {
		office = Unassigned
	}
	return a.user(UserKey{team, id}, office, true)
}

// user returns the stats of user k, made for office if new. Unless stable,
// k's strings are copied before they become a map key.
func (a *Aggregate) user(k UserKey, office string, stable bool) *UserStats {
	s := a.Users[k]
	if s == nil {
		s = &UserStats{Office: office}
		if !stable {
			k = UserKey{strings.Clone(k.Team), strings.Clone(k.User)}
		}
		a.Users[k] = s
	}
	return s
}

// Merge adds o into a. o must not be used afterwards: a may take its maps'
// values.
func (a *Aggregate) Merge(o *Aggregate) {
	for k, v := range o.Offices {
		if s := a.Offices[k]; s != nil {
			s.merge(&v.Activity)
			s.MentionsReceived += v.MentionsReceived
			s.ReactionsReceived += v.ReactionsReceived
			s.Evidence.Merge(&v.Evidence)
			s.PositiveEvidence.Merge(&v.PositiveEvidence)
			s.NegativeEvidence.Merge(&v.NegativeEvidence)
		} else {
			a.Offices[k] = v
		}
	}
	for k, v := range o.Users {
		v.num = 0 // its number in o's people
		if s := a.Users[k]; s != nil {
			s.merge(&v.Activity)
			s.MentionsReceived += v.MentionsReceived
			s.ReactionsReceived += v.ReactionsReceived
			s.Evidence.Merge(&v.Evidence)
			s.MentionEvidence.Merge(&v.MentionEvidence)
			s.SarcasmEvidence.Merge(&v.SarcasmEvidence)
			s.PositiveEvidence.Merge(&v.PositiveEvidence)
			s.NegativeEvidence.Merge(&v.NegativeEvidence)
			s.Name.observe(v.Name.Name, v.Name.At)
			s.observeOffice(v.Office, v.officeAt)
		} else {
			a.Users[k] = v
		}
	}
	authors := numbering.Renumbering[UserKey]{From: &o.people, To: &a.people}
	for k, v := range o.Channels {
		if s := a.Channels[k]; s != nil {
			s.merge(&v.Activity)
			s.ReactionsReceived += v.ReactionsReceived
			s.Name.observe(v.Name.Name, v.Name.At)
			counts := s.authors()
			for p, n := range v.authors() {
				counts[authors.Of(p)] += n
			}
		} else {
			v.threadCh = 0 // its number in o's threads
			counts := v.authors()
			users := make(map[uint32]int64, len(counts))
			for p, n := range counts {
				users[authors.Of(p)] = n
			}
			v.users = users
			a.Channels[k] = v
		}
	}
	// Topic keys are copied into a's arena rather than taken: o's arena
	// blocks would otherwise live on as long as a does.
	for office, ot := range o.Topics {
		at, aonce := a.officeTopics(office)
		for k, v := range ot {
			if s := at[k]; s != nil {
				s.Messages += v.Messages
				s.Sentiment.Merge(&v.Sentiment)
				s.Evidence.Merge(&v.Evidence)
				s.Authors.Merge(&v.Authors)
				continue
			}
			h := maphash.String(aonce.seed, k)
			if i, ok := aonce.find(h, k); ok {
				first := aonce.take(h, k, i)
				first.addTo(v)
			}
			at[a.keys.keep(k)] = v
		}
	}
	for office, oonce := range o.once {
		at, aonce := a.officeTopics(office)
		// o's messages are recorded in aonce once each, however many of
		// their bigrams stay once-seen.
		msgs := make([]uint32, len(oonce.msgs))
		for k, mi := range oonce.bigrams {
			v := &oonce.msgs[mi]
			if s := at[k]; s != nil {
				v.addTo(s)
				continue
			}
			h := maphash.String(aonce.seed, k)
			if i, ok := aonce.find(h, k); ok {
				first := aonce.take(h, k, i)
				s := first.stats()
				v.addTo(s)
				at[a.keys.keep(k)] = s
				continue
			}
			m := &msgs[mi]
			if *m == 0 {
				aonce.msgs = append(aonce.msgs, *v)
				*m = uint32(len(aonce.msgs))
			}
			aonce.put(h, k, *m-1)
		}
	}
	for k, v := range o.Hours {
		a.Hours[k] += v
	}
	for k, v := range o.HourAuthors {
		a.hourAuthors(k).Merge(v)
	}
	for k, v := range o.Reactions {
		a.Reactions[k] += v
	}
	a.threads.merge(&o.threads)
}

// ActiveUsers counts, per office, the users with at least one message.
func (a *Aggregate) ActiveUsers() map[string]int64 {
	n := make(map[string]int64)
	for _, u := range a.Users {
		if u.Messages > 0 {
			n[u.Office]++
		}
	}
	return n
}

// MinBigramSupport is how many messages of an office-day must carry a
// bigram for it to be a topic of that day. Unigrams are always kept. Most
// adjacent word pairs occur once and say nothing about what an office
// discusses, yet they outnumber every other key: without this rule they
// would dominate memory and the topics table. The rule applies per
// office-day, the unit of the tables, so any range merged from daily
// partitions gives the same counts as a run over it.
const MinBigramSupport = 2

// PruneTopics drops the bigrams carried by fewer than min messages. Call it
// on a whole office-day, never on a worker's share of one.
func (a *Aggregate) PruneTopics(min int64) {
	for office, once := range a.once {
		if min <= 1 {
			topics, _ := a.officeTopics(office)
			for k, v := range once.all {
				topics[a.keys.keep(k)] = v.stats()
			}
		}
		delete(a.once, office)
	}
	for _, ot := range a.Topics {
		for k, v := range ot {
			if v.Messages < min && strings.IndexByte(k, ' ') >= 0 {
				delete(ot, k)
			}
		}
	}
}

// ForOffice returns the part of a that concerns one office: its row, its
// people, its topics and activity, and the channels its people wrote in,
// counting only their messages there. Channel sentiment and words are not
// kept per author, so the channels of the result carry message counts only.
// a must not be used afterwards.
func (a *Aggregate) ForOffice(office string) *Aggregate {
	r := New()
	if o := a.Offices[office]; o != nil {
		r.Offices[office] = o
	}
	members := map[string]bool{}
	for k, u := range a.Users {
		if u.Office == office {
			u.num = 0 // its number in a's people
			r.Users[k] = u
			members[k.User] = true
		}
	}
	for k, c := range a.Channels {
		fc := &ChannelStats{Name: c.Name, users: make(map[uint32]int64)}
		for p, n := range c.authors() {
			if pk := a.people.Key(p); members[pk.User] {
				fc.users[r.people.Number(pk)] = n
				fc.Messages += n
			}
		}
		if len(fc.users) > 0 {
			r.Channels[k] = fc
		}
	}
	if t := a.Topics[office]; t != nil {
		r.Topics[office] = t
	}
	if t := a.once[office]; t != nil {
		r.once[office] = t
	}
	for k, n := range a.Hours {
		if k.Office == office {
			r.Hours[k] = n
		}
	}
	for k, v := range a.HourAuthors {
		if k.Office == office {
			r.HourAuthors[k] = v
		}
	}
	for k, n := range a.Reactions {
		if k.Office == office {
			r.Reactions[k] = n
		}
	}
	for k, t := range a.threads.all {
		if t.Office == office || (t.Office == "" && office == Unassigned) {
			r.threads.add(k, &t)
		}
	}
	return r
}
