package jobs

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// The insights of summary v2 beyond counts: threads and unanswered
// questions, people and offices ranked by mood, and who and what came and
// went against the previous window. Each is computed from the merged
// aggregate alone, so a query gives the bytes a run gives.

// AnswerWindow is how long a question may wait for its first reply and
// still count as answered. A question whose window ends after the range is
// not judged: its answer could come after the range, and judging it would
// make the answer depend on where the range stops.
const AnswerWindow = 24 * time.Hour

// ReplyBinBounds are the upper bounds, in seconds, of the bins of the
// time-to-first-reply histograms; a last, open bin holds longer times.
// Fixed bins are what lets histograms of offices, channels, or of summaries
// of different ranges, be added up exactly; a median or p90 is read off
// them as the upper bound of the bin the quantile falls in.
var ReplyBinBounds = []int64{60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600, 2 * 86400, 7 * 86400}

// MinQuietMessages is how many messages a channel needs in the previous
// window to be reported as gone quiet when it has none in the range.
const MinQuietMessages = 10

// ThreadsSummary describes threads and questions, per office (of the
// parent's author) and per channel.
type ThreadsSummary struct {
	AnswerWindowSeconds int64                    `json:"answer_window_seconds"`
	BinBoundsSeconds    []int64                  `json:"bin_bounds_seconds"`
	Totals              ThreadSummary            `json:"totals"`
	ByOffice            map[string]ThreadSummary `json:"by_office"`
	// ByChannel has every channel with a thread or a question started in
	// the range, by team and channel id.
	ByChannel []ChannelThreadSummary `json:"by_channel"`
}

// ThreadSummary is the thread figures of one group. Threads and questions
// are those whose parent was posted in the range.
type ThreadSummary struct {
	// Suppressed marks a group of fewer distinct authors than the minimum
	// group size: every figure is zero (see SuppressSmallGroups).
	Suppressed bool `json:"suppressed,omitempty"`
	// ThreadsStarted counts top-level messages with at least one reply in
	// the range, and Replies those replies.
	ThreadsStarted int64 `json:"threads_started"`
	Replies        int64 `json:"replies"`
	// Questions counts top-level messages that ask something; Judged those
	// whose answer window ended within the range; Answered the judged ones
	// with a reply within the window; AnsweredShare is Answered/Judged,
	// null when nothing was judged.
	Questions     int64    `json:"questions"`
	Judged        int64    `json:"questions_judged"`
	Answered      int64    `json:"answered"`
	AnsweredShare *float64 `json:"answered_share"`
	// FirstReply is the time from a thread's start to its first reply,
	// over the threads started.
	FirstReply ReplyTimes `json:"first_reply"`
}

// ReplyTimes is a fixed-bin histogram of times to first reply and the
// quantiles read off it.
type ReplyTimes struct {
	N int64 `json:"n"`
	// MedianSeconds and P90Seconds are the upper bounds of the bins the
	// median and the 90th percentile fall in (nearest rank); null when
	// there is no thread, or when the quantile falls in the open last bin.
	MedianSeconds *int64 `json:"median_seconds"`
	P90Seconds    *int64 `json:"p90_seconds"`
	// Histogram counts threads per bin of bin_bounds_seconds, then the open
	// last bin.
	Histogram []int64 `json:"histogram"`
}

// ChannelThreadSummary is a channel's thread figures.
type ChannelThreadSummary struct {
	TeamID      string `json:"team_id"`
	ChannelID   string `json:"channel_id"`
	ChannelName string `json:"channel_name,omitempty"`
	ThreadSummary
}

// UnansweredSummary lists the questions that got no reply within the
// answer window.
type UnansweredSummary struct {
	Count    int64            `json:"count"`
	ByOffice map[string]int64 `json:"by_office"`
	// Questions are the TopN that waited longest (earliest first, then by
	// channel): the evidence of the count.
	Questions []UnansweredQuestion `json:"questions"`
}

// UnansweredQuestion is one unanswered question.
type UnansweredQuestion struct {
	TeamID  string `json:"team_id"`
	Office  string `json:"office"`
	Channel string `json:"channel"`
	TS      string `json:"ts"`
	// LateReplies counts replies that came after the window (within the
	// range).
	LateReplies int64 `json:"late_replies"`
	// Text is the question's text, only when the run included text.
	Text string `json:"text,omitempty"`
}

