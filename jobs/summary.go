package jobs

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// SummarySchema names the version of the summary JSON. Readers check it; a
// change that removes or renames a field, or changes what one means, makes
// a new version. docs/summary.schema.json is its JSON Schema and
// docs/summary-changelog.md says what changed from version to version.
const SummarySchema = "wiretap.summary/v2"

// TopN is how many entries each ranking in the summary keeps. The Parquet
// tables keep everything; the summary is for dashboards.
const TopN = 10

// Summary is summary.json: the range at a glance, for dashboards. It is
// computed from the merged aggregates of the whole range and contains no
// wall-clock values, so the same input gives the same bytes.
type Summary struct {
	Schema   string          `json:"schema"`
	Range    SummaryRange    `json:"range"`
	Totals   SummaryTotals   `json:"totals"`
	Offices  []OfficeSummary `json:"offices"` // every office, most active first
	TopUsers []UserSummary   `json:"top_users"`
	// MostMentioned ranks users by mentions received (mentions of oneself do
	// not count); the evidence of each is the earliest messages that
	// mention them.
	MostMentioned []UserSummary `json:"most_mentioned"`
	// MostReacted ranks users by the net reactions (added minus removed)
	// their messages received.
	MostReacted []UserSummary `json:"most_reacted"`
	// MostPopular ranks users by mentions received plus reactions
	// received: being talked about and being responded to.
	MostPopular []UserSummary `json:"most_popular"`
	// MostSarcastic ranks users with at least MinRankedMessages messages by
	// their mean sarcasm probability; the evidence of each is their
	// messages with the highest sarcasm probability.
	MostSarcastic []UserSummary `json:"most_sarcastic"`
	// MostPositive and MostNegative rank users with at least
	// MinRankedMessages scored messages by their mean compound score, with
	// its 95 % interval; the evidence is their most extreme messages in
	// that direction. MostPositiveOffices and MostNegativeOffices rank the
	// offices alike (all offices with as many messages).
	MostPositive        []MoodRank `json:"most_positive"`
	MostNegative        []MoodRank `json:"most_negative"`
	MostPositiveOffices []MoodRank `json:"most_positive_offices"`
	MostNegativeOffices []MoodRank `json:"most_negative_offices"`
	// Threads are threads and questions per office and channel, and
	// Unanswered the questions that got no reply within AnswerWindow.
	Threads    *ThreadsSummary    `json:"threads"`
	Unanswered *UnansweredSummary `json:"unanswered"`
	// NewPeople are the people who wrote in the range and not in the
	// previous window of equal length, LapsedPeople those who wrote then
	// and not now, QuietChannels the channels that had at least
	// MinQuietMessages messages then and none now. Null, like trending
	// topics, when the previous window's partitions are not all in the
	// output folder.
	NewPeople     *PeopleChange    `json:"new_people"`
	LapsedPeople  *PeopleChange    `json:"lapsed_people"`
	QuietChannels []QuietChannel   `json:"quiet_channels"`
	TopChannels   []ChannelSummary `json:"top_channels"`
	// TopTopics are the words and bigrams carried by the most messages;
	// TopEmoji the emoji.
	TopTopics []TopicSummary `json:"top_topics"`
	TopEmoji  []TopicSummary `json:"top_emoji"`
	// TopReactions are the emoji most reacted with (net), workspace-wide.
	TopReactions   []ReactionSummary         `json:"top_reactions"`
	TopicsByOffice map[string][]TopicSummary `json:"topics_by_office"`
	// DistinctiveTopics are, per office, the words and bigrams it uses
	// markedly more than the rest of the workspace: the z-score of their
	// log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi
	// and Quinn 2008), among topics of at least MinTopicMessages messages.
	DistinctiveTopics map[string][]TopicSummary `json:"distinctive_topics"`
	// TrendingTopics are, per office, the topics growing most against the
	// previous window of equal length: z = (now - before) / sqrt(now +
	// before). Null when the previous window's partitions are not all in
	// the output folder.
	TrendingTopics map[string][]TopicSummary `json:"trending_topics"`
	// ActivityByHourOfWeek has 168 counts per office: index 0 is Monday
	// 00:00-01:00 in the office's time zone.
	ActivityByHourOfWeek map[string][]int64 `json:"activity_by_hour_of_week"`
	// SuppressedHours lists, per office, the hours of the week whose cell
	// of ActivityByHourOfWeek is zeroed because fewer than the minimum
	// group of people wrote in it (SuppressSmallGroups).
	SuppressedHours map[string][]int `json:"suppressed_hours_of_week,omitempty"`
}

