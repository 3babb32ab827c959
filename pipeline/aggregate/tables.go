package aggregate

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/wiretap-hq/wiretap/privacy"
)

// The output tables. Each row type is one Parquet table, written per UTC
// message day under <out>/<table>/date=YYYY-MM-DD/. The date lives in the
// path only (Hive style): Spark refuses a partition column that is also in
// the files. Sentiment columns are sums, never means, so that rows of
// different days (or shards) add up; sentiment_sum and sentiment_sumsq are
// exact multiples of 1e-4 and 1e-8 because scores are rounded to four
// decimals before summing.

// SentimentColumns are the sentiment sums shared by several tables.
type SentimentColumns struct {
	SentimentN     int64   `parquet:"sentiment_n"`
	SentimentSum   float64 `parquet:"sentiment_sum"`
	SentimentSumSq float64 `parquet:"sentiment_sumsq"`
	Positive       int64   `parquet:"positive"`
	Neutral        int64   `parquet:"neutral"`
	Negative       int64   `parquet:"negative"`
}

func sentimentColumns(s *Sentiment) SentimentColumns {
	return SentimentColumns{
		SentimentN:     s.N,
		SentimentSum:   float64(s.Sum) / Scale,
		SentimentSumSq: float64(s.SumSq) / (Scale * Scale),
		Positive:       s.Positive,
		Neutral:        s.Neutral,
		Negative:       s.Negative,
	}
}

// SarcasmColumns count sarcasm: messages the model flags, and the sum of
// its probabilities (their mean is a rate that does not depend on the
// threshold).
type SarcasmColumns struct {
	Sarcastic  int64   `parquet:"sarcastic"`
	SarcasmSum float64 `parquet:"sarcasm_sum"`
}

func sarcasmColumns(a *Activity) SarcasmColumns {
	return SarcasmColumns{Sarcastic: a.Sarcastic, SarcasmSum: float64(a.SarcasmSum) / Scale}
}

// MoodEvidenceColumns are the most positive and most negative messages of
// a row, "channel/ts" refs best first, each list with the scores that
// ranked them (compound scores in 1/Scale; negated for the negative list,
// so that higher is always more extreme). The scores are what lets the
// lists of different days merge exactly (see Scored).
type MoodEvidenceColumns struct {
	PositiveEvidence      []string `parquet:"positive_evidence,list"`
	PositiveEvidenceScore []int64  `parquet:"positive_evidence_score,list"`
	NegativeEvidence      []string `parquet:"negative_evidence,list"`
	NegativeEvidenceScore []int64  `parquet:"negative_evidence_score,list"`
	// The texts, as EvidenceText is for evidence (written by the *TextRow
	// types).
	PositiveEvidenceText []string `parquet:"-" column:"positive_evidence_text"`
	NegativeEvidenceText []string `parquet:"-" column:"negative_evidence_text"`
}

func moodEvidenceColumns(cells *cells, pos, neg *Scored) MoodEvidenceColumns {
	var c MoodEvidenceColumns
	c.PositiveEvidence, c.PositiveEvidenceScore, c.PositiveEvidenceText = pos.columns(cells)
	c.NegativeEvidence, c.NegativeEvidenceScore, c.NegativeEvidenceText = neg.columns(cells)
	return c
}

func (c *MoodEvidenceColumns) scored(ids channelIDs) (pos, neg Scored) {
	return scoredOf(c.PositiveEvidence, c.PositiveEvidenceScore, c.PositiveEvidenceText, ids),
		scoredOf(c.NegativeEvidence, c.NegativeEvidenceScore, c.NegativeEvidenceText, ids)
}

