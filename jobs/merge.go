package jobs

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// MergeOptions say which shards to combine.
type MergeOptions struct {
	Out string // the output folder the shards wrote to
	// Shards is the number of shards expected; 0 takes it from the shard
	// manifests found, which must all agree.
	Shards int
}

// Merge combines the shards of a run: once every shard manifest is in, it
// computes the range's summary from the shards' day partitions, gathers
// their quarantined records, and publishes summary.json, the quarantine
// and a manifest whose counts are the shards' sums. The result equals a
// single run over the range.
func Merge(ctx context.Context, opts MergeOptions) (*Result, error) {
	started := time.Now()
	root, err := localRoot(opts.Out)
	if err != nil {
		return nil, err
	}
	manifests, err := readShardManifests(root, opts.Shards)
	if err != nil {
		return nil, err
	}
	first := manifests[0]
	var from, to time.Time
	total := &pipeline.Counts{}
	var entries [][]byte
	m := &Manifest{
		Schema: ManifestSchema, Version: Version, Command: "merge", Source: first.Source, Out: opts.Out,
		Roster: first.Roster, MarginHours: first.MarginHours, Tables: Tables, Quarantine: QuarantineFile,
		Partitions: []string{},
	}
	for _, sm := range manifests {
		if sm.Source != first.Source || sm.MarginHours != first.MarginHours || sm.Roster != first.Roster {
			return nil, fmt.Errorf("shard %s ran with other inputs than shard %s (source, roster or margin differ)", sm.Shard, first.Shard)
		}
		f, err1 := time.Parse(time.RFC3339, sm.From)
		t, err2 := time.Parse(time.RFC3339, sm.To)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("shard %s manifest: %w", sm.Shard, err)
		}
		if f.Before(t) {
			if from.IsZero() || f.Before(from) {
				from = f
			}
			if t.After(to) {
				to = t
			}
		}
		total.Add(&sm.Counts)
		m.Workers += sm.Workers
		m.Partitions = append(m.Partitions, sm.Partitions...)
		m.Shards = append(m.Shards, sm.Shard)
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(sm.Quarantine)))
		if err != nil {
			return nil, fmt.Errorf("shard %s quarantine: %w", sm.Shard, err)
		}
		for l := range bytes.Lines(data) {
			entries = append(entries, l)
		}
	}
	if from.IsZero() {
		return nil, errors.New("merge: the shards covered no days")
	}
	slices.Sort(m.Partitions)
	m.From, m.To = from.Format(time.RFC3339), to.Format(time.RFC3339)
	m.Counts = *total

	agg, _, err := mergeDays(ctx, root, from, to)
	if err != nil {
		return nil, err
	}
	summary := Summarize(agg, from, to, previousWindow(ctx, root, from, to))
	out, err := pipeline.NewLocalOutput(root)
	if err != nil {
		return nil, err
	}
	if err := writeJSON(ctx, out, SummaryFile, summary); err != nil {
		out.Abort()
		return nil, err
	}
	// Arrival hours around a shard boundary are read by both shards, so a
	// bad record there is quarantined twice, identically: keep one.
	slices.SortFunc(entries, quarantineOrder)
	entries = slices.CompactFunc(entries, bytes.Equal)
	if err := out.WriteFile(ctx, QuarantineFile, bytes.Join(entries, nil)); err != nil {
		out.Abort()
		return nil, err
	}
	finished := time.Now()
	m.StartedAt, m.FinishedAt = started.UTC().Format(time.RFC3339Nano), finished.UTC().Format(time.RFC3339Nano)
	m.Seconds = finished.Sub(started).Seconds()
	if err := writeJSON(ctx, out, pipeline.ManifestName, m); err != nil {
		out.Abort()
		return nil, err
	}
	if err := out.Commit(ctx); err != nil {
		return nil, err
	}
	return &Result{Manifest: m, Summary: summary, Out: opts.Out}, nil
}

// quarantineOrder sorts quarantine lines as a single run writes them: by
// object key, then line.
func quarantineOrder(a, b []byte) int {
	var x, y pipeline.QuarantineEntry
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Compare(a, b)
	}
	return cmp.Or(cmp.Compare(x.Key, y.Key), cmp.Compare(x.Line, y.Line), cmp.Compare(x.Reason, y.Reason), bytes.Compare(a, b))
}

// readShardManifests reads the shard manifests in root and checks that all
// of one run's shards are there.
func readShardManifests(root string, want int) ([]*Manifest, error) {
	paths, err := filepath.Glob(filepath.Join(root, ShardDir, "*-of-*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no shard manifests in %s: run wiretap run --shard i/n first", filepath.Join(root, ShardDir))
	}
	byIndex := map[int]*Manifest{}
	count := want
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var m Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("shard manifest %s: %w", p, err)
		}
		sh, err := ParseShard(m.Shard)
		if err != nil {
			return nil, fmt.Errorf("shard manifest %s: %w", p, err)
		}
		if count == 0 {
			count = sh.Count
		}
		if sh.Count != count {
			continue // another sharding of another run; not ours to merge
		}
		byIndex[sh.Index] = &m
	}
	var missing []int
	out := make([]*Manifest, 0, count)
	for i := range count {
		if m := byIndex[i]; m != nil {
			out = append(out, m)
		} else {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("shards %v of %d have not finished (no manifest in %s)", missing, count, filepath.Join(root, ShardDir))
	}
	return out, nil
}

// mergeDays reads and merges the day partitions of [from, to).
func mergeDays(ctx context.Context, root string, from, to time.Time) (*aggregate.Aggregate, []aggregate.Day, error) {
	agg := aggregate.New()
	var days []aggregate.Day
	for d := aggregate.DayOf(from); d.Start().Before(to); d++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		t, err := readDay(root, d)
		if err != nil {
			return nil, nil, err
		}
		agg.Merge(aggregate.FromTables(d, t))
		days = append(days, d)
	}
	return agg, days, nil
}