// JSON returns the summary as summary.json and `query --format json` write
// it: indented, with a final newline. Every reader that promises the same
// bytes (the dashboard's JSON feed) goes through it.
func (s *Summary) JSON() ([]byte, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode summary: %w", err)
	}
	return append(data, '\n'), nil
}

// SummaryRange is the message-time range covered, [from, to).
type SummaryRange struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days int    `json:"days"`
}

// SummaryTotals are workspace-wide figures.
type SummaryTotals struct {
	Messages      int64 `json:"messages"`
	ActiveUsers   int64 `json:"active_users"`
	Channels      int64 `json:"channels"`
	Offices       int64 `json:"offices"`
	Words         int64 `json:"words"`
	ThreadReplies int64 `json:"thread_replies"`
	// ReactionsReceived are the net reactions to the range's messages.
	ReactionsReceived int64            `json:"reactions_received"`
	Sentiment         SentimentSummary `json:"sentiment"`
	Sarcasm           SarcasmSummary   `json:"sarcasm"`
}

// ReactionSummary is an emoji and its net reactions (added minus removed).
type ReactionSummary struct {
	Emoji             string `json:"emoji"` // without colons
	ReactionsReceived int64  `json:"reactions_received"`
}

// SarcasmSummary describes sarcasm: the mean sarcasm probability (a rate
// that does not depend on a threshold) over n messages, and how many the
// model flags.
type SarcasmSummary struct {
	N       int64   `json:"n"`
	Rate    float64 `json:"rate"`
	Flagged int64   `json:"flagged"`
}

func sarcasmSummary(a *aggregate.Activity) SarcasmSummary {
	s := SarcasmSummary{N: a.Messages, Flagged: a.Sarcastic}
	if a.Messages > 0 {
		s.Rate = round4(float64(a.SarcasmSum) / aggregate.Scale / float64(a.Messages))
	}
	return s
}

// SentimentSummary describes compound scores: their mean with a 95%
// interval, and VADER's three classes.
type SentimentSummary struct {
	N        int64   `json:"n"`
	Mean     float64 `json:"mean"`
	StdDev   float64 `json:"stddev"`
	CI95     float64 `json:"ci95"` // half-width of the 95% interval of the mean
	Positive int64   `json:"positive"`
	Neutral  int64   `json:"neutral"`
	Negative int64   `json:"negative"`
}

// OfficeSummary is one office's activity and mood.
type OfficeSummary struct {
	Office           string `json:"office"`
	Messages         int64  `json:"messages"`
	ActiveUsers      int64  `json:"active_users"`
	Words            int64  `json:"words"`
	ThreadReplies    int64  `json:"thread_replies"`
	MentionsReceived int64  `json:"mentions_received"`
	// ReactionsReceived are net reactions to the office's people's messages.
	ReactionsReceived int64            `json:"reactions_received"`
	Sentiment         SentimentSummary `json:"sentiment"`
	Sarcasm           SarcasmSummary   `json:"sarcasm"`
	Evidence          []MessageRef     `json:"evidence"`
	// Suppressed says the office had fewer authors than the minimum
	// group: its figures are zero and its evidence empty.
	Suppressed bool `json:"suppressed,omitempty"`
}

