package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/internal/testutil/s3test"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// s3Archive generates the same archive into a fresh bucket and into a local
// folder, with the roster beside each, and returns the two source
// locations, the two roster locations and the facts.
func s3Archive(t *testing.T, ep string, cfg generator.Config) (s3Src, s3Roster, dirSrc, dirRoster string, facts *generator.Facts) {
	t.Helper()
	ctx := context.Background()
	bucket := s3test.NewBucket(t, ep)
	store, err := archive.NewS3(ctx, loctest.Parse(t, "s3://"+bucket), archive.S3Options{Endpoint: ep})
	if err != nil {
		t.Fatal(err)
	}
	facts, err = generator.Generate(ctx, cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, "roster.csv", facts.RosterCSV()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dirFacts, err := generator.Generate(ctx, cfg, archive.Dir{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	if dirFacts.RecordsRead != facts.RecordsRead || dirFacts.ObjectsListed != facts.ObjectsListed {
		t.Fatalf("the generator wrote different archives: %d/%d records, %d/%d objects",
			dirFacts.RecordsRead, facts.RecordsRead, dirFacts.ObjectsListed, facts.ObjectsListed)
	}
	dirRoster = filepath.Join(dir, "roster.csv")
	if err := os.WriteFile(dirRoster, facts.RosterCSV(), 0o644); err != nil {
		t.Fatal(err)
	}
	return "s3://" + bucket + "/" + facts.Prefix, "s3://" + bucket + "/roster.csv",
		filepath.Join(dir, strings.TrimSuffix(facts.Prefix, "/")), dirRoster, facts
}

func smallS3Config() generator.Config {
	cfg := generator.DefaultConfig()
	cfg.Messages = 6000
	cfg.Days = 2
	cfg.Users = 40
	cfg.ObjectRecords = 300
	return cfg
}

// runTo runs the job with S3 options opts and fails the test on error.
func runTo(t *testing.T, src, roster, out string, facts *generator.Facts, opts archive.S3Options) *jobs.Result {
	t.Helper()
	res, err := jobs.Run(context.Background(), jobs.RunOptions{
		Source: loctest.Parse(t, src), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), From: facts.Start, To: facts.End,
		Workers: 3, MaxBadRatio: jobs.DefaultMaxBadRatio, S3: opts,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// localFiles returns the published files of a local output, manifest
// excluded, by slash-separated name.
func localFiles(t *testing.T, out string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) == output.ManifestName {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// s3Files returns the files an S3 output publishes, read through its
// manifest, manifest excluded, and the publication itself.
func s3Files(t *testing.T, out string, opts archive.S3Options) (map[string][]byte, *output.Publication) {
	t.Helper()
	ctx := context.Background()
	pub, err := output.ReadPublication(ctx, loctest.Parse(t, out), opts)
	if err != nil {
		t.Fatal(err)
	}
	root, err := archive.NewS3(ctx, loctest.Parse(t, out), opts)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for name, key := range pub.Files {
		rc, err := root.Open(ctx, key)
		if err != nil {
			t.Fatalf("%s is published as %s: %v", name, key, err)
		}
		files[name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return files, pub
}

// sameFiles reports every file that is missing from got or differs from
// want: summary.json and every Parquet file must be byte-identical. The
// quarantine names each object by its location (a path or an s3:// URL),
// so its entries are compared by archive key (the hour prefix and name).
func sameFiles(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: nothing to compare", what)
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[name]
		w := want[name]
		if ok && name == jobs.QuarantineFile {
			g, w = archiveKeys(t, g), archiveKeys(t, w)
		}
		switch {
		case !ok:
			t.Errorf("%s: %s is missing", what, name)
		case !bytes.Equal(g, w):
			t.Errorf("%s: %s differs (%d bytes, want %d)", what, name, len(g), len(w))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: unexpected file %s", what, name)
		}
	}
}

// TestRunFromS3MatchesLocal runs the job on an archive in S3 (plain, and
// gzip under a custom prefix) and on the same archive in a local folder:
// the summary, the quarantine and every Parquet file must be identical, and
// the counts those of the generator's facts.
func TestRunFromS3MatchesLocal(t *testing.T) {
	ep := s3test.Endpoint(t)
	for _, tc := range []struct {
		name   string
		mutate func(*generator.Config)
	}{
		{"plain", nil},
		{"gzip-prefix", func(c *generator.Config) { c.Gzip = true; c.Prefix = "slack/"; c.Seed = 7 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := smallS3Config()
			if tc.mutate != nil {
				tc.mutate(&cfg)
			}
			s3Src, s3Roster, dirSrc, dirRoster, facts := s3Archive(t, ep, cfg)
			opts := archive.S3Options{Endpoint: ep}

			fromS3 := t.TempDir()
			res := runTo(t, s3Src, s3Roster, fromS3, facts, opts)
			checkCounts(t, &res.Manifest.Counts, facts)
			checkTables(t, fromS3, facts)

			fromDir := t.TempDir()
			local := runTo(t, dirSrc, dirRoster, fromDir, facts, archive.S3Options{})
			if !reflect.DeepEqual(res.Manifest.Counts, local.Manifest.Counts) {
				t.Errorf("counts from S3 %+v\nfrom the folder %+v", res.Manifest.Counts, local.Manifest.Counts)
			}
			sameFiles(t, "from S3 vs from the folder", localFiles(t, fromS3), localFiles(t, fromDir))
		})
	}
}

// TestRunFromS3EndpointEnv checks that AWS_ENDPOINT_URL_S3 alone (no
// endpoint option) reaches an S3-compatible server, with path-style
// addressing on by default: 127.0.0.1 has no bucket subdomains.
func TestRunFromS3EndpointEnv(t *testing.T) {
	ep := s3test.Endpoint(t)
	cfg := smallS3Config()
	cfg.Messages, cfg.Days = 1500, 1
	s3Src, s3Roster, _, _, facts := s3Archive(t, ep, cfg)
	t.Setenv("AWS_ENDPOINT_URL_S3", ep)
	res := runTo(t, s3Src, s3Roster, t.TempDir(), facts, archive.S3Options{})
	checkCounts(t, &res.Manifest.Counts, facts)
}

// TestRunToS3Output writes the outputs to S3: the manifest must publish
// every partition, each referenced object must exist and hold the same
// bytes as a local run's file, and a second run must publish a new run
// whose files replace the first run's in the manifest.
func TestRunToS3Output(t *testing.T) {
	ep := s3test.Endpoint(t)
	cfg := smallS3Config()
	cfg.Gzip, cfg.Prefix = true, "slack/"
	s3Src, s3Roster, dirSrc, dirRoster, facts := s3Archive(t, ep, cfg)
	opts := archive.S3Options{Endpoint: ep}
	bucket := loctest.Parse(t, s3Src).Bucket()
	out := "s3://" + bucket + "/out/"

	localOut := t.TempDir()
	runTo(t, dirSrc, dirRoster, localOut, facts, archive.S3Options{})
	want := localFiles(t, localOut)

	first := runTo(t, s3Src, s3Roster, out, facts, opts)
	got, pub1 := s3Files(t, out, opts)
	sameFiles(t, "S3 output vs local output", got, want)
	var partitions int
	for day := facts.Start; day.Before(facts.End); day = day.AddDate(0, 0, 1) {
		for _, table := range first.Manifest.Tables {
			name := output.PartitionPath(table, "date", day.Format(time.DateOnly), "part-0.parquet")
			if key := pub1.Files[name]; !strings.HasPrefix(key, output.RunsDir+"/"+pub1.Run+"/") {
				t.Errorf("partition %s published as %q, want under run %s", name, key, pub1.Run)
			}
			partitions++
		}
	}
	if partitions == 0 {
		t.Fatal("no partitions expected: the test checks nothing")
	}

	// The top-level manifest is the job's, plus the publication; the
	// top-level summary.json is a copy for dashboards.
	root, err := archive.NewS3(context.Background(), loctest.Parse(t, out), opts)
	if err != nil {
		t.Fatal(err)
	}
	var m jobs.Manifest
	if err := json.Unmarshal(s3test.ReadAll(t, root, output.ManifestName), &m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Counts, first.Manifest.Counts) || m.Out != out {
		t.Errorf("published manifest says counts %+v, out %q; the run %+v, %q", m.Counts, m.Out, first.Manifest.Counts, out)
	}
	if s := s3test.ReadAll(t, root, "summary.json"); !bytes.Equal(s, want["summary.json"]) {
		t.Error("top-level summary.json differs from the run's")
	}

	// A second run over the same range publishes a new run: the manifest
	// no longer names any object of the first, which stay for readers that
	// still hold the old manifest.
	runTo(t, s3Src, s3Roster, out, facts, opts)
	got, pub2 := s3Files(t, out, opts)
	sameFiles(t, "second S3 output vs local output", got, want)
	if pub2.Run == pub1.Run {
		t.Fatalf("second run published the same run id %s", pub1.Run)
	}
	for name, key := range pub2.Files {
		if !strings.HasPrefix(key, output.RunsDir+"/"+pub2.Run+"/") {
			t.Errorf("%s still published from %s", name, key)
		}
	}
	old := s3test.Keys(t, ep, bucket, "out/"+output.RunsDir+"/"+pub1.Run+"/")
	if len(old) != len(pub1.Files)+1 { // + the run's own manifest
		t.Errorf("first run's prefix holds %d objects, want %d", len(old), len(pub1.Files)+1)
	}
}

// archiveKeys rewrites the quarantine's object locations to their last
// five path elements: YYYY/MM/DD/HH/name.
func archiveKeys(t *testing.T, ndjson []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	dec := json.NewDecoder(bytes.NewReader(ndjson))
	for dec.More() {
		var e pipeline.QuarantineEntry
		if err := dec.Decode(&e); err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(e.Key, "/")
		e.Key = strings.Join(parts[max(0, len(parts)-5):], "/")
		if err := enc.Encode(&e); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}
