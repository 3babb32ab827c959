package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
	"github.com/wiretap-hq/wiretap/schema"
)

// publishedFiles reads every published file below out, but the manifests and
// state, which carry times and paths.
func publishedFiles(t *testing.T, out string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(rel, "_") || strings.HasPrefix(rel, ".staging") {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == output.ManifestName || strings.HasPrefix(rel, "quarantine/") {
			return nil
		}
		files[rel], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameOutputs(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: %s is missing", what, name)
		case !bytes.Equal(g, w):
			t.Errorf("%s: %s differs", what, name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: unexpected %s", what, name)
		}
	}
}

func runRange(t *testing.T, src, roster string, from, to time.Time, mutate func(*jobs.RunOptions)) (string, *jobs.Result) {
	t.Helper()
	opts := jobs.RunOptions{Source: loctest.Parse(t, src), Out: loctest.Parse(t, t.TempDir()), Roster: loctest.Parse(t, roster), From: from, To: to, Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio}
	if mutate != nil {
		mutate(&opts)
	}
	res, err := jobs.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return opts.Out.String(), res
}

func summaryJSON(t *testing.T, s *jobs.Summary) []byte {
	t.Helper()
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

// TestQueryEqualsRun answers random ranges from the partitions of one run
// over everything and compares them with runs over just those ranges.
func TestQueryEqualsRun(t *testing.T) {
	dir, roster, facts := genArchive(t, func(c *generator.Config) { c.Messages = 12_000; c.Days = 6 })
	full, _ := runRange(t, dir, roster, facts.Start, facts.End, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 4 {
		a := rng.IntN(facts.Days)
		b := a + 1 + rng.IntN(facts.Days-a)
		from, to := facts.Start.AddDate(0, 0, a), facts.Start.AddDate(0, 0, b)
		t.Run(from.Format("0102")+"-"+to.Format("0102"), func(t *testing.T) {
			q, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, full), From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			// The run writes into the same folder, so that it sees the same
			// previous window for trending topics; its partitions are the
			// same bytes as those already there.
			out, _ := runRange(t, dir, roster, from, to, func(o *jobs.RunOptions) { o.Out = loctest.Parse(t, full) })
			want, err := os.ReadFile(filepath.Join(out, jobs.SummaryFile))
			if err != nil {
				t.Fatal(err)
			}
			if (q.Summary.TrendingTopics != nil) != (a >= b-a) {
				t.Errorf("trending topics present = %v for a range with%s a full previous window", q.Summary.TrendingTopics != nil, map[bool]string{false: "out", true: ""}[a >= b-a])
			}
			if got := summaryJSON(t, q.Summary); !bytes.Equal(got, want) {
				t.Errorf("query summary differs from a run's over the same range")
			}
		})
	}
	if _, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, full), From: facts.Start, To: facts.End.AddDate(0, 0, 1)}); err == nil {
		t.Error("query over a day without partitions succeeded")
	}
	if _, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, full), From: facts.Start.Add(time.Hour), To: facts.End}); err == nil {
		t.Error("query over a range that is not whole days succeeded")
	}
	q, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, full), From: facts.Start, To: facts.End, Office: facts.TopicOffice})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Summary.Offices) != 1 || q.Summary.Offices[0].Office != facts.TopicOffice {
		t.Errorf("--office %s answered for %+v", facts.TopicOffice, q.Summary.Offices)
	}
	var inOffice int64
	for d, byOffice := range facts.MessagesByDayOffice {
		_ = d
		inOffice += byOffice[facts.TopicOffice]
	}
	if q.Summary.Totals.Messages != inOffice {
		t.Errorf("--office %s: %d messages, facts say %d", facts.TopicOffice, q.Summary.Totals.Messages, inOffice)
	}
}