// binOf returns the histogram bin of a time to first reply.
func binOf(us int64) int {
	// A bin holds times up to and including its bound.
	i, _ := slices.BinarySearch(ReplyBinBounds, max(us, 0)/1_000_000)
	return i
}

func newReplyTimes() ReplyTimes {
	return ReplyTimes{Histogram: make([]int64, len(ReplyBinBounds)+1)}
}

// quantile is the upper bound of the bin of the q-quantile, nearest rank.
func (r *ReplyTimes) quantile(q float64) *int64 {
	if r.N == 0 {
		return nil
	}
	rank := int64(math.Ceil(q * float64(r.N)))
	var seen int64
	for i, n := range r.Histogram {
		seen += n
		if seen >= rank {
			if i == len(ReplyBinBounds) {
				return nil
			}
			b := ReplyBinBounds[i]
			return &b
		}
	}
	return nil
}

func (s *ThreadSummary) finish() {
	if s.Judged > 0 {
		share := round4(float64(s.Answered) / float64(s.Judged))
		s.AnsweredShare = &share
	}
	s.FirstReply.MedianSeconds = s.FirstReply.quantile(0.5)
	s.FirstReply.P90Seconds = s.FirstReply.quantile(0.9)
}

// summarizeThreads judges the threads started in [from, to).
func summarizeThreads(a *aggregate.Aggregate, from, to time.Time) (*ThreadsSummary, *UnansweredSummary) {
	ts := &ThreadsSummary{
		AnswerWindowSeconds: int64(AnswerWindow / time.Second),
		BinBoundsSeconds:    ReplyBinBounds,
		Totals:              ThreadSummary{FirstReply: newReplyTimes()},
		ByOffice:            map[string]ThreadSummary{},
		ByChannel:           []ChannelThreadSummary{},
	}
	un := &UnansweredSummary{ByOffice: map[string]int64{}, Questions: []UnansweredQuestion{}}
	lo, hi, closed := from.UnixMicro(), to.UnixMicro(), to.Add(-AnswerWindow).UnixMicro()
	window := AnswerWindow.Microseconds()
	byOffice := map[string]*ThreadSummary{}
	byChannel := map[aggregate.ChannelKey]*ThreadSummary{}
	group := func(m map[string]*ThreadSummary, k string) *ThreadSummary {
		s := m[k]
		if s == nil {
			s = &ThreadSummary{FirstReply: newReplyTimes()}
			m[k] = s
		}
		return s
	}
	// Unanswered questions run to hundreds of thousands in a month: the
	// TopN are selected as they come, and only they are rendered.
	var questions []unanswered
	// Threads come a channel at a time: the channel's summary is looked
	// up when the channel changes.
	var ck aggregate.ChannelKey
	var cs *ThreadSummary
	for k, t := range a.Threads() {
		if k.TS < lo || k.TS >= hi {
			continue
		}
		office := cmp.Or(t.Office, aggregate.Unassigned)
		if next := (aggregate.ChannelKey{Team: k.Team, Channel: k.Channel}); cs == nil || next != ck {
			ck, cs = next, byChannel[next]
			if cs == nil {
				cs = &ThreadSummary{FirstReply: newReplyTimes()}
				byChannel[ck] = cs
			}
		}
		answered := t.FirstReply != 0 && t.FirstReply-k.TS <= window
		for _, s := range []*ThreadSummary{&ts.Totals, group(byOffice, office), cs} {
			if t.Replies > 0 {
				s.ThreadsStarted++
				s.Replies += t.Replies
				s.FirstReply.N++
				s.FirstReply.Histogram[binOf(t.FirstReply-k.TS)]++
			}
			if t.Question {
				s.Questions++
				if k.TS <= closed {
					s.Judged++
					if answered {
						s.Answered++
					}
				}
			}
		}
		if t.Question && k.TS <= closed && !answered {
			un.Count++
			un.ByOffice[office]++
			questions = selectTop(questions, TopN, unanswered{k, office, t.Replies, t.Text}, unansweredOrder)
		}
	}
	ts.Totals.finish()
	for office, s := range byOffice {
		s.finish()
		ts.ByOffice[office] = *s
	}
	for k, s := range byChannel {
		s.finish()
		c := ChannelThreadSummary{TeamID: k.Team, ChannelID: k.Channel, ThreadSummary: *s}
		if ch := a.Channels[k]; ch != nil {
			c.ChannelName = ch.Name.Name
		}
		ts.ByChannel = append(ts.ByChannel, c)
	}
	slices.SortFunc(ts.ByChannel, func(x, y ChannelThreadSummary) int {
		return cmp.Or(cmp.Compare(x.TeamID, y.TeamID), cmp.Compare(x.ChannelID, y.ChannelID))
	})
	for _, q := range questions {
		u := UnansweredQuestion{TeamID: q.key.Team, Office: q.office, Channel: q.key.Channel,
			TS: aggregate.Ref{TS: q.key.TS}.SlackTS(), LateReplies: q.replies}
		if q.text != nil {
			u.Text = *q.text
		}
		un.Questions = append(un.Questions, u)
	}
	return ts, un
}