// OfficeRow is a row of the offices table.
type OfficeRow struct {
	Office           string `parquet:"office,dict"`
	Messages         int64  `parquet:"messages"`
	ActiveUsers      int64  `parquet:"active_users"`
	Words            int64  `parquet:"words"`
	ThreadReplies    int64  `parquet:"thread_replies"`
	MentionsReceived int64  `parquet:"mentions_received"`
	// ReactionsReceived are reactions to the office's messages, added
	// minus removed.
	ReactionsReceived int64 `parquet:"reactions_received"`
	SentimentColumns
	SarcasmColumns
	Evidence []string `parquet:"evidence,list"` // up to 3 "channel/ts" refs, earliest first
	MoodEvidenceColumns
	// EvidenceText is, when the run included text (--include-text), the
	// text of each evidence message, parallel to Evidence; nil otherwise.
	// parquet-go leaves it out of this type's schema, so that files written
	// without text are what they always were; with text, rows are written
	// as OfficeTextRow, which adds the column evidence_text, and readers
	// fill the field from that column when a file has it.
	EvidenceText []string `parquet:"-" column:"evidence_text"`
}

// UserRow is a row of the users table.
type UserRow struct {
	TeamID           string `parquet:"team_id,dict"`
	UserID           string `parquet:"user_id"`
	UserName         string `parquet:"user_name"`
	Office           string `parquet:"office,dict"`
	Messages         int64  `parquet:"messages"`
	Words            int64  `parquet:"words"`
	ThreadReplies    int64  `parquet:"thread_replies"`
	MentionsReceived int64  `parquet:"mentions_received"`
	// ReactionsReceived are reactions to the user's messages, added minus
	// removed.
	ReactionsReceived int64 `parquet:"reactions_received"`
	SentimentColumns
	SarcasmColumns
	Evidence []string `parquet:"evidence,list"`
	// MentionEvidence are the earliest messages that mention the user;
	// SarcasmEvidence the user's most sarcastic messages, with their
	// sarcasm probabilities in 1/Scale.
	MentionEvidence      []string `parquet:"mention_evidence,list"`
	SarcasmEvidence      []string `parquet:"sarcasm_evidence,list"`
	SarcasmEvidenceScore []int64  `parquet:"sarcasm_evidence_score,list"`
	MentionEvidenceText  []string `parquet:"-" column:"mention_evidence_text"`
	SarcasmEvidenceText  []string `parquet:"-" column:"sarcasm_evidence_text"`
	MoodEvidenceColumns
	// EvidenceText is as in OfficeRow; with text, rows are written as
	// UserTextRow.
	EvidenceText []string `parquet:"-" column:"evidence_text"`
}

// ChannelRow is a row of the channels table.
type ChannelRow struct {
	TeamID        string `parquet:"team_id,dict"`
	ChannelID     string `parquet:"channel_id"`
	ChannelName   string `parquet:"channel_name"`
	Messages      int64  `parquet:"messages"`
	ActiveUsers   int64  `parquet:"active_users"`
	Words         int64  `parquet:"words"`
	ThreadReplies int64  `parquet:"thread_replies"`
	// ReactionsReceived are reactions to the channel's messages, added
	// minus removed.
	ReactionsReceived int64 `parquet:"reactions_received"`
	SentimentColumns
	SarcasmColumns
}

// ReactionRow is a row of the reactions table: the net reactions (added
// minus removed) of one emoji to the messages of one office's people.
type ReactionRow struct {
	Office            string `parquet:"office,dict"`
	Emoji             string `parquet:"emoji"` // without colons
	ReactionsReceived int64  `parquet:"reactions_received"`
}

// TopicRow is a row of the topics table: the messages of one office that
// carry a topic (a unigram, or a bigram of two words joined by a space).
type TopicRow struct {
	Office   string `parquet:"office,dict"`
	Topic    string `parquet:"topic"`
	Kind     string `parquet:"kind,dict"` // word, bigram, emoji (":name:") or channel ("#name")
	Messages int64  `parquet:"messages"`
	SentimentColumns
	Evidence []string `parquet:"evidence,list"`
	AuthorColumns
	// EvidenceText is as in OfficeRow; with text, rows are written as
	// TopicTextRow.
	EvidenceText []string `parquet:"-" column:"evidence_text"`
}

// ChannelUserRow is a row of the channel_users table: how many messages a
// user wrote in a channel. It is what makes distinct authors per channel
// exact over any range, and channels answerable per office.
type ChannelUserRow struct {
	TeamID    string `parquet:"team_id,dict"`
	ChannelID string `parquet:"channel_id,dict"`
	UserID    string `parquet:"user_id"`
	Messages  int64  `parquet:"messages"`
}

