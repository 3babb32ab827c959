package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/internal/testutil/s3test"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
	"github.com/wiretap-hq/wiretap/schema"
)

// The tests below run query, nightly, merge and status on outputs in S3
// (--out s3://bucket/out/) and compare them with the same jobs on local
// outputs. They need the S3 server of scripts/s3server.sh, like s3_test.go.

// s3JobsArchive generates an archive into a fresh bucket with the roster
// beside it, and returns the bucket, the source and roster locations and
// the facts.
func s3JobsArchive(t *testing.T, ep string, mutate func(*generator.Config)) (bucket, src, roster string, facts *generator.Facts) {
	t.Helper()
	ctx := context.Background()
	cfg := generator.DefaultConfig()
	cfg.Messages, cfg.Days, cfg.Users, cfg.ObjectRecords = 8000, 4, 40, 300
	if mutate != nil {
		mutate(&cfg)
	}
	bucket = s3test.NewBucket(t, ep)
	store, err := archive.NewS3(ctx, loctest.Parse(t, "s3://"+bucket), archive.S3Options{Endpoint: ep})
	if err != nil {
		t.Fatal(err)
	}
	if facts, err = generator.Generate(ctx, cfg, store); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, "roster.csv", facts.RosterCSV()); err != nil {
		t.Fatal(err)
	}
	return bucket, "s3://" + bucket + "/" + facts.Prefix, "s3://" + bucket + "/roster.csv", facts
}

