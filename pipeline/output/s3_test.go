package output

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/internal/testutil/s3test"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// newTestS3 opens rawURL on the test server (or on endpoint, e.g. a proxy).
func newTestS3(t *testing.T, endpoint, rawURL string, opts archive.S3Options) *archive.S3 {
	t.Helper()
	opts.Endpoint = endpoint
	s, err := archive.NewS3(t.Context(), loctest.Parse(t, rawURL), opts)
	if err != nil {
		t.Fatalf("NewS3(%q): %v", rawURL, err)
	}
	return s
}

// published returns the files the output at root publishes, with their
// contents, read through the manifest.
func published(t *testing.T, root *archive.S3) (*Publication, map[string]string) {
	t.Helper()
	pub, err := ReadPublication(t.Context(), loctest.Parse(t, root.String()), archive.S3Options{Endpoint: s3test.Endpoint(t)})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for name, key := range pub.Files {
		if !strings.HasPrefix(key, RunsDir+"/") {
			t.Errorf("%s is published as %s, outside %s/", name, key, RunsDir)
		}
		files[name] = string(s3test.ReadAll(t, root, key))
	}
	return pub, files
}

func writeAll(t *testing.T, o Output, files map[string]string) {
	t.Helper()
	for _, n := range slices.Sorted(maps.Keys(files)) {
		if err := o.WriteFile(t.Context(), n, []byte(files[n])); err != nil {
			t.Fatalf("WriteFile(%q): %v", n, err)
		}
	}
}

func TestS3OutputPublish(t *testing.T) {
	t.Parallel()
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)
	loc := loctest.Parse(t, "s3://"+bucket+"/out/")
	root := newTestS3(t, ep, loc.String(), archive.S3Options{})
	opts := archive.S3Options{Endpoint: ep}

	if _, err := ReadPublication(t.Context(), loc, opts); !errors.Is(err, archive.ErrNotExist) {
		t.Fatalf("ReadPublication of an empty output: err = %v, want ErrNotExist", err)
	}

	o, err := OpenOutput(t.Context(), loc, opts)
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]string{
		"offices/date=2016-11-18/part-0.parquet": "o18",
		"offices/date=2016-11-18/part-1.parquet": "o18b",
		"offices/date=2016-11-19/part-0.parquet": "o19",
		"users/date=2016-11-18/part-0.parquet":   "u18",
		"summary.json":                           "s1",
		"quarantine/quarantine.ndjson":           "q1",
	}
	writeAll(t, o, first)
	if err := o.WriteFile(t.Context(), ManifestName, []byte("{\n  \"run\": 1\n}\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Open(t.Context(), ManifestName); !errors.Is(err, archive.ErrNotExist) {
		t.Fatalf("manifest visible before Commit: err = %v", err)
	}
	if err := o.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := o.Abort(); err != nil { // as jobs does after a failed Commit
		t.Fatal(err)
	}
	pub1, got := published(t, root)
	if !reflect.DeepEqual(got, first) {
		t.Errorf("after the first Commit:\n%v\nwant\n%v", got, first)
	}
	run1 := o.(*S3Output).Run()
	if pub1.Run != run1 {
		t.Errorf("published run %q, want %q", pub1.Run, run1)
	}
	var m map[string]any
	if err := json.Unmarshal(s3test.ReadAll(t, root, ManifestName), &m); err != nil {
		t.Fatal(err)
	}
	if m["run"] != 1.0 {
		t.Errorf("the job's manifest members were not kept: %v", m)
	}
	if got := string(s3test.ReadAll(t, root, "runs/"+run1+"/"+ManifestName)); got != "{\n  \"run\": 1\n}\n" {
		t.Errorf("run manifest = %q", got)
	}
	if got := string(s3test.ReadAll(t, root, "summary.json")); got != "s1" {
		t.Errorf("top-level summary.json = %q", got)
	}

	// A second run replaces the partitions it writes, whole: part-1 of
	// 2016-11-18 goes, 2016-11-19 and users stay, from the first run.
	o2, err := NewS3Output(t.Context(), loc, opts)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, o2, map[string]string{
		"offices/date=2016-11-18/part-0.parquet": "o18-v2",
		"summary.json":                           "s2",
		ManifestName:                             `{"run": 2}`,
	})
	if err := o2.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	pub2, got := published(t, root)
	want := map[string]string{
		"offices/date=2016-11-18/part-0.parquet": "o18-v2",
		"offices/date=2016-11-19/part-0.parquet": "o19",
		"users/date=2016-11-18/part-0.parquet":   "u18",
		"summary.json":                           "s2",
		"quarantine/quarantine.ndjson":           "q1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the second Commit:\n%v\nwant\n%v", got, want)
	}
	if pub2.Run != o2.Run() || pub2.Run == pub1.Run {
		t.Errorf("second run id %q (first %q)", pub2.Run, pub1.Run)
	}
	if k := pub2.Files["users/date=2016-11-18/part-0.parquet"]; !strings.HasPrefix(k, "runs/"+run1+"/") {
		t.Errorf("untouched partition moved to %s", k)
	}
	if got := string(s3test.ReadAll(t, root, "summary.json")); got != "s2" {
		t.Errorf("top-level summary.json = %q", got)
	}
}

