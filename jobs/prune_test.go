package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/internal/testutil/s3test"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// TestPrune removes the first two days of a four-day output: their
// partitions go, the summary becomes a run's over the days kept, query
// refuses the removed days, and a nightly run afterwards keeps to the
// horizon.
func TestPrune(t *testing.T) {
	dir, roster, facts := genArchive(t, func(c *generator.Config) { c.Messages = 8000; c.Days = 4 })
	out := t.TempDir()
	opts := jobs.RunOptions{Source: loctest.Parse(t, dir), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio,
		IncludeText: true, MinGroup: 5}
	if _, err := jobs.Nightly(context.Background(), opts, archive.Location{}); err != nil {
		t.Fatal(err)
	}
	before := facts.Start.AddDate(0, 0, 2)
	res, err := jobs.Prune(context.Background(), jobs.PruneOptions{Out: loctest.Parse(t, out), Before: before})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) < 2 || res.Removed[len(res.Removed)-1].String() != facts.Start.AddDate(0, 0, 1).Format(time.DateOnly) {
		t.Errorf("removed %v, want every day before %s", res.Removed, before.Format(time.DateOnly))
	}
	for _, d := range res.Removed {
		for _, table := range jobs.Tables {
			if _, err := os.Stat(filepath.Join(out, table, "date="+d.String())); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s of %s is still there (%v)", table, d, err)
			}
		}
	}
	// The summary is what a run over the days kept publishes.
	kept := res.Kept[len(res.Kept)-1].End()
	fresh, _ := runRange(t, dir, roster, before, kept, func(o *jobs.RunOptions) { o.IncludeText, o.MinGroup = true, 5 })
	got, want := publishedFiles(t, out), publishedFiles(t, fresh)
	if !bytes.Equal(got[jobs.SummaryFile], want[jobs.SummaryFile]) {
		t.Error("the summary after prune is not a run's over the days kept")
	}
	m, err := os.ReadFile(filepath.Join(out, output.ManifestName))
	if err != nil || !bytes.Contains(m, []byte(`"pruned_before": "`+before.Format(time.DateOnly)+`"`)) {
		t.Errorf("manifest lacks the horizon (%v):\n%s", err, m)
	}
	if _, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, out), From: facts.Start, To: before}); !errors.Is(err, jobs.ErrMissingDay) {
		t.Errorf("query over pruned days: %v", err)
	}
	// A nightly run after new data recomputes nothing before the horizon.
	if err := os.Remove(filepath.Join(out, jobs.StateFile)); err != nil {
		t.Fatal(err)
	}
	n, err := jobs.Nightly(context.Background(), opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range n.Days {
		if d.Start().Before(before) {
			t.Errorf("nightly recomputed %s, before the horizon", d)
		}
	}
	if _, err := os.Stat(filepath.Join(out, jobs.TableOffices, "date="+facts.Start.Format(time.DateOnly))); !errors.Is(err, os.ErrNotExist) {
		t.Error("nightly brought back a pruned day")
	}
	if again, err := jobs.Prune(context.Background(), jobs.PruneOptions{Out: loctest.Parse(t, out), Before: before}); err != nil || len(again.Removed) != 0 {
		t.Errorf("second prune: %v, removed %v", err, again.Removed)
	}
	if _, err := jobs.Prune(context.Background(), jobs.PruneOptions{Out: loctest.Parse(t, out), Before: facts.End.AddDate(0, 0, 1)}); err == nil {
		t.Error("a prune of every day succeeded")
	}
}

// TestPruneS3 prunes an S3 output: the new manifest no longer publishes
// the removed partitions, and their objects are deleted.
func TestPruneS3(t *testing.T) {
	ep := s3test.Endpoint(t)
	s3opts := archive.S3Options{Endpoint: ep}
	ctx := context.Background()
	bucket, src, roster, facts := s3JobsArchive(t, ep, nil)
	out := "s3://" + bucket + "/out/"
	runWith(t, src, roster, out, facts.Start, facts.End, s3opts, jobs.Shard{})
	_, oldPub := s3Files(t, out, s3opts)
	before := facts.Start.AddDate(0, 0, 1)
	if _, err := jobs.Prune(ctx, jobs.PruneOptions{Out: loctest.Parse(t, out), Before: before, S3: s3opts}); err != nil {
		t.Fatal(err)
	}
	files, _ := s3Files(t, out, s3opts)
	gone := "date=" + facts.Start.Format(time.DateOnly)
	root, err := archive.NewS3(ctx, loctest.Parse(t, out), s3opts)
	if err != nil {
		t.Fatal(err)
	}
	removed := 0
	for name, key := range oldPub.Files {
		if !strings.Contains(name, gone) {
			continue
		}
		removed++
		if _, ok := files[name]; ok {
			t.Errorf("%s is still published", name)
		}
		if rc, err := root.Open(ctx, key); err == nil {
			rc.Close()
			t.Errorf("%s (%s) still exists", name, key)
		}
	}
	if removed != len(jobs.Tables) {
		t.Errorf("the first day had %d published partitions, want %d", removed, len(jobs.Tables))
	}
	q, err := jobs.Query(ctx, jobs.QueryOptions{Out: loctest.Parse(t, out), From: before, To: facts.End, S3: s3opts})
	if err != nil {
		t.Fatal(err)
	}
	if got := summaryJSON(t, q.Summary); !bytes.Equal(got, files[jobs.SummaryFile]) {
		t.Error("the summary after prune is not query's over the days kept")
	}
}
