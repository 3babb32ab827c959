package jobs

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// A Shard is one of Count deterministic shares of a run: Index in
// [0, Count). Count 0 means no sharding.
//
// The work is split by message day: shard i analyses the i-th of Count
// contiguous blocks of the range's days. Every copy of a message has the
// same message day, so all copies meet in one shard and deduplication is as
// exact as in a single run. This rests on one assumption, the engine's own:
// a copy counts only if it arrived within the arrival window of its message
// hour (archive.InArrivalWindow: from an hour before to --margin after).
// Slack retries after 1 and 5 minutes and Firehose redelivers within its
// buffer interval, far inside it; copies that arrive later are out of range
// in a single run too (the manifest's outside_window count). The price is
// that the arrival hours around a block boundary are read by both shards
// that need them.
type Shard struct {
	Index, Count int
}

// ParseShard parses "i/n".
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want i/n, e.g. 0/4", s)
	}
	var sh Shard
	var err1, err2 error
	sh.Index, err1 = strconv.Atoi(i)
	sh.Count, err2 = strconv.Atoi(n)
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/n, e.g. 0/4", s)
	}
	return sh, sh.Validate()
}

// ShardFromEnv reads the shard index that batch schedulers hand their array
// tasks: JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or
// AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job). ok is false when
// neither is set.
func ShardFromEnv(getenv func(string) string, count int) (sh Shard, ok bool, err error) {
	for _, name := range []string{"JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"} {
		if v := getenv(name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil {
				return Shard{}, false, fmt.Errorf("%s=%q is not a shard index", name, v)
			}
			sh = Shard{Index: i, Count: count}
			return sh, true, sh.Validate()
		}
	}
	return Shard{}, false, nil
}

// Validate checks 0 <= Index < Count, or the zero Shard.
func (s Shard) Validate() error {
	if s == (Shard{}) {
		return nil
	}
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("shard %d/%d: want 0 <= index < count", s.Index, s.Count)
	}
	return nil
}

func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// ShardDir holds the shards' manifests under the output root.
const ShardDir = "_shards"

// file names the shard's own file in dir: dir/<i>-of-<n><ext>.
func (s Shard) file(dir, ext string) string {
	return path.Join(dir, fmt.Sprintf("%d-of-%d%s", s.Index, s.Count, ext))
}

// Range narrows r to the shard's block of days. A shard with no days (more
// shards than days) gets an empty range at the end of r.
func (s Shard) Range(r archive.Range) archive.Range {
	first := aggregate.DayOf(r.From)
	days := int(aggregate.DayOf(r.To.Add(-time.Nanosecond))-first) + 1
	lo, hi := s.Index*days/s.Count, (s.Index+1)*days/s.Count
	if lo == hi {
		return archive.Range{From: r.To, To: r.To}
	}
	out := archive.Range{From: (first + aggregate.Day(lo)).Start(), To: (first + aggregate.Day(hi)).Start()}
	if out.From.Before(r.From) {
		out.From = r.From
	}
	if out.To.After(r.To) {
		out.To = r.To
	}
	return out
}