func TestS3OutputAbort(t *testing.T) {
	t.Parallel()
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)
	loc := loctest.Parse(t, "s3://"+bucket+"/out")
	root := newTestS3(t, ep, loc.String(), archive.S3Options{})
	opts := archive.S3Options{Endpoint: ep}

	o, err := NewS3Output(t.Context(), loc, opts)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, o, map[string]string{"offices/date=2016-11-18/part-0.parquet": "o1", ManifestName: "{}"})
	if err := o.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := s3test.ReadAll(t, root, ManifestName)

	failed, err := NewS3Output(t.Context(), loc, opts)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, failed, map[string]string{
		"offices/date=2016-11-18/part-0.parquet": "o2",
		"offices/date=2016-11-19/part-0.parquet": "o2",
		"summary.json":                           "s2",
	})
	if n := len(s3test.Collect(t, root.List(t.Context(), "runs/"+failed.Run()+"/"))); n != 3 {
		t.Fatalf("%d objects under the failed run's prefix before Abort, want 3", n)
	}
	if err := failed.Abort(); err != nil {
		t.Fatal(err)
	}
	if left := s3test.Collect(t, root.List(t.Context(), "runs/"+failed.Run()+"/")); len(left) != 0 {
		t.Errorf("Abort left %v", left)
	}
	if after := s3test.ReadAll(t, root, ManifestName); string(after) != string(before) {
		t.Errorf("Abort changed the manifest:\n%s\nwas\n%s", after, before)
	}
	if _, err := root.Open(t.Context(), "summary.json"); !errors.Is(err, archive.ErrNotExist) {
		t.Errorf("a failed run left a top-level summary.json: err = %v", err)
	}
}

// TestS3OutputRefusesForeignManifest checks that a manifest without the
// publication (one not written by an S3Output) stops the run at once
// rather than being replaced by one that forgets its files.
func TestS3OutputRefusesForeignManifest(t *testing.T) {
	t.Parallel()
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)
	root := newTestS3(t, ep, "s3://"+bucket, archive.S3Options{})
	if err := root.Put(t.Context(), ManifestName, []byte(`{"schema":"wiretap.manifest/v1"}`)); err != nil {
		t.Fatal(err)
	}
	_, err := NewS3Output(t.Context(), loctest.Parse(t, "s3://"+bucket), archive.S3Options{Endpoint: ep})
	if err == nil || !strings.Contains(err.Error(), "published") {
		t.Fatalf("err = %v, want one about the missing publication", err)
	}
}

func TestWithPublication(t *testing.T) {
	pub := &Publication{Schema: PublicationSchema, Run: "r1", Files: map[string]string{"b": "runs/r1/b", "a": "runs/r1/a"}}
	for _, tt := range []struct {
		Name, Manifest, Want, Error string
	}{
		{"indented", "{\n  \"x\": 1\n}\n", "{\n  \"x\": 1,\n  \"published\": {\n    \"schema\": \"wiretap.published/v1\",\n    \"run\": \"r1\",\n    \"files\": {\n      \"a\": \"runs/r1/a\",\n      \"b\": \"runs/r1/b\"\n    }\n  }\n}\n", ""},
		{"empty", "{}", "{\n  \"published\": {\n    \"schema\": \"wiretap.published/v1\",\n    \"run\": \"r1\",\n    \"files\": {\n      \"a\": \"runs/r1/a\",\n      \"b\": \"runs/r1/b\"\n    }\n  }\n}\n", ""},
		{"not-object", "[1]", "", "not a JSON object"},
		{"not-json", "m1", "", "not a JSON object"},
		{"taken", `{"published": 1}`, "", "already has"},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			got, err := withPublication([]byte(tt.Manifest), pub)
			if tt.Error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.Error) {
					t.Fatalf("err = %v, want %q", err, tt.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.Want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.Want)
			}
			if !json.Valid(got) {
				t.Error("result is not valid JSON")
			}
		})
	}
}

func TestOpenOutput(t *testing.T) {
	dir := t.TempDir()
	for _, raw := range []string{dir, "file://" + dir} {
		loc := loctest.Parse(t, raw)
		o, err := OpenOutput(context.Background(), loc, archive.S3Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := o.(*LocalOutput); !ok {
			t.Errorf("OpenOutput(%q) = %T, want *LocalOutput", loc, o)
		}
		if err := o.Abort(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := OpenOutput(context.Background(), archive.Location{}, archive.S3Options{}); err == nil {
		t.Error("OpenOutput accepted no location")
	}
}

// TestS3ListRetriesBrokenBody checks that a ListObjectsV2 page whose body
// breaks off - cut cleanly, reset, or gone silent - is retried: the SDK
// retries only failures before the response headers. (It sits here rather
// than in s3_test.go because S3Output's commit and abort list and delete
// through the same client.)
func TestS3ListRetriesBrokenBody(t *testing.T) {
	t.Parallel()
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)
	root := newTestS3(t, ep, "s3://"+bucket, archive.S3Options{})
	objects := map[string][]byte{}
	for i := range 60 {
		objects[fmt.Sprintf("runs/r1/offices/date=2016-11-%02d/part-0.parquet", i%30+1)+fmt.Sprint(i)] = []byte("x")
	}
	s3test.PutAll(t, root, objects)
	for _, mode := range []string{"fin", "reset", "stall"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			proxy := s3test.NewFaultProxy(t, ep, 1500, mode)
			s := newTestS3(t, proxy.URL(), "s3://"+bucket, archive.S3Options{ReadTimeout: 500 * time.Millisecond})
			start := time.Now()
			if got := s3test.Collect(t, s.List(t.Context(), "runs/")); len(got) != len(objects) {
				t.Errorf("listed %d objects, want %d", len(got), len(objects))
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("List took %v", d)
			}
			if conns, _ := proxy.Stats(); conns < 2 {
				t.Errorf("%d connections: the cut did not happen", conns)
			}
		})
	}
}