// UserSummary is one user's activity.
type UserSummary struct {
	TeamID           string `json:"team_id"`
	UserID           string `json:"user_id"`
	UserName         string `json:"user_name,omitempty"`
	Office           string `json:"office"`
	Messages         int64  `json:"messages"`
	MentionsReceived int64  `json:"mentions_received"`
	// ReactionsReceived are net reactions to the user's messages.
	ReactionsReceived int64            `json:"reactions_received"`
	Sentiment         SentimentSummary `json:"sentiment"`
	Sarcasm           SarcasmSummary   `json:"sarcasm"`
	Evidence          []MessageRef     `json:"evidence"`
}

// ChannelSummary is one channel's activity.
type ChannelSummary struct {
	TeamID      string `json:"team_id"`
	ChannelID   string `json:"channel_id"`
	ChannelName string `json:"channel_name,omitempty"`
	Messages    int64  `json:"messages"`
	ActiveUsers int64  `json:"active_users"`
	// ReactionsReceived are net reactions to the channel's messages.
	ReactionsReceived int64            `json:"reactions_received"`
	Sentiment         SentimentSummary `json:"sentiment"`
	// Suppressed: too few authors; the figures are zero.
	Suppressed bool `json:"suppressed,omitempty"`
}

// TopicSummary is a topic, the messages that carry it, and how they feel.
type TopicSummary struct {
	Topic     string           `json:"topic"`
	Kind      string           `json:"kind"` // word, bigram, emoji or channel
	Messages  int64            `json:"messages"`
	Sentiment SentimentSummary `json:"sentiment"`
	Evidence  []MessageRef     `json:"evidence"`
	// Score is the z-score that ranks distinctive and trending topics.
	Score float64 `json:"score,omitempty"`
	// Before is the topic's messages in the previous window, for trending
	// topics.
	Before *int64 `json:"before,omitempty"`
	// Suppressed: too few authors; the figures are zero, the evidence
	// empty.
	Suppressed bool `json:"suppressed,omitempty"`
}

// MinRankedMessages is how many messages a user needs to be ranked by a
// rate (sarcasm): a rate over a handful of messages is noise.
const MinRankedMessages = 30

// MinTopicMessages is how many messages a topic needs to be distinctive or
// trending.
const MinTopicMessages = 5

func topicSummary(topic string, t *aggregate.TopicStats) TopicSummary {
	return TopicSummary{Topic: topic, Kind: aggregate.TopicKind(topic), Messages: t.Messages,
		Sentiment: sentimentSummary(&t.Sentiment), Evidence: refs(&t.Evidence)}
}

// MessageRef points at a message behind a figure: its channel and ts, and
// its text when the run included text (RunOptions.IncludeText).
type MessageRef struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
	Text    string `json:"text,omitempty"`
}

func refs(e *aggregate.Evidence) []MessageRef {
	out := []MessageRef{}
	for _, r := range e.Refs() {
		out = append(out, MessageRef{Channel: r.Channel, TS: r.SlackTS(), Text: r.Text})
	}
	return out
}

