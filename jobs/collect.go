package jobs

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/wiretap-hq/wiretap/nlp"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// collector is the pipeline.Handler of an analysis run. It holds the
// batches of the days not yet final for the workers, which hand it each
// day they analysed; when the engine says a day is complete
// it writes the day's partitions and folds the day into the range total.
// Memory holds only the days still open, plus the range total.
type collector struct {
	nlp    *nlp.Analyzer
	roster *pipeline.Roster
	out    output.Output
	rng    archive.Range
	text   bool // evidence carries message text (RunOptions.IncludeText)
	// revisions are the run's edits, deletions and reactions, which the
	// analysts apply.
	revisions *pipeline.Revisions

	// held are the batches of the hours not yet final and the aggregates
	// of the days being added to, which the workers share (each day has
	// one owner among them).
	held   *heldHours
	people *idIndex
	names  *idIndex

	mu      sync.Mutex // guards open and written
	open    map[aggregate.Day]*aggregate.Aggregate
	written map[aggregate.Day]bool
	// total is touched only by Complete, which the engine never runs
	// concurrently, and read once the run is over.
	total *aggregate.Aggregate
}

var _ pipeline.Handler = (*collector)(nil)

func newCollector(an *nlp.Analyzer, roster *pipeline.Roster, out output.Output, rng archive.Range, text bool) *collector {
	return &collector{
		nlp: an, roster: roster, out: out, rng: rng, text: text, revisions: pipeline.NewRevisions(),
		held:    newHeldHours(),
		people:  newIDIndex(),
		names:   newIDIndex(),
		open:    make(map[aggregate.Day]*aggregate.Aggregate),
		written: make(map[aggregate.Day]bool),
		total:   aggregate.New(),
	}
}

func (c *collector) NewWorker() (pipeline.Worker, error) {
	worker, err := c.held.join()
	if err != nil {
		return nil, err
	}
	return &analyst{worker: worker, nlp: c.nlp, roster: c.roster, revisions: c.revisions, sink: c, held: c.held, text: c.text,
		labels: make(map[string]string), index: c.people, names: c.names, known: make(map[string]uint32)}, nil
}

// release lets go of the batches still held, after a failed run.
func (c *collector) release() { c.held.release() }

// add takes the aggregate of a day from its owner. A day comes once; were
// it to come again, the aggregates would merge exactly.
func (c *collector) add(day aggregate.Day, agg *aggregate.Aggregate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.open[day]; cur != nil {
		cur.Merge(agg)
	} else {
		c.open[day] = agg
	}
}

// Complete writes every day that ended before through, and at the end of
// the run every day of the range, with or without messages: a day without
// messages gets empty tables, so a rerun replaces what an earlier run wrote.
func (c *collector) Complete(ctx context.Context, through time.Time) error {
	// Take the days out under the lock, then write them without it: writing
	// a day takes long, and workers handing over later days must not wait
	// for it. The engine serialises Complete calls, so days
	// are written, and folded into the total, in increasing order.
	days, aggs := c.take(through)
	for i, d := range days {
		agg := aggs[i]
		agg.PruneTopics(aggregate.MinBigramSupport)
		if err := writeDay(ctx, c.out, d, agg, c.text); err != nil {
			return err
		}
		c.mu.Lock()
		c.written[d] = true
		c.mu.Unlock()
		c.total.Merge(agg)
	}
	return nil
}

// take removes from the open days those that ended before through (at the
// end of the run, every day of the range, with empty aggregates for days
// without messages), in increasing order.
func (c *collector) take(through time.Time) ([]aggregate.Day, []*aggregate.Aggregate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var days []aggregate.Day
	for d := range c.open {
		if d.End().Compare(through) <= 0 || through.Equal(pipeline.EndOfTime) {
			days = append(days, d)
		}
	}
	if through.Equal(pipeline.EndOfTime) {
		for d := aggregate.DayOf(c.rng.From); d.Start().Before(c.rng.To); d++ {
			if c.open[d] == nil && !c.written[d] {
				c.open[d] = aggregate.New()
				days = append(days, d)
			}
		}
	}
	slices.Sort(days)
	aggs := make([]*aggregate.Aggregate, len(days))
	for i, d := range days {
		aggs[i] = c.open[d]
		delete(c.open, d)
	}
	return days, aggs
}

// Days returns the days written, in order.
func (c *collector) Days() []aggregate.Day {
	c.mu.Lock()
	defer c.mu.Unlock()
	var days []aggregate.Day
	for d := range c.written {
		days = append(days, d)
	}
	slices.Sort(days)
	return days
}