func runWith(t *testing.T, src, roster, out string, from, to time.Time, opts archive.S3Options, shard jobs.Shard) *jobs.Result {
	t.Helper()
	res, err := jobs.Run(context.Background(), jobs.RunOptions{
		Source: loctest.Parse(t, src), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), From: from, To: to,
		Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio, S3: opts, Shard: shard,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// withoutQuarantineAndState drops the files that a comparison of outputs
// leaves out, as publishedFiles does for a folder: the quarantine (a
// nightly run's holds only the days it recomputed) and the _ folders.
func withoutQuarantineAndState(files map[string][]byte) map[string][]byte {
	for name := range files {
		if strings.HasPrefix(name, "quarantine/") || strings.HasPrefix(name, "_") {
			delete(files, name)
		}
	}
	return files
}

// topManifest reads the top-level manifest of an S3 output: the commit
// point, which changes with every publication.
func topManifest(t *testing.T, out string, opts archive.S3Options) []byte {
	t.Helper()
	root, err := archive.NewS3(context.Background(), loctest.Parse(t, out), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s3test.ReadAll(t, root, output.ManifestName)
}

// TestS3OutputsQuery answers random ranges from an S3 output and from a
// local output of the same run: the summaries must be the same bytes, and
// status must list the same days.
func TestS3OutputsQuery(t *testing.T) {
	ep := s3test.Endpoint(t)
	opts := archive.S3Options{Endpoint: ep}
	ctx := context.Background()
	bucket, src, roster, facts := s3JobsArchive(t, ep, func(c *generator.Config) { c.Days = 6 })
	out := "s3://" + bucket + "/out/"
	local := t.TempDir()
	runWith(t, src, roster, out, facts.Start, facts.End, opts, jobs.Shard{})
	runWith(t, src, roster, local, facts.Start, facts.End, opts, jobs.Shard{})

	rng := rand.New(rand.NewPCG(3, 4))
	trending := 0
	for range 5 {
		a := rng.IntN(facts.Days)
		b := a + 1 + rng.IntN(facts.Days-a)
		from, to := facts.Start.AddDate(0, 0, a), facts.Start.AddDate(0, 0, b)
		office := ""
		if rng.IntN(3) == 0 {
			office = facts.TopicOffice
		}
		fromS3, err := jobs.Query(ctx, jobs.QueryOptions{Out: loctest.Parse(t, out), From: from, To: to, Office: office, S3: opts})
		if err != nil {
			t.Fatal(err)
		}
		fromDir, err := jobs.Query(ctx, jobs.QueryOptions{Out: loctest.Parse(t, local), From: from, To: to, Office: office})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(summaryJSON(t, fromS3.Summary), summaryJSON(t, fromDir.Summary)) {
			t.Errorf("%s to %s office %q: the summary from S3 differs from the local one", from.Format(time.DateOnly), to.Format(time.DateOnly), office)
		}
		if fromS3.Summary.TrendingTopics != nil {
			trending++
		}
	}
	if trending == 0 {
		t.Log("no range had a full previous window: trending topics were not compared")
	}
	// The query of the whole range is the summary the run published.
	q, err := jobs.Query(ctx, jobs.QueryOptions{Out: loctest.Parse(t, out), From: facts.Start, To: facts.End, S3: opts})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := s3Files(t, out, opts)
	if !bytes.Equal(summaryJSON(t, q.Summary), files[jobs.SummaryFile]) {
		t.Error("query over the run's range differs from the summary the run published to S3")
	}
	if _, err := jobs.Query(ctx, jobs.QueryOptions{Out: loctest.Parse(t, out), From: facts.Start, To: facts.End.AddDate(0, 0, 1), S3: opts}); !errors.Is(err, jobs.ErrMissingDay) {
		t.Errorf("query past the last day: err = %v, want ErrMissingDay", err)
	}
	if _, err := jobs.Query(ctx, jobs.QueryOptions{Out: loctest.Parse(t, "s3://"+bucket+"/nothing/"), From: facts.Start, To: facts.End, S3: opts}); !errors.Is(err, jobs.ErrMissingDay) {
		t.Errorf("query of an empty S3 output: err = %v, want ErrMissingDay", err)
	}

	st, err := jobs.GetStatus(ctx, jobs.StatusOptions{Out: loctest.Parse(t, out), Source: loctest.Parse(t, src), S3: opts})
	if err != nil {
		t.Fatal(err)
	}
	want, err := jobs.GetStatus(ctx, jobs.StatusOptions{Out: loctest.Parse(t, local), Source: loctest.Parse(t, src), S3: opts})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Days) != facts.Days || len(st.Gaps) != 0 || len(st.Incomplete) != 0 || !equalDays(st.Days, want.Days) {
		t.Errorf("status on S3: days %v gaps %v incomplete %v; local days %v", st.Days, st.Gaps, st.Incomplete, want.Days)
	}
	if st.Manifest == nil || !reflect.DeepEqual(st.Manifest.Counts, want.Manifest.Counts) || !st.StateMissing || len(st.StaleDays) != len(want.StaleDays) {
		t.Errorf("status on S3: manifest %v, state missing %v, stale days %v (local: %v)", st.Manifest != nil, st.StateMissing, st.StaleDays, want.StaleDays)
	}
}

func shardName(i, n int) string { return fmt.Sprintf("%d-of-%d", i, n) }

func equalDays[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestS3OutputsNightly runs nightly into an S3 output: twice in a row the
// second publishes nothing; after a late object it equals a full run; with
// its state gone it recomputes everything to the same bytes (what a crash
// before the state write leads to); and failures are recorded beside the
// output and cleared by the next success.
func TestS3OutputsNightly(t *testing.T) {
	ep := s3test.Endpoint(t)
	s3opts := archive.S3Options{Endpoint: ep}
	ctx := context.Background()
	bucket, src, roster, facts := s3JobsArchive(t, ep, nil)
	out := "s3://" + bucket + "/out/"
	opts := jobs.RunOptions{Source: loctest.Parse(t, src), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio, S3: s3opts}

	first, err := jobs.Nightly(ctx, opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Summary == nil || len(first.Days) < facts.Days {
		t.Fatalf("first nightly recomputed %d days", len(first.Days))
	}
	root, err := archive.NewS3(ctx, loctest.Parse(t, out), s3opts)
	if err != nil {
		t.Fatal(err)
	}
	state := s3test.ReadAll(t, root, jobs.StateFile)
	manifest := topManifest(t, out, s3opts)
	files, pub := s3Files(t, out, s3opts)
	for name := range pub.Files {
		if strings.HasPrefix(name, "_state/") {
			t.Errorf("the state is published as %s: it must live outside the publication", name)
		}
	}

	second, err := jobs.Nightly(ctx, opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	if second.Summary != nil || len(second.Days) != 0 || len(second.ChangedHours) != 0 {
		t.Errorf("second nightly did work: %d days, %d hours", len(second.Days), len(second.ChangedHours))
	}
	if !bytes.Equal(topManifest(t, out, s3opts), manifest) {
		t.Error("second nightly published a new manifest")
	}
	if !bytes.Equal(s3test.ReadAll(t, root, jobs.StateFile), state) {
		t.Error("second nightly rewrote the state")
	}
	again, _ := s3Files(t, out, s3opts)
	sameFiles(t, "nightly twice", again, files)

	// A late object: records of day 2 filed an hour after their messages.
	day2 := facts.Start.AddDate(0, 0, 1)
	var enc schema.Encoder
	var body []byte
	users := []string{}
	for u := range facts.Users {
		users = append(users, u)
	}
	for i := range 40 {
		at := day2.Add(10*time.Hour + time.Duration(i)*time.Minute)
		body = enc.AppendNDJSON(body, &schema.Message{
			Team: facts.Team, ChannelID: "CLATE0001", ChannelName: "late", UserID: users[i%len(users)],
			TS: schema.FormatTS(at), Text: "a late and great message about the kubernetes migration", Source: schema.SourceCanonical,
		})
	}
	store, err := archive.NewS3(ctx, loctest.Parse(t, src), s3opts)
	if err != nil {
		t.Fatal(err)
	}
	late := day2.Add(11*time.Hour + 5*time.Minute)
	if err := store.Put(ctx, archive.ObjectKey("", facts.Stream, 1, late, "0badc0de-0000-4000-8000-00000000late", false), body); err != nil {
		t.Fatal(err)
	}
	st, err := jobs.GetStatus(ctx, jobs.StatusOptions{Out: loctest.Parse(t, out), Source: loctest.Parse(t, src), S3: s3opts})
	if err != nil {
		t.Fatal(err)
	}
	// The late object's records are day 2's; an edit or reaction filed
	// with them could reach back the edit window, into day 1.
	reached := []string{facts.Start.Format(time.DateOnly), day2.Format(time.DateOnly)}
	if st.State == nil || fmt.Sprint(st.StaleDays) != fmt.Sprint(reached) {
		t.Errorf("status before the third nightly: state %v, stale days %v", st.State != nil, st.StaleDays)
	}
	third, err := jobs.Nightly(ctx, opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(third.Days) != fmt.Sprint(reached) {
		t.Errorf("late object recomputed %v, want %v", third.Days, reached)
	}
	from, _ := time.Parse(time.RFC3339, third.Manifest.From)
	to, _ := time.Parse(time.RFC3339, third.Manifest.To)
	full := t.TempDir()
	runWith(t, src, roster, full, from, to, s3opts, jobs.Shard{})
	want := publishedFiles(t, full)
	got, _ := s3Files(t, out, s3opts)
	sameFiles(t, "nightly after a late object vs a full run", withoutQuarantineAndState(got), want)

	// A crash after the commits and before the state write leaves the
	// previous state; here, none at all. The next run redoes the work and
	// publishes the same bytes.
	if err := root.Delete(ctx, jobs.StateFile); err != nil {
		t.Fatal(err)
	}
	redo, err := jobs.Nightly(ctx, opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	if len(redo.Days) < facts.Days {
		t.Errorf("nightly without state recomputed %d days", len(redo.Days))
	}
	got, _ = s3Files(t, out, s3opts)
	sameFiles(t, "nightly without state vs a full run", withoutQuarantineAndState(got), want)

	// A failure is recorded beside the output, and the next success clears it.
	bad := opts
	bad.Margin = 2 * time.Hour
	if _, err := jobs.Nightly(ctx, bad, archive.Location{}); err == nil {
		t.Fatal("nightly with another margin than its state's succeeded")
	}
	st, err = jobs.GetStatus(ctx, jobs.StatusOptions{Out: loctest.Parse(t, out), S3: s3opts})
	if err != nil {
		t.Fatal(err)
	}
	// Every day nightly covered: the archive's, which can run past the
	// generated days when the last day's records arrived after midnight.
	if st.LastFailure == nil || st.LastFailure.Command != "nightly" || !equalDays(st.Days, redo.Days) || st.State == nil {
		t.Errorf("status after a failed nightly: failure %+v, days %v, state %v", st.LastFailure, st.Days, st.State != nil)
	}
	if _, err := jobs.Nightly(ctx, opts, archive.Location{}); err != nil {
		t.Fatal(err)
	}
	if st, err = jobs.GetStatus(ctx, jobs.StatusOptions{Out: loctest.Parse(t, out), S3: s3opts}); err != nil || st.LastFailure != nil {
		t.Errorf("status after a successful nightly: failure %+v, err %v", st.LastFailure, err)
	}

	// --state may name an S3 object elsewhere.
	elsewhere := "s3://" + bucket + "/states/nightly.json"
	other := opts
	other.Out = loctest.Parse(t, "s3://"+bucket+"/out2/")
	if _, err := jobs.Nightly(ctx, other, loctest.Parse(t, elsewhere)); err != nil {
		t.Fatal(err)
	}
	if again, err := jobs.Nightly(ctx, other, loctest.Parse(t, elsewhere)); err != nil || len(again.Days) != 0 {
		t.Errorf("second nightly with --state %s: %d days, err %v", elsewhere, len(again.Days), err)
	}
	if keys := s3test.Keys(t, ep, bucket, "out2/_state/"); len(keys) != 0 {
		t.Errorf("with --state elsewhere, the output holds %v", keys)
	}
}

// TestS3OutputsShardsMerge runs a range as n shards into an S3 output and
// merges them; the merged output must equal a single run's. Shards publish
// either one after another into the output itself (each commit must carry
// the earlier shards' files forward), or at the same time, each into its
// own S3 output below shards/<i>-of-<n>/, which merge publishes into the
// output.
func TestS3OutputsShardsMerge(t *testing.T) {
	ep := s3test.Endpoint(t)
	opts := archive.S3Options{Endpoint: ep}
	ctx := context.Background()
	bucket, src, roster, facts := s3JobsArchive(t, ep, nil)
	single := t.TempDir()
	res := runWith(t, src, roster, single, facts.Start, facts.End, opts, jobs.Shard{})
	want := publishedFiles(t, single)
	wantQ, err := os.ReadFile(filepath.Join(single, jobs.QuarantineFile))
	if err != nil {
		t.Fatal(err)
	}

	check := func(t *testing.T, out string, n int, merged *jobs.Result) {
		t.Helper()
		got, _ := s3Files(t, out, opts)
		if !bytes.Equal(got[jobs.QuarantineFile], wantQ) {
			t.Errorf("n=%d: merged quarantine differs from a single run's", n)
		}
		for i := range n {
			if name := jobs.ShardDir + "/" + shardName(i, n) + ".json"; got[name] == nil {
				t.Errorf("n=%d: %s is not published", n, name)
			}
		}
		sameFiles(t, "shards merged in S3", withoutQuarantineAndState(got), want)
		m, c := merged.Manifest.Counts, res.Manifest.Counts
		if m.InRange != c.InRange || m.Authored != c.Authored {
			t.Errorf("n=%d: merged in_range %d authored %d, single run %d %d", n, m.InRange, m.Authored, c.InRange, c.Authored)
		}
		st, err := jobs.GetStatus(ctx, jobs.StatusOptions{Out: loctest.Parse(t, out), S3: opts})
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Days) != facts.Days || len(st.Shards) != n || st.Manifest == nil || st.Manifest.Command != "merge" {
			t.Errorf("n=%d: status lists %d days, shards %v, manifest %v", n, len(st.Days), st.Shards, st.Manifest != nil)
		}
	}

	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("one-at-a-time-%d", n), func(t *testing.T) {
			out := fmt.Sprintf("s3://%s/seq%d/", bucket, n)
			var names []string
			for i := range n {
				runWith(t, src, roster, out, facts.Start, facts.End, opts, jobs.Shard{Index: i, Count: n})
				pub, err := output.ReadPublication(ctx, loctest.Parse(t, out), opts)
				if errors.Is(err, archive.ErrNotExist) {
					continue // run publishes each shard to out/shards/<i>-of-<n>/: nothing to carry forward
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, name := range names {
					if _, ok := pub.Files[name]; !ok {
						t.Errorf("n=%d: shard %d's commit dropped %s", n, i, name)
					}
				}
				names = names[:0]
				for name := range pub.Files {
					names = append(names, name)
				}
			}
			merged, err := jobs.Merge(ctx, jobs.MergeOptions{Out: loctest.Parse(t, out), Shards: n, S3: opts})
			if err != nil {
				t.Fatal(err)
			}
			check(t, out, n, merged)
		})
		t.Run(fmt.Sprintf("concurrent-%d", n), func(t *testing.T) {
			out := fmt.Sprintf("s3://%s/par%d/", bucket, n)
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				// What run --shard i/n publishes to: its own S3 output.
				shardOut := out + "shards/" + shardName(i, n) + "/"
				wg.Go(func() {
					_, errs[i] = jobs.Run(ctx, jobs.RunOptions{
						Source: loctest.Parse(t, src), Out: loctest.Parse(t, shardOut), Roster: loctest.Parse(t, roster), From: facts.Start, To: facts.End,
						Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio, S3: opts, Shard: jobs.Shard{Index: i, Count: n},
					})
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			st, err := jobs.GetStatus(ctx, jobs.StatusOptions{Out: loctest.Parse(t, out), S3: opts})
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Shards) != n || st.Manifest != nil {
				t.Errorf("status before the merge: shards %v, manifest %v", st.Shards, st.Manifest != nil)
			}
			merged, err := jobs.Merge(ctx, jobs.MergeOptions{Out: loctest.Parse(t, out), S3: opts})
			if err != nil {
				t.Fatal(err)
			}
			check(t, out, n, merged)
			// A query over the merged output equals the single run's summary.
			q, err := jobs.Query(ctx, jobs.QueryOptions{Out: loctest.Parse(t, out), From: facts.Start, To: facts.End, S3: opts})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(summaryJSON(t, q.Summary), want[jobs.SummaryFile]) {
				t.Error("query over the merged S3 output differs from the single run's summary")
			}
		})
	}
	// A merge with a shard missing refuses.
	out := "s3://" + bucket + "/missing/"
	runWith(t, src, roster, out+"shards/0-of-2/", facts.Start, facts.End, opts, jobs.Shard{Index: 0, Count: 2})
	if _, err := jobs.Merge(ctx, jobs.MergeOptions{Out: loctest.Parse(t, out), S3: opts}); err == nil || !strings.Contains(err.Error(), "[1]") {
		t.Errorf("merge with shard 1 of 2 missing: err = %v", err)
	}
}