// ActivityRow is a row of the activity table: messages per hour of the week,
// in the office's local time (UTC for people without a time zone).
type ActivityRow struct {
	Office     string `parquet:"office,dict"`
	HourOfWeek int32  `parquet:"hour_of_week"`
	Messages   int64  `parquet:"messages"`
	AuthorColumns
}

// AuthorColumns say who wrote the messages of a row, as little as it takes
// to decide exactly, over any range of days, whether the row's group has
// fewer distinct authors than the minimum group size (privacy.AuthorSet):
// author_hashes are the 64-bit hashes of its distinct authors, sorted,
// while there are fewer than privacy.MaxMinGroup of them; many_authors is
// true, and the list empty, once there are as many or more.
type AuthorColumns struct {
	AuthorHashes []int64 `parquet:"author_hashes,list"`
	ManyAuthors  bool    `parquet:"many_authors"`
}

func authorColumns(s *privacy.AuthorSet) AuthorColumns {
	h, many := s.Columns()
	return AuthorColumns{AuthorHashes: h, ManyAuthors: many}
}

// OfficeTextRow, UserTextRow and TopicTextRow are the rows of the offices,
// users and topics tables as written when evidence carries text: the row's
// columns, then evidence_text, a list of strings parallel to evidence
// (empty for a row whose messages had no text).
type (
	OfficeTextRow struct {
		OfficeRow
		EvidenceText         []string `parquet:"evidence_text,list"`
		PositiveEvidenceText []string `parquet:"positive_evidence_text,list"`
		NegativeEvidenceText []string `parquet:"negative_evidence_text,list"`
	}
	UserTextRow struct {
		UserRow
		EvidenceText         []string `parquet:"evidence_text,list"`
		MentionEvidenceText  []string `parquet:"mention_evidence_text,list"`
		SarcasmEvidenceText  []string `parquet:"sarcasm_evidence_text,list"`
		PositiveEvidenceText []string `parquet:"positive_evidence_text,list"`
		NegativeEvidenceText []string `parquet:"negative_evidence_text,list"`
	}
	TopicTextRow struct {
		TopicRow
		EvidenceText []string `parquet:"evidence_text,list"`
	}
)

// Tables is an Aggregate rendered as table rows, each table sorted by its key.
type Tables struct {
	Offices      []OfficeRow
	Users        []UserRow
	Channels     []ChannelRow
	Topics       []TopicRow
	Activity     []ActivityRow
	ChannelUsers []ChannelUserRow
	Reactions    []ReactionRow
	Threads      []ThreadRow
}

// Tables renders a as sorted table rows.
func (a *Aggregate) Tables() *Tables {
	return &Tables{
		Offices: a.OfficeRows(), Users: a.UserRows(), Channels: a.ChannelRows(), ChannelUsers: a.ChannelUserRows(),
		Topics: a.TopicRows(), Activity: a.ActivityRows(), Reactions: a.ReactionRows(), Threads: a.ThreadRows(),
	}
}

// The row methods render one table of a each, sorted by its key: one at a
// time, a large workspace's day needs room for the rows of its largest
// table rather than of all its tables at once. Each makes room for every
// row up front: a day has millions of channel-user pairs and topics, and
// growing the slices to them copied each row several times.

// OfficeRows renders a's offices table.
func (a *Aggregate) OfficeRows() []OfficeRow {
	var cells cells
	active := a.ActiveUsers()
	t := rows[OfficeRow](len(a.Offices))
	for k, v := range a.Offices {
		t = append(t, OfficeRow{
			Office: k, Messages: v.Messages, ActiveUsers: active[k], Words: v.Words,
			ThreadReplies: v.ThreadReplies, MentionsReceived: v.MentionsReceived, ReactionsReceived: v.ReactionsReceived,
			SentimentColumns: sentimentColumns(&v.Sentiment), SarcasmColumns: sarcasmColumns(&v.Activity),
			Evidence: v.Evidence.strings(&cells), EvidenceText: v.Evidence.texts(),
			MoodEvidenceColumns: moodEvidenceColumns(&cells, &v.PositiveEvidence, &v.NegativeEvidence),
		})
	}
	slices.SortFunc(t, func(x, y OfficeRow) int { return cmp.Compare(x.Office, y.Office) })
	return t
}

