package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// QueryOptions say which range of the daily partitions to answer.
type QueryOptions struct {
	Out  string // the output folder of earlier runs
	From time.Time
	To   time.Time
	// Office, when set, narrows the answer to one office: its row, its
	// people, its topics, its activity, and the channels its people wrote
	// in (with their messages from that office; channel sentiment is
	// workspace-wide and is left out).
	Office string
}

// QueryResult is the answer to a query: the summary a run over the range
// would have written, and the merged aggregate it was computed from.
type QueryResult struct {
	Summary   *Summary
	Aggregate *aggregate.Aggregate
	Days      []aggregate.Day
}

// Query answers a range from the daily partitions alone, never the raw
// archive: it merges the days' tables and summarises them exactly as a run
// over the range does, so the summary is the same, byte for byte. The range
// must be whole UTC days, the grain of the partitions, and every day must
// have been written.
func Query(ctx context.Context, opts QueryOptions) (*QueryResult, error) {
	rng := pipeline.Range{From: opts.From.UTC(), To: opts.To.UTC()}
	if err := rng.Validate(); err != nil {
		return nil, err
	}
	if !rng.From.Equal(aggregate.DayOf(rng.From).Start()) || !rng.To.Equal(aggregate.DayOf(rng.To).Start()) {
		return nil, fmt.Errorf("query range %s to %s: partitions are whole UTC days; use YYYY-MM-DD bounds",
			rng.From.Format(time.RFC3339), rng.To.Format(time.RFC3339))
	}
	root, err := localRoot(opts.Out)
	if err != nil {
		return nil, err
	}
	res := &QueryResult{Aggregate: aggregate.New()}
	var missing []string
	for d := aggregate.DayOf(rng.From); d.Start().Before(rng.To); d++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t, err := readDay(root, d)
		if errors.Is(err, ErrMissingDay) {
			missing = append(missing, d.String())
			continue
		}
		if err != nil {
			return nil, err
		}
		res.Aggregate.Merge(aggregate.FromTables(d, t))
		res.Days = append(res.Days, d)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %d of the range's days have no partitions in %s (first %s); run wiretap run or nightly over them first",
			ErrMissingDay, len(missing), opts.Out, missing[0])
	}
	prev := previousWindow(ctx, root, rng.From, rng.To)
	if opts.Office != "" {
		if res.Aggregate.Offices[opts.Office] == nil {
			return nil, fmt.Errorf("office %q has no messages in the range", opts.Office)
		}
		res.Aggregate = res.Aggregate.ForOffice(opts.Office)
		if prev != nil {
			prev = prev.ForOffice(opts.Office)
		}
	}
	res.Summary = Summarize(res.Aggregate, rng.From, rng.To, prev)
	return res, nil
}

// previousWindow merges the partitions of the window of equal length just
// before [from, to), for trending topics. It returns nil unless the range is
// whole days and every day of that window has partitions: a trend against
// a partial past would be a trend in coverage, not in talk.
func previousWindow(ctx context.Context, root string, from, to time.Time) *aggregate.Aggregate {
	if !from.Equal(aggregate.DayOf(from).Start()) || !to.Equal(aggregate.DayOf(to).Start()) {
		return nil
	}
	agg, _, err := mergeDays(ctx, root, from.Add(-to.Sub(from)), from)
	if err != nil {
		return nil
	}
	return agg
}

// previousWindowOf is previousWindow for an output location that may not
// be a local folder (yet).
func previousWindowOf(ctx context.Context, out string, from, to time.Time) *aggregate.Aggregate {
	root, err := localRoot(out)
	if err != nil {
		return nil
	}
	return previousWindow(ctx, root, from, to)
}
