package jobs

import (
	"runtime"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// MergeOptions say which shards to combine.
type MergeOptions struct {
	// Out is the output the shards wrote to: a folder, where every shard
	// publishes, or an S3 prefix, where each shard publishes its own S3
	// output below shards/<i>-of-<n>/ (or, one shard at a time, the output
	// itself).
	Out archive.Location
	// Shards is the number of shards expected; 0 takes it from the shard
	// manifests found, which must all agree.
	Shards int
	S3     archive.S3Options
}

// Merge combines the shards of a run: once every shard manifest is in, it
// computes the range's summary from the shards' day partitions, gathers
// their quarantined records, and publishes summary.json, the quarantine
// and a manifest whose counts are the shards' sums. The result equals a
// single run over the range.
//
// On S3, shards that published their own outputs below shards/ (see
// shardOutput) are merged from there: their files (partitions, shard
// manifests and quarantines) are published into the output together with
// the summary, in one commit. Otherwise the shards' manifests are read from
// the output itself, as in a local folder.
func Merge(ctx context.Context, opts MergeOptions) (res *Result, err error) {
	started := time.Now()
	r, err := output.OpenReader(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	// The shards' manifests, each with the outputs it was found in (from);
	// src, where the range's days are read; copyFrom, the shard outputs
	// whose files the merge publishes into the output.
	src := r
	var manifests []*Manifest
	var from, copyFrom []output.Reader
	shardOuts, order, err := shardOutputs(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	if len(order) > 0 {
		var found []shardFile
		for _, sh := range order {
			found = append(found, shardFile{name: sh.file(ShardDir, ".json"), r: shardOuts[sh]})
		}
		where := opts.Out.Join(shardOutputsDir + "/").String()
		if manifests, from, err = pickShards(ctx, found, opts.Shards, where); err != nil {
			return nil, err
		}
		copyFrom = from
		src = output.Overlay(append(slices.Clone(from), r))
	} else if manifests, from, err = readShardManifests(ctx, r, opts.Shards); err != nil {
		return nil, err
	}
	first := manifests[0]
	var rngFrom, rngTo time.Time
	total := &pipeline.Counts{}
	var entries []pipeline.QuarantineEntry
	m := &Manifest{
		Schema: ManifestSchema, Version: Version, Command: "merge", Source: first.Source, Out: opts.Out.String(),
		Roster: first.Roster, MarginHours: first.MarginHours, EditWindowHours: first.EditWindowHours, Tables: Tables, Quarantine: QuarantineFile,
		Partitions: []string{}, IncludeText: first.IncludeText, OptOut: first.OptOut, Pseudonyms: first.Pseudonyms,
		MinGroup: first.MinGroup,
	}
	for i, sm := range manifests {
		if sm.Source != first.Source || sm.MarginHours != first.MarginHours || sm.Roster != first.Roster ||
			sm.EditWindowHours != first.EditWindowHours {
			return nil, fmt.Errorf("shard %s ran with other inputs than shard %s (source, roster, margin or edit window differ)", sm.Shard, first.Shard)
		}
		if sm.IncludeText != first.IncludeText {
			return nil, fmt.Errorf("shard %s ran with include-text %v, shard %s with %v: run every shard alike", sm.Shard, sm.IncludeText, first.Shard, first.IncludeText)
		}
		if sm.OptOut != first.OptOut || sm.Pseudonyms != first.Pseudonyms || sm.MinGroup != first.MinGroup {
			return nil, fmt.Errorf("shard %s ran with another opt-out list, pseudonym key or min-group than shard %s: run every shard alike", sm.Shard, first.Shard)
		}
		f, err1 := time.Parse(time.RFC3339, sm.From)
		t, err2 := time.Parse(time.RFC3339, sm.To)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("shard %s manifest: %w", sm.Shard, err)
		}
		if f.Before(t) {
			if rngFrom.IsZero() || f.Before(rngFrom) {
				rngFrom = f
			}
			if t.After(rngTo) {
				rngTo = t
			}
		}
		total.Add(&sm.Counts)
		m.Workers += sm.Workers
		m.Partitions = append(m.Partitions, sm.Partitions...)
		m.Shards = append(m.Shards, sm.Shard)
		data, err := from[i].ReadFile(ctx, sm.Quarantine)
		if err != nil {
			return nil, fmt.Errorf("shard %s quarantine: %w", sm.Shard, err)
		}
		for l := range bytes.Lines(data) {
			var e pipeline.QuarantineEntry
			if err := json.Unmarshal(l, &e); err != nil {
				return nil, fmt.Errorf("shard %s quarantine: %w", sm.Shard, err)
			}
			entries = append(entries, e)
		}
	}
	if rngFrom.IsZero() {
		return nil, errors.New("merge: the shards covered no days")
	}
	slices.Sort(m.Partitions)
	m.From, m.To = rngFrom.Format(time.RFC3339), rngTo.Format(time.RFC3339)
	m.Counts = *total

	agg, _, err := mergeDays(ctx, src, rngFrom, rngTo)
	if err != nil {
		return nil, err
	}
	summary := Summarize(agg, rngFrom, rngTo, previousWindow(ctx, src, rngFrom, rngTo))
	SuppressSmallGroups(summary, agg, m.MinGroup)
	out, err := output.OpenOutput(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			out.Abort()
		}
	}()
	for _, sr := range copyFrom {
		names, err := sr.List(ctx, "")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			data, err := sr.ReadFile(ctx, name)
			if err != nil {
				return nil, err
			}
			if err := out.WriteFile(ctx, name, data); err != nil {
				return nil, err
			}
		}
	}
	if err := writeJSON(ctx, out, SummaryFile, summary); err != nil {
		return nil, err
	}
	// Arrival hours around a shard boundary are read by both shards, so a
	// bad record there is quarantined twice, identically: keep one.
	slices.SortFunc(entries, compareEntries)
	entries = slices.Compact(entries)
	qdata, err := encodeEntries(entries)
	if err != nil {
		return nil, err
	}
	if err := out.WriteFile(ctx, QuarantineFile, qdata); err != nil {
		return nil, err
	}
	finished := time.Now()
	m.StartedAt, m.FinishedAt = started.UTC().Format(time.RFC3339Nano), finished.UTC().Format(time.RFC3339Nano)
	m.Seconds = finished.Sub(started).Seconds()
	if err := writeJSON(ctx, out, output.ManifestName, m); err != nil {
		return nil, err
	}
	if err := out.Commit(ctx); err != nil {
		return nil, err
	}
	return &Result{Manifest: m, Summary: summary, Out: opts.Out}, nil
}