// UserRows renders a's users table.
func (a *Aggregate) UserRows() []UserRow {
	// Rows are wide: the keys are sorted, then the rows made in order,
	// rather than the rows moved about by a sort.
	users := make([]keyed[UserKey, *UserStats], 0, len(a.Users))
	for k, v := range a.Users {
		users = append(users, keyed[UserKey, *UserStats]{k, v})
	}
	slices.SortFunc(users, func(x, y keyed[UserKey, *UserStats]) int {
		return cmp.Or(cmp.Compare(x.key.Team, y.key.Team), cmp.Compare(x.key.User, y.key.User))
	})
	var cells cells
	t := rows[UserRow](len(users))
	for _, u := range users {
		k, v := u.key, u.value
		row := UserRow{
			TeamID: k.Team, UserID: k.User, UserName: v.Name.Name, Office: v.Office,
			Messages: v.Messages, Words: v.Words, ThreadReplies: v.ThreadReplies,
			MentionsReceived: v.MentionsReceived, ReactionsReceived: v.ReactionsReceived,
			SentimentColumns: sentimentColumns(&v.Sentiment),
			SarcasmColumns:   sarcasmColumns(&v.Activity), Evidence: v.Evidence.strings(&cells),
			EvidenceText:        v.Evidence.texts(),
			MoodEvidenceColumns: moodEvidenceColumns(&cells, &v.PositiveEvidence, &v.NegativeEvidence),
		}
		row.MentionEvidence, _, row.MentionEvidenceText = v.MentionEvidence.columns(&cells)
		row.SarcasmEvidence, row.SarcasmEvidenceScore, row.SarcasmEvidenceText = v.SarcasmEvidence.columns(&cells)
		t = append(t, row)
	}
	return t
}

// ChannelRows renders a's channels table.
func (a *Aggregate) ChannelRows() []ChannelRow {
	t := rows[ChannelRow](len(a.Channels))
	for k, v := range a.Channels {
		t = append(t, ChannelRow{
			TeamID: k.Team, ChannelID: k.Channel, ChannelName: v.Name.Name, Messages: v.Messages,
			ActiveUsers: v.ActiveUsers(), Words: v.Words, ThreadReplies: v.ThreadReplies,
			ReactionsReceived: v.ReactionsReceived, SentimentColumns: sentimentColumns(&v.Sentiment), SarcasmColumns: sarcasmColumns(&v.Activity),
		})
	}
	slices.SortFunc(t, func(x, y ChannelRow) int {
		return cmp.Or(cmp.Compare(x.TeamID, y.TeamID), cmp.Compare(x.ChannelID, y.ChannelID))
	})
	return t
}

// ChannelUserRows renders a's channel_users table.
func (a *Aggregate) ChannelUserRows() []ChannelUserRow {
	channels := make([]keyed[ChannelKey, *ChannelStats], 0, len(a.Channels))
	pairs := 0
	for k, v := range a.Channels {
		channels = append(channels, keyed[ChannelKey, *ChannelStats]{k, v})
		pairs += len(v.authors())
	}
	slices.SortFunc(channels, func(x, y keyed[ChannelKey, *ChannelStats]) int {
		return cmp.Or(cmp.Compare(x.key.Team, y.key.Team), cmp.Compare(x.key.Channel, y.key.Channel))
	})
	// Channel by channel, in key order: sorting each channel's few users
	// costs far less than sorting every pair of the day at once.
	t := rows[ChannelUserRow](pairs)
	var channelUsers []keyed[string, int64]
	for _, c := range channels {
		channelUsers = channelUsers[:0]
		for p, n := range c.value.authors() {
			channelUsers = append(channelUsers, keyed[string, int64]{a.people.Key(p).User, n})
		}
		slices.SortFunc(channelUsers, func(x, y keyed[string, int64]) int { return cmp.Compare(x.key, y.key) })
		for _, u := range channelUsers {
			t = append(t, ChannelUserRow{TeamID: c.key.Team, ChannelID: c.key.Channel, UserID: u.key, Messages: u.value})
		}
	}
	return t
}