// TestShardsMergeToSingleRun runs the range as n shards into one output
// folder, merges them, and compares every file with a single run's.
func TestShardsMergeToSingleRun(t *testing.T) {
	dir, roster, facts := genArchive(t, func(c *generator.Config) { c.Messages = 10_000; c.Days = 5 })
	single, res := runRange(t, dir, roster, facts.Start, facts.End, nil)
	want := publishedFiles(t, single)
	wantQ, _ := os.ReadFile(filepath.Join(single, jobs.QuarantineFile))
	for _, n := range []int{1, 2, 3, 7} {
		out := t.TempDir()
		for i := range n {
			runRange(t, dir, roster, facts.Start, facts.End, func(o *jobs.RunOptions) {
				o.Out, o.Shard = loctest.Parse(t, out), jobs.Shard{Index: i, Count: n}
			})
		}
		merged, err := jobs.Merge(context.Background(), jobs.MergeOptions{Out: loctest.Parse(t, out), Shards: n})
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		sameOutputs(t, "shards", publishedFiles(t, out), want)
		if q, _ := os.ReadFile(filepath.Join(out, jobs.QuarantineFile)); !bytes.Equal(q, wantQ) {
			t.Errorf("n=%d: merged quarantine differs from a single run's", n)
		}
		m, c := merged.Manifest.Counts, res.Manifest.Counts
		// Revisions after the window are counted only when read, which
		// depends on where a range ends; the others add up exactly.
		late := func(r pipeline.RevisionCounts) pipeline.RevisionCounts {
			r.EditsLate, r.DeletesLate, r.ReactionsLate = 0, 0, 0
			return r
		}
		if m.InRange != c.InRange || m.Authored != c.Authored || late(m.RevisionCounts) != late(c.RevisionCounts) {
			t.Errorf("n=%d: merged in_range %d authored %d revisions %+v, single run %d %d %+v", n, m.InRange, m.Authored,
				m.RevisionCounts, c.InRange, c.Authored, c.RevisionCounts)
		}
	}
	// A merge with a shard missing refuses.
	out := t.TempDir()
	runRange(t, dir, roster, facts.Start, facts.End, func(o *jobs.RunOptions) { o.Out, o.Shard = loctest.Parse(t, out), jobs.Shard{Index: 0, Count: 2} })
	if _, err := jobs.Merge(context.Background(), jobs.MergeOptions{Out: loctest.Parse(t, out)}); err == nil || !strings.Contains(err.Error(), "[1]") {
		t.Errorf("merge with shard 1 of 2 missing: err = %v", err)
	}
}

// TestNightly checks that a second nightly run changes nothing, and that
// after late objects arrive a nightly run gives what a full rerun gives.
func TestNightly(t *testing.T) {
	dir, roster, facts := genArchive(t, func(c *generator.Config) { c.Messages = 8000; c.Days = 4 })
	out := t.TempDir()
	opts := jobs.RunOptions{Source: loctest.Parse(t, dir), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio}
	first, err := jobs.Nightly(context.Background(), opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Summary == nil || len(first.Days) < facts.Days {
		t.Fatalf("first nightly recomputed %d days", len(first.Days))
	}
	before := publishedFiles(t, out)
	second, err := jobs.Nightly(context.Background(), opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	if second.Summary != nil || len(second.Days) != 0 || len(second.ChangedHours) != 0 {
		t.Errorf("second nightly did work: %d days, %d hours", len(second.Days), len(second.ChangedHours))
	}
	sameOutputs(t, "nightly twice", publishedFiles(t, out), before)

	// Late objects: records of day 2 filed an hour after their messages,
	// and a new object at the end of the archive.
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
	late := day2.Add(11*time.Hour + 5*time.Minute)
	src := archive.Dir{Root: dir}
	if err := src.Put(context.Background(), archive.ObjectKey("", facts.Stream, 1, late, "0badc0de-0000-4000-8000-00000000late", false), body); err != nil {
		t.Fatal(err)
	}
	// The late object's records are day 2's; an edit or reaction filed
	// with them could reach back the edit window, into day 1.
	reached := []string{facts.Start.Format(time.DateOnly), day2.Format(time.DateOnly)}
	third, err := jobs.Nightly(context.Background(), opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(third.Days) != fmt.Sprint(reached) {
		t.Errorf("late object recomputed %v, want %v", third.Days, reached)
	}
	span := third.Manifest
	from, _ := time.Parse(time.RFC3339, span.From)
	to, _ := time.Parse(time.RFC3339, span.To)
	full, _ := runRange(t, dir, roster, from, to, nil)
	sameOutputs(t, "nightly after late objects", publishedFiles(t, out), publishedFiles(t, full))
}