// shardFile is a shard manifest found in an output.
type shardFile struct {
	name string // relative to r's root: _shards/<i>-of-<n>.json
	r    output.Reader
}

// readShardManifests reads the shard manifests in the outputs r and checks
// that all of one run's shards are there. It returns them by shard index,
// each with the outputs it was found in.
func readShardManifests(ctx context.Context, r output.Reader, want int) ([]*Manifest, []output.Reader, error) {
	names, err := r.List(ctx, ShardDir)
	if err != nil {
		return nil, nil, err
	}
	var found []shardFile
	for _, name := range names {
		if ok, _ := path.Match("*-of-*.json", path.Base(name)); ok && path.Dir(name) == ShardDir {
			found = append(found, shardFile{name: name, r: r})
		}
	}
	return pickShards(ctx, found, want, r.Locate(ShardDir))
}

// pickShards reads the shard manifests found, in order, and picks those of
// one sharding: want shards, or as many as the first says.
func pickShards(ctx context.Context, found []shardFile, want int, where string) ([]*Manifest, []output.Reader, error) {
	if len(found) == 0 {
		return nil, nil, fmt.Errorf("no shard manifests in %s: run wiretap run --shard i/n first", where)
	}
	type shardAt struct {
		m *Manifest
		r output.Reader
	}
	byIndex := map[int]shardAt{}
	count := want
	for _, f := range found {
		data, err := f.r.ReadFile(ctx, f.name)
		if err != nil {
			return nil, nil, err
		}
		var m Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, nil, fmt.Errorf("shard manifest %s: %w", f.r.Locate(f.name), err)
		}
		sh, err := ParseShard(m.Shard)
		if err != nil {
			return nil, nil, fmt.Errorf("shard manifest %s: %w", f.r.Locate(f.name), err)
		}
		if count == 0 {
			count = sh.Count
		}
		if sh.Count != count {
			continue // another sharding of another run; not ours to merge
		}
		byIndex[sh.Index] = shardAt{&m, f.r}
	}
	var missing []int
	ms := make([]*Manifest, 0, count)
	rs := make([]output.Reader, 0, count)
	for i := range count {
		if s, ok := byIndex[i]; ok {
			ms = append(ms, s.m)
			rs = append(rs, s.r)
		} else {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("shards %v of %d have not finished (no manifest in %s)", missing, count, where)
	}
	return ms, rs, nil
}

// mergeDays reads and merges the day partitions of [from, to).
func mergeDays(ctx context.Context, r output.Reader, from, to time.Time) (*aggregate.Aggregate, []aggregate.Day, error) {
	agg := aggregate.New()
	var days []aggregate.Day
	err := readDays(ctx, r, from, to, func(d aggregate.Day, day *aggregate.Aggregate, err error) error {
		if err != nil {
			return err
		}
		agg.Merge(day)
		days = append(days, d)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return agg, days, nil
}

// readDays reads the days of [from, to) a few at a time in parallel (each
// is a handful of Parquet files to fetch and decode) and hands them to fn in
// day order, one at a time. At most one window of days is held at once.
func readDays(ctx context.Context, r output.Reader, from, to time.Time,
	fn func(d aggregate.Day, agg *aggregate.Aggregate, err error) error) error {
	window := 2 * runtime.GOMAXPROCS(0)
	first, end := aggregate.DayOf(from), aggregate.DayOf(to.Add(-time.Nanosecond))+1
	for lo := first; lo < end; lo += aggregate.Day(window) {
		hi := min(lo+aggregate.Day(window), end)
		aggs := make([]*aggregate.Aggregate, hi-lo)
		errs := make([]error, hi-lo)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(runtime.GOMAXPROCS(0))
		for d := lo; d < hi; d++ {
			g.Go(func() error {
				t, err := readDay(gctx, r, d)
				if err == nil {
					aggs[d-lo] = aggregate.FromTables(d, t)
				}
				errs[d-lo] = err
				return nil // per-day errors go to fn, in order
			})
		}
		_ = g.Wait()
		if err := ctx.Err(); err != nil {
			return err
		}
		for d := lo; d < hi; d++ {
			if err := fn(d, aggs[d-lo], errs[d-lo]); err != nil {
				return err
			}
		}
	}
	return nil
}