// TopicRows renders a's topics table.
func (a *Aggregate) TopicRows() []TopicRow {
	// A topic is in an office's topics or, a bigram seen once, in its
	// once map, never in both.
	n := 0
	for _, ot := range a.Topics {
		n += len(ot)
	}
	for _, once := range a.once {
		n += once.Len()
	}
	type topicKey struct{ office, topic, kind string }
	keys := make([]keyed[topicKey, *TopicStats], 0, n)
	for office, ot := range a.Topics {
		for topic, v := range ot {
			keys = append(keys, keyed[topicKey, *TopicStats]{topicKey{office, topic, TopicKind(topic)}, v})
		}
	}
	for office, once := range a.once {
		for topic, v := range once.all {
			keys = append(keys, keyed[topicKey, *TopicStats]{topicKey{office, topic, KindBigram}, v.stats()})
		}
	}
	slices.SortFunc(keys, func(x, y keyed[topicKey, *TopicStats]) int {
		return cmp.Or(cmp.Compare(x.key.office, y.key.office), cmp.Compare(x.key.topic, y.key.topic))
	})
	var cells cells
	t := rows[TopicRow](len(keys))
	for _, k := range keys {
		v, kind := k.value, k.key.kind
		t = append(t, TopicRow{
			Office: k.key.office, Topic: k.key.topic, Kind: kind, Messages: v.Messages,
			SentimentColumns: sentimentColumns(&v.Sentiment), Evidence: v.Evidence.strings(&cells),
			EvidenceText: v.Evidence.texts(), AuthorColumns: authorColumns(&v.Authors),
		})
	}
	return t
}

// ActivityRows renders a's activity table.
func (a *Aggregate) ActivityRows() []ActivityRow {
	t := rows[ActivityRow](len(a.Hours))
	for k, v := range a.Hours {
		authors := a.HourAuthors[k]
		if authors == nil {
			authors = &privacy.AuthorSet{}
		}
		t = append(t, ActivityRow{Office: k.Office, HourOfWeek: int32(k.HourOfWeek), Messages: v,
			AuthorColumns: authorColumns(authors)})
	}
	slices.SortFunc(t, func(x, y ActivityRow) int {
		return cmp.Or(cmp.Compare(x.Office, y.Office), cmp.Compare(x.HourOfWeek, y.HourOfWeek))
	})
	return t
}

// ReactionRows renders a's reactions table.
func (a *Aggregate) ReactionRows() []ReactionRow {
	var t []ReactionRow
	for k, v := range a.Reactions {
		t = append(t, ReactionRow{Office: k.Office, Emoji: k.Emoji, ReactionsReceived: v})
	}
	slices.SortFunc(t, func(x, y ReactionRow) int {
		return cmp.Or(cmp.Compare(x.Office, y.Office), cmp.Compare(x.Emoji, y.Emoji))
	})
	return t
}

// ThreadRows renders a's threads table.
func (a *Aggregate) ThreadRows() []ThreadRow { return threadRows(&a.threads) }

// keyed is a map entry: sorting entries and then making rows in order
// moves far less memory than sorting the wide rows.
type keyed[K, V any] struct {
	key   K
	value V
}

// rows returns room for n rows; nil for none, as a table without rows has.
func rows[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, 0, n)
}

func activityOf(messages, words, replies int64, s *SentimentColumns, sc *SarcasmColumns) Activity {
	return Activity{
		Messages: messages, Words: words, ThreadReplies: replies, Sentiment: sentimentOf(s),
		Sarcastic: sc.Sarcastic, SarcasmSum: int64(math.Round(sc.SarcasmSum * Scale)),
	}
}

func sentimentOf(c *SentimentColumns) Sentiment {
	return Sentiment{
		N:        c.SentimentN,
		Sum:      int64(math.Round(c.SentimentSum * Scale)),
		SumSq:    int64(math.Round(c.SentimentSumSq * Scale * Scale)),
		Positive: c.Positive,
		Neutral:  c.Neutral,
		Negative: c.Negative,
	}
}

