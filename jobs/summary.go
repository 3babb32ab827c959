package jobs

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// SummarySchema names the version of the summary JSON. Readers check it; a
// change that removes or renames a field makes it v2. docs/summary.schema.json
// is its JSON Schema.
const SummarySchema = "wiretap.summary/v1"

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
	// not count).
	MostMentioned  []UserSummary             `json:"most_mentioned"`
	TopChannels    []ChannelSummary          `json:"top_channels"`
	TopTopics      []TopicSummary            `json:"top_topics"`
	TopicsByOffice map[string][]TopicSummary `json:"topics_by_office"`
	// ActivityByHourOfWeek has 168 counts per office: index 0 is Monday
	// 00:00-01:00 in the office's time zone.
	ActivityByHourOfWeek map[string][]int64 `json:"activity_by_hour_of_week"`
}

// SummaryRange is the message-time range covered, [from, to).
type SummaryRange struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days int    `json:"days"`
}

// SummaryTotals are workspace-wide figures.
type SummaryTotals struct {
	Messages      int64            `json:"messages"`
	ActiveUsers   int64            `json:"active_users"`
	Channels      int64            `json:"channels"`
	Offices       int64            `json:"offices"`
	Words         int64            `json:"words"`
	ThreadReplies int64            `json:"thread_replies"`
	Sentiment     SentimentSummary `json:"sentiment"`
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
	Office           string           `json:"office"`
	Messages         int64            `json:"messages"`
	ActiveUsers      int64            `json:"active_users"`
	Words            int64            `json:"words"`
	ThreadReplies    int64            `json:"thread_replies"`
	MentionsReceived int64            `json:"mentions_received"`
	Sentiment        SentimentSummary `json:"sentiment"`
}

// UserSummary is one user's activity.
type UserSummary struct {
	TeamID           string           `json:"team_id"`
	UserID           string           `json:"user_id"`
	UserName         string           `json:"user_name,omitempty"`
	Office           string           `json:"office"`
	Messages         int64            `json:"messages"`
	MentionsReceived int64            `json:"mentions_received"`
	Sentiment        SentimentSummary `json:"sentiment"`
}

// ChannelSummary is one channel's activity.
type ChannelSummary struct {
	TeamID      string           `json:"team_id"`
	ChannelID   string           `json:"channel_id"`
	ChannelName string           `json:"channel_name,omitempty"`
	Messages    int64            `json:"messages"`
	ActiveUsers int64            `json:"active_users"`
	Sentiment   SentimentSummary `json:"sentiment"`
}

// TopicSummary is a topic, the messages that carry it, and how they feel.
type TopicSummary struct {
	Topic     string           `json:"topic"`
	Messages  int64            `json:"messages"`
	Sentiment SentimentSummary `json:"sentiment"`
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
		if len(best) == n && order(x, best[n-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(best, x, order)
		best = slices.Insert(best, i, x)
		if len(best) > n {
			best = best[:n]
		}
	}
	return best
}

// Summarize computes the summary of a range from its merged aggregate.
func Summarize(a *aggregate.Aggregate, from, to time.Time) *Summary {
	s := &Summary{
		Schema: SummarySchema,
		Range: SummaryRange{
			From: from.UTC().Format(time.RFC3339), To: to.UTC().Format(time.RFC3339),
			Days: int(aggregate.DayOf(to.Add(-time.Nanosecond)) - aggregate.DayOf(from) + 1),
		},
		Offices:              []OfficeSummary{},
		TopicsByOffice:       map[string][]TopicSummary{},
		ActivityByHourOfWeek: map[string][]int64{},
	}
	var total aggregate.Sentiment
	active := a.ActiveUsers()
	for name, o := range a.Offices {
		s.Offices = append(s.Offices, OfficeSummary{
			Office: name, Messages: o.Messages, ActiveUsers: active[name], Words: o.Words,
			ThreadReplies: o.ThreadReplies, MentionsReceived: o.MentionsReceived,
			Sentiment: sentimentSummary(&o.Sentiment),
		})
		s.Totals.Messages += o.Messages
		s.Totals.Words += o.Words
		s.Totals.ThreadReplies += o.ThreadReplies
		total.Merge(&o.Sentiment)
		if o.Messages > 0 {
			s.Totals.Offices++
		}
	}
	s.Totals.Sentiment = sentimentSummary(&total)
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
			Messages: u.Messages, MentionsReceived: u.MentionsReceived, Sentiment: sentimentSummary(&u.Sentiment),
		})
	}
	userKey := func(u UserSummary) string { return u.TeamID + "/" + u.UserID }
	s.TopUsers = top(users, TopN, byCount(func(u UserSummary) int64 { return u.Messages }, userKey))
	s.MostMentioned = top(users, TopN, byCount(func(u UserSummary) int64 { return u.MentionsReceived }, userKey))
	s.MostMentioned = slices.DeleteFunc(s.MostMentioned, func(u UserSummary) bool { return u.MentionsReceived == 0 })

	channels := make([]ChannelSummary, 0, len(a.Channels))
	for k, c := range a.Channels {
		channels = append(channels, ChannelSummary{
			TeamID: k.Team, ChannelID: k.Channel, ChannelName: c.Name.Name, Messages: c.Messages,
			ActiveUsers: int64(len(c.Users)), Sentiment: sentimentSummary(&c.Sentiment),
		})
	}
	s.TopChannels = top(channels, TopN, byCount(
		func(c ChannelSummary) int64 { return c.Messages }, func(c ChannelSummary) string { return c.TeamID + "/" + c.ChannelID }))

	workspace := map[string]*aggregate.TopicStats{}
	perOffice := map[string][]TopicSummary{}
	for office, ot := range a.Topics {
		for topic, t := range ot {
			w := workspace[topic]
			if w == nil {
				w = &aggregate.TopicStats{}
				workspace[topic] = w
			}
			w.Messages += t.Messages
			w.Sentiment.Merge(&t.Sentiment)
			perOffice[office] = append(perOffice[office], TopicSummary{Topic: topic, Messages: t.Messages, Sentiment: sentimentSummary(&t.Sentiment)})
		}
	}
	topicOrder := byCount(func(t TopicSummary) int64 { return t.Messages }, func(t TopicSummary) string { return t.Topic })
	all := make([]TopicSummary, 0, len(workspace))
	for name, t := range workspace {
		all = append(all, TopicSummary{Topic: name, Messages: t.Messages, Sentiment: sentimentSummary(&t.Sentiment)})
	}
	s.TopTopics = top(all, 2*TopN, topicOrder)
	for office, ts := range perOffice {
		s.TopicsByOffice[office] = top(ts, TopN, topicOrder)
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