func isTextTopic(topic string) bool {
	k := aggregate.TopicKind(topic)
	return k == aggregate.KindWord || k == aggregate.KindBigram
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func sentimentSummary(s *aggregate.Sentiment) SentimentSummary {
	return SentimentSummary{
		N: s.N, Mean: round4(s.Mean()), StdDev: round4(s.StdDev()), CI95: round4(s.CI95()),
		Positive: s.Positive, Neutral: s.Neutral, Negative: s.Negative,
	}
}

// byCount orders by a count, largest first, then by a name, so that ties
// rank the same way on every run.
func byCount[T any](count func(T) int64, name func(T) string) func(a, b T) int {
	return func(a, b T) int {
		return cmp.Or(cmp.Compare(count(b), count(a)), cmp.Compare(name(a), name(b)))
	}
}

// top returns the first n of xs in order, sorted. It selects rather than
// sorts: the topic lists run to hundreds of thousands of entries.
func top[T any](xs []T, n int, order func(a, b T) int) []T {
	best := make([]T, 0, n+1)
	for _, x := range xs {
		best = selectTop(best, n, x, order)
	}
	return best
}

// selectTop offers x to best, the first n so far in order, sorted.
func selectTop[T any](best []T, n int, x T, order func(a, b T) int) []T {
	if len(best) == n && order(x, best[n-1]) >= 0 {
		return best
	}
	i, _ := slices.BinarySearchFunc(best, x, order)
	best = slices.Insert(best, i, x)
	if len(best) > n {
		best = best[:n]
	}
	return best
}

// Summarize computes the summary of a range from its merged aggregate and,
// when it is known, the previous window's (for trending topics).
func Summarize(a *aggregate.Aggregate, from, to time.Time, prev *aggregate.Aggregate) *Summary {
	s := &Summary{
		Schema: SummarySchema,
		Range: SummaryRange{
			From: from.UTC().Format(time.RFC3339), To: to.UTC().Format(time.RFC3339),
			Days: int(aggregate.DayOf(to.Add(-time.Nanosecond)) - aggregate.DayOf(from) + 1),
		},
		Offices:              []OfficeSummary{},
		TopicsByOffice:       map[string][]TopicSummary{},
		MostSarcastic:        []UserSummary{},
		ActivityByHourOfWeek: map[string][]int64{},
	}
	var total aggregate.Sentiment
	var totalActivity aggregate.Activity
	active := a.ActiveUsers()
	for name, o := range a.Offices {
		s.Offices = append(s.Offices, OfficeSummary{
			Office: name, Messages: o.Messages, ActiveUsers: active[name], Words: o.Words,
			ThreadReplies: o.ThreadReplies, MentionsReceived: o.MentionsReceived, ReactionsReceived: o.ReactionsReceived,
			Sentiment: sentimentSummary(&o.Sentiment), Sarcasm: sarcasmSummary(&o.Activity),
			Evidence: refs(&o.Evidence),
		})
		s.Totals.ReactionsReceived += o.ReactionsReceived
		totalActivity.Sarcastic += o.Sarcastic
		totalActivity.SarcasmSum += o.SarcasmSum
		s.Totals.Messages += o.Messages
		s.Totals.Words += o.Words
		s.Totals.ThreadReplies += o.ThreadReplies
		total.Merge(&o.Sentiment)
		if o.Messages > 0 {
			s.Totals.Offices++
		}
	}
	s.Totals.Sentiment = sentimentSummary(&total)
	totalActivity.Messages = s.Totals.Messages
	s.Totals.Sarcasm = sarcasmSummary(&totalActivity)
	for _, n := range active {
		s.Totals.ActiveUsers += n
	}
	s.Totals.Channels = int64(len(a.Channels))
	slices.SortFunc(s.Offices, byCount(
		func(o OfficeSummary) int64 { return o.Messages }, func(o OfficeSummary) string { return o.Office }))

	users := make([]UserSummary, 0, len(a.Users))
	for k, u := range a.Users {
		users = append(users, UserSummary{
			TeamID: k.Team, UserID: k.User, UserName: u.Name.Name, Office: u.Office,
			Messages: u.Messages, MentionsReceived: u.MentionsReceived, ReactionsReceived: u.ReactionsReceived,
			Sentiment: sentimentSummary(&u.Sentiment),
			Sarcasm:   sarcasmSummary(&u.Activity), Evidence: refs(&u.Evidence),
		})
	}
	userKey := func(u UserSummary) string { return u.TeamID + "/" + u.UserID }
	s.TopUsers = top(users, TopN, byCount(func(u UserSummary) int64 { return u.Messages }, userKey))
	s.MostMentioned = top(users, TopN, byCount(func(u UserSummary) int64 { return u.MentionsReceived }, userKey))
	s.MostMentioned = slices.DeleteFunc(s.MostMentioned, func(u UserSummary) bool { return u.MentionsReceived == 0 })
	s.MostReacted = top(users, TopN, byCount(func(u UserSummary) int64 { return u.ReactionsReceived }, userKey))
	s.MostReacted = slices.DeleteFunc(s.MostReacted, func(u UserSummary) bool { return u.ReactionsReceived == 0 })
	popularity := func(u UserSummary) int64 { return u.MentionsReceived + u.ReactionsReceived }
	s.MostPopular = top(users, TopN, byCount(popularity, userKey))
	s.MostPopular = slices.DeleteFunc(s.MostPopular, func(u UserSummary) bool { return popularity(u) == 0 })
	for i, u := range s.MostMentioned {
		s.MostMentioned[i].Evidence = scoredRefs(&a.Users[aggregate.UserKey{Team: u.TeamID, User: u.UserID}].MentionEvidence)
	}
	eligible := slices.DeleteFunc(users, func(u UserSummary) bool { return u.Messages < MinRankedMessages })
	s.MostSarcastic = top(eligible, TopN, func(x, y UserSummary) int {
		return cmp.Or(cmp.Compare(y.Sarcasm.Rate, x.Sarcasm.Rate), cmp.Compare(userKey(x), userKey(y)))
	})
	for i, u := range s.MostSarcastic {
		s.MostSarcastic[i].Evidence = scoredRefs(&a.Users[aggregate.UserKey{Team: u.TeamID, User: u.UserID}].SarcasmEvidence)
	}
	rankMood(s, a)
	s.Threads, s.Unanswered = summarizeThreads(a, from, to)

	channels := make([]ChannelSummary, 0, len(a.Channels))
	for k, c := range a.Channels {
		channels = append(channels, ChannelSummary{
			TeamID: k.Team, ChannelID: k.Channel, ChannelName: c.Name.Name, Messages: c.Messages,
			ActiveUsers: c.ActiveUsers(), ReactionsReceived: c.ReactionsReceived, Sentiment: sentimentSummary(&c.Sentiment),
		})
	}
	s.TopChannels = top(channels, TopN, byCount(
		func(c ChannelSummary) int64 { return c.Messages }, func(c ChannelSummary) string { return c.TeamID + "/" + c.ChannelID }))

	// The topic lists are offered to their top lists one by one rather
	// than collected first: a month has hundreds of thousands of topics,
	// and this runs on one core while the other waits.
	workspace := map[string]*aggregate.TopicStats{}
	for office, ot := range a.Topics {
		ts := make([]TopicSummary, 0, TopN+1)
		for topic, t := range ot {
			w := workspace[topic]
			if w == nil {
				w = &aggregate.TopicStats{}
				workspace[topic] = w
			}
			w.Messages += t.Messages
			w.Sentiment.Merge(&t.Sentiment)
			w.Evidence.Merge(&t.Evidence)
			if isTextTopic(topic) {
				ts = selectTop(ts, TopN, TopicSummary{Topic: topic, Messages: t.Messages}, topicOrder)
			}
		}
		for i := range ts {
			ts[i] = topicSummary(ts[i].Topic, ot[ts[i].Topic])
		}
		s.TopicsByOffice[office] = ts
	}
	s.TopTopics, s.TopEmoji = make([]TopicSummary, 0, 2*TopN+1), make([]TopicSummary, 0, TopN+1)
	for name, t := range workspace {
		switch aggregate.TopicKind(name) {
		case aggregate.KindWord, aggregate.KindBigram:
			s.TopTopics = selectTop(s.TopTopics, 2*TopN, TopicSummary{Topic: name, Messages: t.Messages}, topicOrder)
		case aggregate.KindEmoji:
			s.TopEmoji = selectTop(s.TopEmoji, TopN, TopicSummary{Topic: name, Messages: t.Messages}, topicOrder)
		}
	}
	for _, list := range [][]TopicSummary{s.TopTopics, s.TopEmoji} {
		for i := range list {
			list[i] = topicSummary(list[i].Topic, workspace[list[i].Topic])
		}
	}
	byEmoji := map[string]int64{}
	for k, n := range a.Reactions {
		byEmoji[k.Emoji] += n
	}
	reactions := make([]ReactionSummary, 0, len(byEmoji))
	for e, n := range byEmoji {
		if n > 0 {
			reactions = append(reactions, ReactionSummary{Emoji: e, ReactionsReceived: n})
		}
	}
	s.TopReactions = top(reactions, TopN, byCount(
		func(r ReactionSummary) int64 { return r.ReactionsReceived }, func(r ReactionSummary) string { return r.Emoji }))
	s.DistinctiveTopics = distinctive(a, workspace)
	if prev != nil {
		s.TrendingTopics = trending(a, prev)
		s.NewPeople, s.LapsedPeople, s.QuietChannels = changes(a, prev)
	}
	for k, n := range a.Hours {
		h := s.ActivityByHourOfWeek[k.Office]
		if h == nil {
			h = make([]int64, 168)
			s.ActivityByHourOfWeek[k.Office] = h
		}
		h[k.HourOfWeek] += n
	}
	return s
}

var topicOrder = byCount(func(t TopicSummary) int64 { return t.Messages }, func(t TopicSummary) string { return t.Topic })

// byScore ranks by score, highest first, then by name.
func byScore(a, b TopicSummary) int {
	return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Topic, b.Topic))
}