// FromTables rebuilds the Aggregate of one day from its tables: the
// inverse of Tables, exact because sentiment sums are fixed-point values.
// Display names are dated at the start of the day, so that merging days in
// any order keeps the names of the latest day, as one run over them would.
func FromTables(day Day, t *Tables) *Aggregate {
	a := New()
	at := day.Start()
	ids := channelIDs{}
	for _, r := range t.Offices {
		o := &OfficeStats{
			Activity:         activityOf(r.Messages, r.Words, r.ThreadReplies, &r.SentimentColumns, &r.SarcasmColumns),
			MentionsReceived: r.MentionsReceived, ReactionsReceived: r.ReactionsReceived,
			Evidence: evidenceOf(r.Evidence, r.EvidenceText, ids),
		}
		o.PositiveEvidence, o.NegativeEvidence = r.scored(ids)
		a.Offices[r.Office] = o
	}
	for _, r := range t.Users {
		u := &UserStats{
			Activity: activityOf(r.Messages, r.Words, r.ThreadReplies, &r.SentimentColumns, &r.SarcasmColumns),
			Office:   r.Office, officeAt: at, MentionsReceived: r.MentionsReceived, ReactionsReceived: r.ReactionsReceived,
			Evidence: evidenceOf(r.Evidence, r.EvidenceText, ids),
		}
		u.MentionEvidence = scoredOf(r.MentionEvidence, nil, r.MentionEvidenceText, ids)
		u.SarcasmEvidence = scoredOf(r.SarcasmEvidence, r.SarcasmEvidenceScore, r.SarcasmEvidenceText, ids)
		u.PositiveEvidence, u.NegativeEvidence = r.scored(ids)
		u.Name.observe(r.UserName, at)
		a.Users[UserKey{r.TeamID, r.UserID}] = u
	}
	for _, r := range t.Channels {
		c := &ChannelStats{
			Activity:          activityOf(r.Messages, r.Words, r.ThreadReplies, &r.SentimentColumns, &r.SarcasmColumns),
			users:             make(map[uint32]int64),
			id:                ids.keep(r.ChannelID),
			ReactionsReceived: r.ReactionsReceived,
		}
		c.Name.observe(r.ChannelName, at)
		a.Channels[ChannelKey{r.TeamID, r.ChannelID}] = c
	}
	for _, r := range t.ChannelUsers {
		if c := a.Channels[ChannelKey{r.TeamID, r.ChannelID}]; c != nil {
			c.users[a.people.Number(UserKey{r.TeamID, r.UserID})] = r.Messages
		}
	}
	for _, r := range t.Topics {
		ot := a.Topics[r.Office]
		if ot == nil {
			ot = make(OfficeTopics)
			a.Topics[r.Office] = ot
		}
		ot[r.Topic] = &TopicStats{Messages: r.Messages, Sentiment: sentimentOf(&r.SentimentColumns), Evidence: evidenceOf(r.Evidence, r.EvidenceText, ids),
			Authors: privacy.AuthorSetOf(r.AuthorHashes, r.ManyAuthors)}
	}
	for _, r := range t.Activity {
		k := HourKey{r.Office, int(r.HourOfWeek)}
		a.Hours[k] = r.Messages
		authors := privacy.AuthorSetOf(r.AuthorHashes, r.ManyAuthors)
		a.HourAuthors[k] = &authors
	}
	for _, r := range t.Reactions {
		a.Reactions[ReactionKey{r.Office, r.Emoji}] = r.ReactionsReceived
	}
	threadsOf(t.Threads, &a.threads)
	return a
}

// Topic kinds, as TopicKind tells them.
const (
	KindWord    = "word"
	KindBigram  = "bigram"
	KindEmoji   = "emoji"
	KindChannel = "channel"
)

// TopicKind tells what a topic is from its form: ":name:" an emoji, "#name"
// a channel, "a b" a bigram, anything else a word.
func TopicKind(topic string) string {
	switch {
	case len(topic) > 2 && topic[0] == ':' && topic[len(topic)-1] == ':':
		return KindEmoji
	case len(topic) > 1 && topic[0] == '#':
		return KindChannel
	case strings.IndexByte(topic, ' ') >= 0:
		return KindBigram
	}
	return KindWord
}
