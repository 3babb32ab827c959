package jobs

import (
	"fmt"
	"slices"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/privacy"
)

// DefaultMinGroup is the smallest number of distinct authors a published
// figure may describe, as the command line sets it: below it a figure
// about "the office" or "the channel" is a figure about a person or two.
const DefaultMinGroup = 5

// CheckMinGroup refuses a minimum group size the author sets cannot decide
// exactly.
func CheckMinGroup(n int) error {
	if n < 0 || n > privacy.MaxMinGroup {
		return fmt.Errorf("min-group %d: want 0 (off) to %d", n, privacy.MaxMinGroup)
	}
	return nil
}

// SuppressSmallGroups marks, in a summary computed from a, every figure
// about a group of fewer than n distinct authors: an office, a channel, an
// office's topic (with the mood toward it), a topic across offices, an
// hour-of-week cell. A marked entry keeps its name, says "suppressed":
// true, and has every figure zeroed and its evidence emptied; a cell of
// activity_by_hour_of_week is zeroed and listed in
// suppressed_hours_of_week. Nothing is dropped, so a reader can tell
// "too few people" from "nothing". People's own entries (top_users and the
// like) are not groups: who may see them is the dashboard's and Slack's
// rule (--rank-people). n <= 1 changes nothing.
//
// The insights follow the same rule: a small office's mood ranking entry
// is marked and moved to the end (its place would tell its mood), its
// thread figures and a small channel's are marked and zeroed, and the
// per-office maps of unanswered questions and of new and lapsed people
// leave out the offices marked in offices, as the unanswered questions'
// evidence leaves out small offices' and channels' questions.
//
// Whether a group is small is decided from the merged aggregate of the
// whole range, never from days or shards apart, and exactly (see
// privacy.AuthorSet), so run, merge, nightly and query agree.
func SuppressSmallGroups(s *Summary, a *aggregate.Aggregate, n int) {
	if n <= 1 {
		return
	}
	active := a.ActiveUsers()
	smallOffice := func(office string) bool { return active[office] < int64(n) }
	smallChannel := func(team, channel string) bool {
		cs := a.Channels[aggregate.ChannelKey{Team: team, Channel: channel}]
		return cs == nil || cs.ActiveUsers() < int64(n)
	}
	for i := range s.Offices {
		if o := &s.Offices[i]; smallOffice(o.Office) {
			*o = OfficeSummary{Office: o.Office, Suppressed: true, Evidence: []MessageRef{}}
		}
	}
	for i := range s.TopChannels {
		if c := &s.TopChannels[i]; smallChannel(c.TeamID, c.ChannelID) {
			*c = ChannelSummary{TeamID: c.TeamID, ChannelID: c.ChannelID, ChannelName: c.ChannelName, Suppressed: true}
		}
	}
	officeTopic := func(office string) func(string) *privacy.AuthorSet {
		return func(topic string) *privacy.AuthorSet {
			if t := a.Topics[office][topic]; t != nil {
				return &t.Authors
			}
			return &privacy.AuthorSet{}
		}
	}
	for _, m := range []map[string][]TopicSummary{s.TopicsByOffice, s.DistinctiveTopics, s.TrendingTopics} {
		for office, list := range m {
			suppressTopics(list, n, officeTopic(office))
		}
	}
	workspace := func(topic string) *privacy.AuthorSet {
		all := &privacy.AuthorSet{}
		for _, ot := range a.Topics {
			if t := ot[topic]; t != nil {
				all.Merge(&t.Authors)
			}
		}
		return all
	}
	suppressTopics(s.TopTopics, n, workspace)
	suppressTopics(s.TopEmoji, n, workspace)
	suppressInsights(s, smallOffice, smallChannel)
	for office, hours := range s.ActivityByHourOfWeek {
		for h := range hours {
			if hours[h] == 0 {
				continue // no messages: no one to protect, nothing to hide
			}
			if set := a.HourAuthors[aggregate.HourKey{Office: office, HourOfWeek: h}]; set == nil || set.Fewer(n) {
				hours[h] = 0
				if s.SuppressedHours == nil {
					s.SuppressedHours = map[string][]int{}
				}
				s.SuppressedHours[office] = append(s.SuppressedHours[office], h)
			}
		}
	}
}

func suppressTopics(list []TopicSummary, n int, authors func(topic string) *privacy.AuthorSet) {
	for i := range list {
		if t := &list[i]; authors(t.Topic).Fewer(n) {
			*t = TopicSummary{Topic: t.Topic, Kind: t.Kind, Suppressed: true, Evidence: []MessageRef{}}
		}
	}
}

// suppressInsights applies SuppressSmallGroups' rule to the threads,
// unanswered questions, mood rankings and people changes.
func suppressInsights(s *Summary, smallOffice func(string) bool, smallChannel func(team, channel string) bool) {
	for _, list := range [][]MoodRank{s.MostPositiveOffices, s.MostNegativeOffices} {
		for i := range list {
			if r := &list[i]; smallOffice(r.Office) {
				*r = MoodRank{Office: r.Office, Suppressed: true, Evidence: []MessageRef{}}
			}
		}
		slices.SortStableFunc(list, func(x, y MoodRank) int {
			switch {
			case x.Suppressed == y.Suppressed:
				return 0
			case x.Suppressed:
				return 1
			}
			return -1
		})
	}
	blank := func(t ThreadSummary) ThreadSummary {
		return ThreadSummary{Suppressed: true, FirstReply: ReplyTimes{Histogram: make([]int64, len(t.FirstReply.Histogram))}}
	}
	if t := s.Threads; t != nil {
		for office, ts := range t.ByOffice {
			if smallOffice(office) {
				t.ByOffice[office] = blank(ts)
			}
		}
		for i := range t.ByChannel {
			if c := &t.ByChannel[i]; smallChannel(c.TeamID, c.ChannelID) {
				c.ThreadSummary = blank(c.ThreadSummary)
			}
		}
	}
	if u := s.Unanswered; u != nil {
		for office := range u.ByOffice {
			if smallOffice(office) {
				delete(u.ByOffice, office)
			}
		}
		u.Questions = slices.DeleteFunc(u.Questions, func(q UnansweredQuestion) bool {
			return smallOffice(q.Office) || smallChannel(q.TeamID, q.Channel)
		})
	}
	for _, pc := range []*PeopleChange{s.NewPeople, s.LapsedPeople} {
		if pc == nil {
			continue
		}
		for office := range pc.ByOffice {
			if smallOffice(office) {
				delete(pc.ByOffice, office)
			}
		}
	}
}