// unanswered is an unanswered question before it is rendered.
type unanswered struct {
	key     aggregate.ThreadKey
	office  string
	replies int64
	text    *string
}

// unansweredOrder ranks the questions that waited longest first: by ts as
// rendered (shorter first, then in byte order), then by channel and team.
func unansweredOrder(x, y unanswered) int {
	return cmp.Or(aggregate.CompareSlackTS(x.key.TS, y.key.TS),
		cmp.Compare(x.key.Channel, y.key.Channel), cmp.Compare(x.key.Team, y.key.Team))
}

// MoodRank is a person or an office ranked by mood: the mean compound
// score over n messages with its 95 % interval, and the most extreme
// messages in the direction of the ranking.
type MoodRank struct {
	TeamID   string `json:"team_id,omitempty"`
	UserID   string `json:"user_id,omitempty"`
	UserName string `json:"user_name,omitempty"`
	Office   string `json:"office"`
	// Suppressed marks an office of fewer distinct authors than the
	// minimum group size: every figure is zero and it is ranked last.
	Suppressed bool         `json:"suppressed,omitempty"`
	N          int64        `json:"n"`
	Mean       float64      `json:"mean"`
	CI95Low    float64      `json:"ci95_low"`
	CI95High   float64      `json:"ci95_high"`
	Evidence   []MessageRef `json:"evidence"`
}

func moodRank(s *aggregate.Sentiment) MoodRank {
	mean, ci := s.Mean(), s.CI95()
	return MoodRank{N: s.N, Mean: round4(mean), CI95Low: round4(mean - ci), CI95High: round4(mean + ci)}
}

// moodOrder ranks by mean, highest first when positive, then by key.
func moodOrder(positive bool) func(x, y MoodRank) int {
	return func(x, y MoodRank) int {
		c := cmp.Compare(y.Mean, x.Mean)
		if !positive {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(x.TeamID, y.TeamID), cmp.Compare(x.UserID, y.UserID), cmp.Compare(x.Office, y.Office))
	}
}

// rankMood fills the mood rankings of s: people with at least
// MinRankedMessages scored messages, and offices with as many.
func rankMood(s *Summary, a *aggregate.Aggregate) {
	var people, offices []MoodRank
	for k, u := range a.Users {
		if u.Sentiment.N < MinRankedMessages {
			continue
		}
		r := moodRank(&u.Sentiment)
		r.TeamID, r.UserID, r.UserName, r.Office = k.Team, k.User, u.Name.Name, u.Office
		people = append(people, r)
	}
	for name, o := range a.Offices {
		if o.Sentiment.N < MinRankedMessages {
			continue
		}
		r := moodRank(&o.Sentiment)
		r.Office = name
		offices = append(offices, r)
	}
	evidence := func(list []MoodRank, positive bool) []MoodRank {
		out := []MoodRank{}
		for _, r := range list {
			var e *aggregate.Scored
			if r.UserID != "" {
				u := a.Users[aggregate.UserKey{Team: r.TeamID, User: r.UserID}]
				e = &u.NegativeEvidence
				if positive {
					e = &u.PositiveEvidence
				}
			} else {
				o := a.Offices[r.Office]
				e = &o.NegativeEvidence
				if positive {
					e = &o.PositiveEvidence
				}
			}
			r.Evidence = scoredRefs(e)
			out = append(out, r)
		}
		return out
	}
	s.MostPositive = evidence(top(people, TopN, moodOrder(true)), true)
	s.MostNegative = evidence(top(people, TopN, moodOrder(false)), false)
	s.MostPositiveOffices = evidence(top(offices, len(offices), moodOrder(true)), true)
	s.MostNegativeOffices = evidence(top(offices, len(offices), moodOrder(false)), false)
}

