package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// sideTimeout bounds the best-effort writes of the last failure, which may
// happen after the job's context has ended.
const sideTimeout = 30 * time.Second

// recordFailureAt notes a failed run beside the outputs, local or S3, best
// effort: the failure itself is what the caller reports.
func recordFailureAt(ctx context.Context, out archive.Location, opts archive.S3Options, command string, err error) {
	if out.IsZero() || err == nil || errors.Is(err, context.Canceled) {
		return
	}
	data, _ := json.MarshalIndent(Failure{Command: command, At: time.Now().UTC().Format(time.RFC3339), Error: err.Error()}, "", "  ")
	data = append(data, '\n')
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideTimeout)
	defer cancel()
	_ = output.WriteSide(ctx, output.SideLocation(out, FailureFile), opts, data)
}

// clearFailureAt removes the last failure beside the outputs, best effort.
func clearFailureAt(ctx context.Context, out archive.Location, opts archive.S3Options) {
	if out.IsZero() {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideTimeout)
	defer cancel()
	_ = output.RemoveSide(ctx, output.SideLocation(out, FailureFile), opts)
}

// shardOutputsDir holds, below an S3 output, one S3 output per shard:
// shards/<i>-of-<n>/. Shards of one run run at the same time, and an S3
// output takes one writer at a time (its commit rewrites the manifest from
// the one it read), so each shard publishes to its own prefix and Merge
// publishes their union into the output.
const shardOutputsDir = "shards"

// shardOutput returns where a shard run publishes: a local output folder
// takes every shard (their partitions are disjoint and each is published
// by its own renames), an S3 output gives each shard its own output below
// shards/. A location that already names the shard's own output is kept.
func shardOutput(out archive.Location, sh Shard) archive.Location {
	if sh.Count == 0 || !out.IsS3() {
		return out
	}
	own := sh.file(shardOutputsDir, "")
	if p := out.Prefix(); p == own+"/" || strings.HasSuffix(p, "/"+own+"/") {
		return out
	}
	return out.Join(own + "/")
}

// shardOutputs opens the shard outputs below an S3 output (shards/<i>-of-<n>/
// with a manifest), by shard, in the order of their names. It returns none
// for a local output.
func shardOutputs(ctx context.Context, out archive.Location, opts archive.S3Options) (map[Shard]*output.S3Reader, []Shard, error) {
	if !out.IsS3() {
		return nil, nil, nil
	}
	s, err := archive.NewS3(ctx, out, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("outputs: %w", err)
	}
	byShard := map[Shard]*output.S3Reader{}
	var order []Shard
	for info, err := range s.List(ctx, shardOutputsDir+"/") {
		if err != nil {
			return nil, nil, err
		}
		// shards/<i>-of-<n>/manifest.json; the runs/ below are not ours to read.
		parts := strings.Split(info.Key, "/")
		if len(parts) != 3 || parts[2] != output.ManifestName {
			continue
		}
		var sh Shard
		if _, err := fmt.Sscanf(parts[1], "%d-of-%d", &sh.Index, &sh.Count); err != nil || sh.Count == 0 || sh.Validate() != nil || sh.file("", "") != parts[1] {
			continue
		}
		r, err := output.OpenS3Reader(ctx, shardOutput(out, sh), opts)
		if err != nil {
			return nil, nil, err
		}
		byShard[sh] = r
		order = append(order, sh)
	}
	slices.SortFunc(order, func(a, b Shard) int {
		return cmp.Compare(a.file("", ".json"), b.file("", ".json"))
	})
	return byShard, order, nil
}
