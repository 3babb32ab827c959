package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// QueryOptions say which range of the daily partitions to answer.
type QueryOptions struct {
	Out  archive.Location // the outputs of earlier runs: a folder or an S3 prefix
	From time.Time
	To   time.Time
	// Office, when set, narrows the answer to one office: its row, its
	// people, its topics, its activity, and the channels its people wrote
	// in (with their messages from that office; channel sentiment is
	// workspace-wide and is left out).
	Office string
	S3     archive.S3Options
	// EachDay, when set, is called with every day's aggregate in day order
	// before it is merged into the range, for per-day series (a dashboard's
	// messages and mood per day) at no extra read. It must not keep or
	// change the aggregate.
	EachDay func(d aggregate.Day, day *aggregate.Aggregate)
	// MinGroup suppresses figures about groups of fewer distinct authors,
	// as RunOptions.MinGroup does for a run's summary.
	MinGroup int
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
	rng := archive.Range{From: opts.From.UTC(), To: opts.To.UTC()}
	if err := rng.Validate(); err != nil {
		return nil, err
	}
	if err := CheckMinGroup(opts.MinGroup); err != nil {
		return nil, err
	}
	if !rng.From.Equal(aggregate.DayOf(rng.From).Start()) || !rng.To.Equal(aggregate.DayOf(rng.To).Start()) {
		return nil, fmt.Errorf("query range %s to %s: partitions are whole UTC days; use YYYY-MM-DD bounds",
			rng.From.Format(time.RFC3339), rng.To.Format(time.RFC3339))
	}
	r, err := output.OpenReader(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	res := &QueryResult{Aggregate: aggregate.New()}
	var missing []string
	err = readDays(ctx, r, rng.From, rng.To, func(d aggregate.Day, day *aggregate.Aggregate, err error) error {
		if errors.Is(err, ErrMissingDay) {
			missing = append(missing, d.String())
			return nil
		}
		if err != nil {
			return err
		}
		if opts.EachDay != nil {
			opts.EachDay(d, day)
		}
		res.Aggregate.Merge(day)
		res.Days = append(res.Days, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %d of the range's days have no partitions in %s (first %s); run wiretap run or nightly over them first",
			ErrMissingDay, len(missing), opts.Out, missing[0])
	}
	prev := previousWindow(ctx, r, rng.From, rng.To)
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
	SuppressSmallGroups(res.Summary, res.Aggregate, opts.MinGroup)
	return res, nil
}

// previousWindow merges the partitions of the window of equal length just
// before [from, to), for trending topics. It returns nil unless the range is
// whole days and every day of that window has partitions: a trend against
// a partial past would be a trend in coverage, not in talk.
func previousWindow(ctx context.Context, r output.Reader, from, to time.Time) *aggregate.Aggregate {
	if !from.Equal(aggregate.DayOf(from).Start()) || !to.Equal(aggregate.DayOf(to).Start()) {
		return nil
	}
	agg, _, err := mergeDays(ctx, r, from.Add(-to.Sub(from)), from)
	if err != nil {
		return nil
	}
	return agg
}

// previousWindowAt is previousWindow for an output location, local or S3.
func previousWindowAt(ctx context.Context, out archive.Location, opts archive.S3Options, from, to time.Time) *aggregate.Aggregate {
	r, err := output.OpenReader(ctx, out, opts)
	if err != nil {
		return nil
	}
	return previousWindow(ctx, r, from, to)
}