// distinctivePrior is the total weight of the informative Dirichlet prior:
// large enough to keep rare topics from topping the list on a few uses,
// small against a workspace's topic counts.
const distinctivePrior = 1000.0

// distinctive ranks each office's words and bigrams by the z-score of the
// log-odds ratio of their use in the office against the rest of the
// workspace, with a Dirichlet prior shaped like the workspace's own counts.
func distinctive(a *aggregate.Aggregate, workspace map[string]*aggregate.TopicStats) map[string][]TopicSummary {
	var total float64
	for name, t := range workspace {
		if isTextTopic(name) {
			total += float64(t.Messages)
		}
	}
	out := map[string][]TopicSummary{}
	if total == 0 {
		return out
	}
	for office, ot := range a.Topics {
		var inOffice float64
		for name, t := range ot {
			if isTextTopic(name) {
				inOffice += float64(t.Messages)
			}
		}
		rest := total - inOffice
		var ranked []TopicSummary
		for name, t := range ot {
			if !isTextTopic(name) || t.Messages < MinTopicMessages {
				continue
			}
			yi := float64(t.Messages)
			yj := float64(workspace[name].Messages) - yi
			alpha := distinctivePrior * float64(workspace[name].Messages) / total
			delta := math.Log((yi+alpha)/(inOffice+distinctivePrior-yi-alpha)) -
				math.Log((yj+alpha)/(rest+distinctivePrior-yj-alpha))
			z := delta / math.Sqrt(1/(yi+alpha)+1/(yj+alpha))
			if z > 0 && !math.IsInf(z, 0) && !math.IsNaN(z) {
				ranked = append(ranked, TopicSummary{Topic: name, Messages: t.Messages, Score: round4(z)})
			}
		}
		ranked = top(ranked, TopN, byScore)
		for i, r := range ranked {
			ranked[i] = topicSummary(r.Topic, ot[r.Topic])
			ranked[i].Score = r.Score
		}
		out[office] = ranked
	}
	return out
}

// trending ranks each office's topics by how much more they are used than
// in the previous window of equal length.
func trending(a, prev *aggregate.Aggregate) map[string][]TopicSummary {
	out := map[string][]TopicSummary{}
	for office, ot := range a.Topics {
		before := prev.Topics[office]
		var ranked []TopicSummary
		for name, t := range ot {
			if aggregate.TopicKind(name) == aggregate.KindChannel || t.Messages < MinTopicMessages {
				continue
			}
			var b int64
			if pt := before[name]; pt != nil {
				b = pt.Messages
			}
			z := float64(t.Messages-b) / math.Sqrt(float64(t.Messages+b))
			if z > 0 {
				ranked = append(ranked, TopicSummary{Topic: name, Messages: t.Messages, Score: round4(z), Before: &b})
			}
		}
		ranked = top(ranked, TopN, byScore)
		for i, r := range ranked {
			ranked[i] = topicSummary(r.Topic, ot[r.Topic])
			ranked[i].Score, ranked[i].Before = r.Score, r.Before
		}
		out[office] = ranked
	}
	return out
}
