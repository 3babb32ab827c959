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
}

func newSeries() *Series {
	return &Series{Messages: map[string][]int64{}, Sentiment: map[string][]aggregate.Sentiment{}}
}

// add records one day; days come in order.
func (s *Series) add(d aggregate.Day, day *aggregate.Aggregate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := len(s.Days)
	s.Days = append(s.Days, d)
	var all aggregate.Sentiment
	for name, o := range day.Offices {
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
