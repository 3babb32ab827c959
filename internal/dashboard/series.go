package dashboard

import (
	"slices"
	"sync"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// Series holds per-day figures of a range, collected from the daily
// aggregates as jobs.Query reads them (QueryOptions.EachDay): messages per
// office and the sentiment of every office and of all of them together.
type Series struct {
	mu   sync.Mutex
	Days []aggregate.Day
	// Messages[office][i] is the office's messages on Days[i].
	Messages map[string][]int64
	// Sentiment[office][i] is the office's sentiment on Days[i]; the
	// office "" is the whole workspace (or the one office of the query).
	Sentiment map[string][]aggregate.Sentiment
	// minGroup: a day on which fewer people of an office wrote counts 0
	// messages and no mood for it (jobs.SuppressSmallGroups, per day).
	minGroup int
}

func newSeries(minGroup int) *Series {
	return &Series{Messages: map[string][]int64{}, Sentiment: map[string][]aggregate.Sentiment{}, minGroup: minGroup}
}

// add records one day; days come in order.
func (s *Series) add(d aggregate.Day, day *aggregate.Aggregate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := len(s.Days)
	s.Days = append(s.Days, d)
	var all aggregate.Sentiment
	var active map[string]int64
	var people int64
	if s.minGroup > 1 {
		active = day.ActiveUsers()
		for _, n := range active {
			people += n
		}
	}
	for name, o := range day.Offices {
		if active != nil && active[name] < int64(s.minGroup) {
			continue // below the minimum group that day: the zero below
		}
		m := s.Messages[name]
		if len(m) < i {
			m = append(m, make([]int64, i-len(m))...)
		}
		s.Messages[name] = append(m, o.Messages)
		st := s.Sentiment[name]
		if len(st) < i {
			st = append(st, make([]aggregate.Sentiment, i-len(st))...)
		}
		s.Sentiment[name] = append(st, o.Sentiment)
		all.Merge(&o.Sentiment)
	}
	if active != nil && people < int64(s.minGroup) {
		all = aggregate.Sentiment{}
	}
	s.Sentiment[""] = append(s.Sentiment[""], all)
	// Offices silent today get a zero.
	for name, m := range s.Messages {
		if len(m) == i {
			s.Messages[name] = append(m, 0)
			s.Sentiment[name] = append(s.Sentiment[name], aggregate.Sentiment{})
		}
	}
}

// Offices returns the offices with a series, sorted.
func (s *Series) Offices() []string {
	var out []string
	for name := range s.Messages {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// drop removes an office's series: one the range's summary suppresses.
func (s *Series) drop(office string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.Messages, office)
	delete(s.Sentiment, office)
}
