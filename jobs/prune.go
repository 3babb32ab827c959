package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// PruneOptions say what retention removes.
type PruneOptions struct {
	Out archive.Location // a folder or an S3 prefix
	// Before is the first day kept: every day before it loses its
	// partitions in every table, evidence (and its text) included.
	Before time.Time
	S3     archive.S3Options
}

// PruneResult says what a prune removed.
type PruneResult struct {
	Removed  []aggregate.Day
	Kept     []aggregate.Day
	Manifest *Manifest // nil when nothing was removed
}

// Prune removes the daily partitions before a day, for retention, and
// publishes that like any other change: the summary is recomputed over the
// days kept (it must not go on showing figures and evidence of removed
// days), the manifest then lists only the days kept and records the
// horizon (pruned_before), and the removed partitions go once that manifest
// is published (on S3 their objects are deleted). A prune that fails
// leaves the previous publication. Nightly keeps to the horizon: it never
// recomputes a day before it.
//
// Only the outputs are pruned: the archive and copies elsewhere are the
// operator's (an S3 lifecycle rule on the archive's prefixes).
func Prune(ctx context.Context, opts PruneOptions) (*PruneResult, error) {
	before := aggregate.DayOf(opts.Before.UTC())
	if !opts.Before.UTC().Equal(before.Start()) {
		return nil, fmt.Errorf("prune --before %s: want a whole UTC day (YYYY-MM-DD)", opts.Before.UTC().Format(time.RFC3339))
	}
	r, err := output.OpenReader(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := readJSON(ctx, r, output.ManifestName, &m); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("prune %s: nothing is published there", opts.Out)
		}
		return nil, err
	}
	partitions, err := publishedPartitions(ctx, r)
	if err != nil {
		return nil, err
	}
	res := &PruneResult{}
	for _, d := range slices.Sorted(maps.Keys(partitions)) {
		if d < before {
			res.Removed = append(res.Removed, d)
		} else {
			res.Kept = append(res.Kept, d)
		}
	}
	if len(res.Removed) == 0 {
		return res, nil
	}
	if len(res.Kept) == 0 {
		return nil, fmt.Errorf("prune --before %s would remove every day of %s: delete the output instead", before, opts.Out)
	}
	started := time.Now()
	from, to := res.Kept[0].Start(), res.Kept[len(res.Kept)-1].End()
	agg := aggregate.New()
	err = readDays(ctx, r, from, to, func(_ aggregate.Day, day *aggregate.Aggregate, err error) error {
		if errors.Is(err, ErrMissingDay) {
			return nil // a gap the output already had
		}
		if err == nil {
			agg.Merge(day)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	summary := Summarize(agg, from, to, previousWindow(ctx, r, from, to))
	SuppressSmallGroups(summary, agg, m.MinGroup)

	out, err := output.OpenOutput(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	remover, ok := out.(output.PartitionRemover)
	if !ok {
		out.Abort()
		return nil, fmt.Errorf("prune: %s cannot remove partitions", out.Location())
	}
	for _, d := range res.Removed {
		for _, p := range partitions[d] {
			if err := remover.RemovePartition(p); err != nil {
				out.Abort()
				return nil, err
			}
		}
	}
	m.Command = "prune --before " + before.String()
	m.PrunedBefore = before.String()
	if f, err := time.Parse(time.RFC3339, m.From); err != nil || f.Before(from) {
		m.From = from.Format(time.RFC3339)
	}
	written := m.Partitions
	m.Partitions = []string{}
	for _, p := range written {
		if p >= before.String() {
			m.Partitions = append(m.Partitions, p)
		}
	}
	finished := time.Now()
	m.StartedAt, m.FinishedAt = started.UTC().Format(time.RFC3339Nano), finished.UTC().Format(time.RFC3339Nano)
	m.Seconds = finished.Sub(started).Seconds()
	err = errors.Join(writeJSON(ctx, out, SummaryFile, summary), writeJSON(ctx, out, output.ManifestName, &m))
	if err == nil {
		err = out.Commit(ctx)
	}
	if err != nil {
		out.Abort()
		return nil, err
	}
	res.Manifest = &m
	return res, nil
}