// scoredRefs renders scored evidence, best first.
func scoredRefs(e *aggregate.Scored) []MessageRef {
	refs, _ := e.Refs()
	out := make([]MessageRef, 0, len(refs))
	for _, r := range refs {
		out = append(out, MessageRef{Channel: r.Channel, TS: r.SlackTS(), Text: r.Text})
	}
	return out
}

// PeopleChange is who started or stopped writing against the previous
// window of equal length.
type PeopleChange struct {
	Count    int64            `json:"count"`
	ByOffice map[string]int64 `json:"by_office"`
	// People are the TopN with the most messages: in the range for new
	// people, in the previous window for lapsed ones.
	People []PersonChange `json:"people"`
}

// PersonChange is a new or lapsed person.
type PersonChange struct {
	TeamID   string `json:"team_id"`
	UserID   string `json:"user_id"`
	UserName string `json:"user_name,omitempty"`
	Office   string `json:"office"`
	Messages int64  `json:"messages"`
	Before   int64  `json:"before"`
}

// QuietChannel is a channel with messages in the previous window and none
// in the range.
type QuietChannel struct {
	TeamID      string `json:"team_id"`
	ChannelID   string `json:"channel_id"`
	ChannelName string `json:"channel_name,omitempty"`
	Before      int64  `json:"before"`
}

// changes compares a with the previous window: people whose first message
// of the two windows is in the range, people silent in the range after
// writing before it, channels gone quiet.
func changes(a, prev *aggregate.Aggregate) (newPeople, lapsed *PeopleChange, quiet []QuietChannel) {
	newPeople = &PeopleChange{ByOffice: map[string]int64{}, People: []PersonChange{}}
	lapsed = &PeopleChange{ByOffice: map[string]int64{}, People: []PersonChange{}}
	messages := func(m map[aggregate.UserKey]*aggregate.UserStats, k aggregate.UserKey) int64 {
		if u := m[k]; u != nil {
			return u.Messages
		}
		return 0
	}
	var added, gone []PersonChange
	for k, u := range a.Users {
		if u.Messages > 0 && messages(prev.Users, k) == 0 {
			newPeople.Count++
			newPeople.ByOffice[u.Office]++
			added = append(added, PersonChange{TeamID: k.Team, UserID: k.User, UserName: u.Name.Name, Office: u.Office, Messages: u.Messages})
		}
	}
	for k, u := range prev.Users {
		if u.Messages > 0 && messages(a.Users, k) == 0 {
			lapsed.Count++
			lapsed.ByOffice[u.Office]++
			gone = append(gone, PersonChange{TeamID: k.Team, UserID: k.User, UserName: u.Name.Name, Office: u.Office, Before: u.Messages})
		}
	}
	key := func(p PersonChange) string { return p.TeamID + "/" + p.UserID }
	newPeople.People = append(newPeople.People, top(added, TopN, byCount(func(p PersonChange) int64 { return p.Messages }, key))...)
	lapsed.People = append(lapsed.People, top(gone, TopN, byCount(func(p PersonChange) int64 { return p.Before }, key))...)

	quiet = []QuietChannel{}
	var all []QuietChannel
	for k, c := range prev.Channels {
		if c.Messages < MinQuietMessages {
			continue
		}
		if now := a.Channels[k]; now != nil && now.Messages > 0 {
			continue
		}
		all = append(all, QuietChannel{TeamID: k.Team, ChannelID: k.Channel, ChannelName: c.Name.Name, Before: c.Messages})
	}
	quiet = append(quiet, top(all, TopN, byCount(func(c QuietChannel) int64 { return c.Before },
		func(c QuietChannel) string { return c.TeamID + "/" + c.ChannelID }))...)
	return newPeople, lapsed, quiet
}
