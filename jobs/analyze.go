package jobs

import (
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

	days     map[aggregate.Day]*aggregate.Aggregate
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
}

var _ pipeline.Worker = (*analyst)(nil)

func (a *analyst) Process(ctx context.Context, rec arrow.RecordBatch) error {
	rows, err := schema.NewRows(rec)
	if err != nil {
		return err
	}
	for i := range rows.Len() {
		rows.Message(i, &a.msg)
		m := &a.msg
		if !m.IsAuthored() {
			continue
		}
		a.nlp.Analyze(m.Text, &a.analysis)
		day := aggregate.DayOf(m.Time)
		agg := a.days[day]
		if agg == nil {
			agg = aggregate.NewSized(a.sizes)
			a.days[day] = agg
		}
		o := &a.obs
		entry, _ := a.roster.Lookup(m.UserID)
		*o = aggregate.Observation{
			Time: m.Time, Team: m.Team, UserID: m.UserID, UserName: m.UserName,
			ChannelID: m.ChannelID, ChannelName: m.ChannelName,
			Office: entry.Office, Location: entry.Location,
			Words:       a.analysis.Words,
			Compound:    aggregate.Quantize(a.analysis.Sentiment.Compound),
			ThreadReply: m.IsThreadReply(),
			Sarcastic:   a.analysis.Sarcastic(),
			Sarcasm:     aggregate.Quantize(a.analysis.Sarcasm),
			Mentioned:   o.Mentioned[:0],
			Topics:      a.topics(m),
		}
		for _, u := range a.analysis.Mentions {
			if u == m.UserID {
				continue // mentioning yourself is not being mentioned
			}
			me, _ := a.roster.Lookup(u)
			o.Mentioned = append(o.Mentioned, aggregate.Mention{User: u, Office: me.Office})
		}
		agg.Observe(o)
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
	for day, agg := range a.days {
		if day.End().Compare(through) <= 0 {
			a.sizes = agg.Sizes()
			a.sink.add(day, agg)
			delete(a.days, day)
		}
	}
	return nil
}
