package jobs_test

import (
	"context"
	"net"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/internal/testutil/s3test"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// faultArchive is a small archive of many small objects, so that a run
// makes a few hundred requests.
func faultArchive() generator.Config {
	cfg := generator.DefaultConfig()
	cfg.Messages = 2500
	cfg.Days = 1
	cfg.Users = 30
	cfg.ObjectRecords = 40
	cfg.Gzip, cfg.Prefix = true, "slack/"
	return cfg
}

// TestRunSurvivesS3Faults runs the job through toxiproxy and a 503 proxy:
//
//	job ──▶ toxiproxy ──▶ SlowDownProxy ──▶ versitygw
//	        resets, latency,   503 SlowDown on
//	        hung connections,  30 % of requests
//	        bodies cut short
//
// reading the archive and writing the outputs to S3, and checks that the
// published outputs are identical to a clean run's.
func TestRunSurvivesS3Faults(t *testing.T) {
	ep := s3test.Endpoint(t)
	cfg := faultArchive()
	s3Src, s3Roster, _, _, facts := s3Archive(t, ep, cfg)
	bucket := loctest.Parse(t, s3Src).Bucket()

	clean := t.TempDir()
	start := time.Now()
	runTo(t, s3Src, s3Roster, clean, facts, archive.S3Options{Endpoint: ep})
	t.Logf("clean run: %v", time.Since(start).Round(time.Millisecond))
	want := localFiles(t, clean)

	slow := s3test.NewSlowDownProxy(t, ep, 0.3, 1)
	toxic := s3test.NewToxiproxy(t, slow.URL)
	// Toxicity is drawn per connection: these hit about the share given of
	// the connections the client opens.
	toxic.AddToxic(t, `{"name": "latency", "type": "latency", "stream": "downstream", "toxicity": 1,
		"attributes": {"latency": 50, "jitter": 25}}`)
	toxic.AddToxic(t, `{"name": "reset", "type": "reset_peer", "stream": "downstream", "toxicity": 0.3,
		"attributes": {"timeout": 0}}`)
	toxic.AddToxic(t, `{"name": "hang", "type": "timeout", "stream": "downstream", "toxicity": 0.05,
		"attributes": {"timeout": 0}}`)
	toxic.AddToxic(t, `{"name": "cut", "type": "limit_data", "stream": "downstream", "toxicity": 0.2,
		"attributes": {"bytes": 6000}}`)

	out := "s3://" + bucket + "/faulty-out/"
	opts := archive.S3Options{
		Endpoint: toxic.URL,
		// A hung connection costs ReadTimeout; keep it short here.
		ReadTimeout: 2 * time.Second,
		MaxAttempts: 20,
	}
	start = time.Now()
	// More readers than the clean run: the outputs must not depend on it,
	// and they keep the run short while many requests wait in backoff.
	res, err := jobs.Run(context.Background(), jobs.RunOptions{
		Source: loctest.Parse(t, s3Src), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, s3Roster), From: facts.Start, To: facts.End,
		Workers: 12, MaxBadRatio: jobs.DefaultMaxBadRatio, S3: opts,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("run through faults: %v; %d requests reached the 503 proxy, %d answered SlowDown",
		time.Since(start).Round(time.Millisecond), slow.Requests(), slow.Throttled())
	checkCounts(t, &res.Manifest.Counts, facts)
	if slow.Throttled() == 0 {
		t.Error("no request was throttled: the test tested nothing")
	}
	got, _ := s3Files(t, out, archive.S3Options{Endpoint: ep})
	sameFiles(t, "run through faults vs clean run", got, want)
}

// TestRunFailsWhenS3StaysDown checks that a run whose S3 never answers (a
// closed port) or always throttles fails within bounded time, with an
// error that names the S3 location, and publishes nothing.
func TestRunFailsWhenS3StaysDown(t *testing.T) {
	ep := s3test.Endpoint(t)
	cfg := faultArchive()
	cfg.Messages, cfg.Days = 500, 1
	s3Src, _, dirSrc, dirRoster, facts := s3Archive(t, ep, cfg)
	bucket := loctest.Parse(t, s3Src).Bucket()

	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	throttling := s3test.NewSlowDownProxy(t, ep, 1, 1).URL

	for _, tc := range []struct {
		name, endpoint string
		toS3           bool // write to S3 from the local archive, rather than read S3
		wantErr        string
	}{
		{"source-refused", closed, false, "connection refused"},
		{"source-throttled", throttling, false, "SlowDown"},
		{"output-refused", closed, true, "connection refused"},
		{"output-throttled", throttling, true, "SlowDown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The roster stays local, so that the archive's listing is
			// what meets the outage.
			src, roster, out := s3Src, dirRoster, t.TempDir()
			wantLoc := s3Src
			if tc.toS3 {
				src, roster = dirSrc, dirRoster
				out = "s3://" + bucket + "/out-" + tc.name + "/"
				wantLoc = out
			}
			start := time.Now()
			_, err := jobs.Run(context.Background(), jobs.RunOptions{
				Source: loctest.Parse(t, src), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), From: facts.Start, To: facts.End,
				Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio,
				S3: archive.S3Options{Endpoint: tc.endpoint, MaxAttempts: 3, ReadTimeout: 2 * time.Second},
			})
			took := time.Since(start)
			t.Logf("failed after %v: %v", took.Round(time.Millisecond), err)
			if err == nil {
				t.Fatal("run succeeded with S3 down")
			}
			if !strings.Contains(err.Error(), wantLoc) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error does not name %s and %q: %v", wantLoc, tc.wantErr, err)
			}
			if took > 30*time.Second {
				t.Errorf("took %v to give up", took)
			}
			if tc.toS3 {
				if keys := s3test.Keys(t, ep, bucket, strings.TrimPrefix(out, "s3://"+bucket+"/")); len(keys) > 0 {
					t.Errorf("failed run left %v", keys)
				}
				return
			}
			// Only the failure record (jobs.FailureFile) may be there:
			// no output, no staging folder.
			entries, err := os.ReadDir(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.Name() != path.Dir(jobs.FailureFile) {
					t.Errorf("failed run left %s", filepath.Join(out, e.Name()))
				}
			}
		})
	}
}
