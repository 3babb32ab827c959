package output_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// tree returns the files below root, relative and slash-separated, with
// their contents.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func writeFiles(t *testing.T, o output.Output, files map[string]string) {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := o.WriteFile(context.Background(), n, []byte(files[n])); err != nil {
			t.Fatalf("WriteFile(%q): %v", n, err)
		}
	}
}

func TestLocalOutputCommit(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()

	// A first run.
	o, err := output.NewLocalOutput(root)
	if err != nil {
		t.Fatal(err)
	}
	if o.Location() != root {
		t.Errorf("Location = %q, want %q", o.Location(), root)
	}
	first := map[string]string{
		"offices/date=2016-11-18/part-0.parquet": "o18",
		"offices/date=2016-11-18/part-1.parquet": "o18b",
		"offices/date=2016-11-19/part-0.parquet": "o19",
		"users/date=2016-11-18/part-0.parquet":   "u18",
		"summary.json":                           "s1",
		"reports/nested/loose.txt":               "l1",
		output.ManifestName:                      "m1",
	}
	writeFiles(t, o, first)
	if got := tree(t, root); len(got) != 0 && !onlyStaging(got) {
		t.Errorf("files visible before Commit: %v", got)
	}
	if err := o.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, root); !reflect.DeepEqual(got, first) {
		t.Errorf("after the first Commit:\n%v\nwant\n%v", got, first)
	}

	// A second run replaces the partitions it writes, whole: part-1 of
	// 2016-11-18 goes, 2016-11-19 and users stay.
	o2, err := output.NewLocalOutput(root)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, o2, map[string]string{
		"offices/date=2016-11-18/part-0.parquet": "o18-v2",
		"summary.json":                           "s2",
		output.ManifestName:                      "m2",
	})
	if err := o2.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"offices/date=2016-11-18/part-0.parquet": "o18-v2",
		"offices/date=2016-11-19/part-0.parquet": "o19",
		"users/date=2016-11-18/part-0.parquet":   "u18",
		"summary.json":                           "s2",
		"reports/nested/loose.txt":               "l1",
		output.ManifestName:                      "m2",
	}
	if got := tree(t, root); !reflect.DeepEqual(got, want) {
		t.Errorf("after the second Commit:\n%v\nwant\n%v", got, want)
	}
	assertNoStaging(t, root)
}

func onlyStaging(files map[string]string) bool {
	for f := range files {
		if !strings.HasPrefix(f, ".staging-") {
			return false
		}
	}
	return true
}

func assertNoStaging(t *testing.T, root string) {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("%s left behind in the output root", e.Name())
		}
	}
}

// TestLocalOutputManifestLast checks that the manifest is published after
// every other file: when it appears, all the rest is in place.
func TestLocalOutputManifestLast(t *testing.T) {
	root := t.TempDir()
	o, err := output.NewLocalOutput(root)
	if err != nil {
		t.Fatal(err)
	}
	// Write the manifest first, to be sure order of writing does not matter.
	writeFiles(t, o, map[string]string{output.ManifestName: "m"})
	writeFiles(t, o, map[string]string{"a/date=x/p": "1", "zzz.json": "2", "b/c.txt": "3"})

	// Make publishing a partition fail: a file where its table folder goes.
	// Commit must stop before the manifest.
	if err := os.WriteFile(filepath.Join(root, "a"), []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := o.Commit(context.Background()); err == nil {
		t.Fatal("Commit succeeded with a file in the way")
	}
	if _, err := os.Stat(filepath.Join(root, output.ManifestName)); err == nil {
		t.Error("manifest published by a failed Commit")
	}
	if err := o.Abort(); err != nil {
		t.Fatal(err)
	}
	assertNoStaging(t, root)
}

func TestLocalOutputAbort(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()
	o, err := output.NewLocalOutput(root)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]string{
		"offices/date=2016-11-18/part-0.parquet": "old",
		output.ManifestName:                      "old manifest",
	}
	writeFiles(t, o, before)
	if err := o.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	o2, err := output.NewLocalOutput(root)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, o2, map[string]string{
		"offices/date=2016-11-18/part-0.parquet": "new",
		"offices/date=2016-11-20/part-0.parquet": "new",
		output.ManifestName:                      "new manifest",
	})
	if err := o2.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, root); !reflect.DeepEqual(got, before) {
		t.Errorf("after Abort:\n%v\nwant the previous outputs\n%v", got, before)
	}
	assertNoStaging(t, root)
	// Abort twice is harmless.
	if err := o2.Abort(); err != nil {
		t.Errorf("second Abort: %v", err)
	}
}

// TestLocalOutputRewrite writes the same file twice in one run: the last
// write wins and Commit publishes it.
func TestLocalOutputRewrite(t *testing.T) {
	root := t.TempDir()
	o, err := output.NewLocalOutput(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, v := range []string{"1", "2"} {
		for _, n := range []string{"summary.json", "t/date=d/p", output.ManifestName} {
			if err := o.WriteFile(ctx, n, []byte(v)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := o.Commit(ctx); err != nil {
		t.Fatalf("Commit after rewriting files: %v", err)
	}
	want := map[string]string{"summary.json": "2", "t/date=d/p": "2", output.ManifestName: "2"}
	if got := tree(t, root); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestLocalOutputInvalidNames(t *testing.T) {
	root := t.TempDir()
	o, err := output.NewLocalOutput(root)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Abort()
	for _, name := range []string{"", ".", "..", "../escape", "/abs", "a/../b", "a//b", "a/", "./a", `a\..\..\b`} {
		if strings.Contains(name, `\`) && filepath.Separator != '\\' {
			continue // a plain file name on this system
		}
		if err := o.WriteFile(context.Background(), name, []byte("x")); err == nil {
			t.Errorf("WriteFile(%q) accepted", name)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(root), "escape")); err == nil {
		t.Error("a file escaped the output root")
	}
}

func TestLocalOutputCancelledCommit(t *testing.T) {
	root := t.TempDir()
	o, err := output.NewLocalOutput(root)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, o, map[string]string{"t/date=d/p": "x", output.ManifestName: "m"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Commit(ctx); err == nil {
		t.Error("Commit with a cancelled context succeeded")
	}
	if _, err := os.Stat(filepath.Join(root, output.ManifestName)); err == nil {
		t.Error("manifest published by a cancelled Commit")
	}
	o.Abort()
}

func TestPartitionPath(t *testing.T) {
	if got, want := output.PartitionPath("offices", "date", "2016-11-18", "part-0.parquet"), "offices/date=2016-11-18/part-0.parquet"; got != want {
		t.Errorf("PartitionPath = %q, want %q", got, want)
	}
}

func roundTripParquet[T any](t *testing.T, rows []T) {
	t.Helper()
	data, err := output.EncodeParquet(rows, "test")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("PAR1")) || !bytes.HasSuffix(data, []byte("PAR1")) {
		t.Fatalf("%T: not a Parquet file", rows)
	}
	got, err := parquet.Read[T](bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%T: %v", rows, err)
	}
	if len(rows) == 0 && len(got) == 0 {
		return
	}
	if !reflect.DeepEqual(got, rows) {
		t.Errorf("%T round trip:\ngot  %+v\nwant %+v", rows, got, rows)
	}
}

func TestEncodeParquet(t *testing.T) {
	sc := aggregate.SentimentColumns{SentimentN: 3, SentimentSum: 0.5, SentimentSumSq: 0.1234, Positive: 1, Neutral: 1, Negative: 1}
	sarc := aggregate.SarcasmColumns{Sarcastic: 1, SarcasmSum: 1.25}
	ev := []string{"C1/1479000000.000001", "C2/1479000001.000002"}
	// Lists read back as empty, not nil: the rows say so too.
	mood := aggregate.MoodEvidenceColumns{PositiveEvidence: ev[:1], PositiveEvidenceScore: []int64{9000},
		NegativeEvidence: ev, NegativeEvidenceScore: []int64{800, 700}}
	noMood := aggregate.MoodEvidenceColumns{PositiveEvidence: []string{}, PositiveEvidenceScore: []int64{},
		NegativeEvidence: []string{}, NegativeEvidenceScore: []int64{}}
	roundTripParquet(t, []aggregate.OfficeRow{
		{Office: "Berlin", Messages: 10, ActiveUsers: 2, Words: 55, ThreadReplies: 3, MentionsReceived: 4, SentimentColumns: sc, SarcasmColumns: sarc, Evidence: ev, MoodEvidenceColumns: mood},
		{Office: aggregate.Unassigned, Messages: 1, Evidence: []string{}, MoodEvidenceColumns: noMood},
	})
	roundTripParquet(t, []aggregate.UserRow{
		{TeamID: "T1", UserID: "U1", UserName: "steve", Office: "Berlin", Messages: 3, Words: 9, SentimentColumns: sc, SarcasmColumns: sarc, Evidence: ev[:1],
			MentionEvidence: ev, SarcasmEvidence: ev[1:], SarcasmEvidenceScore: []int64{6000}, MoodEvidenceColumns: mood},
		{TeamID: "T1", UserID: "U2", Office: aggregate.Unassigned, MentionsReceived: 2, Evidence: []string{},
			MentionEvidence: []string{}, SarcasmEvidence: []string{}, SarcasmEvidenceScore: []int64{}, MoodEvidenceColumns: noMood},
	})
	roundTripParquet(t, []aggregate.ThreadRow{
		{TeamID: "T1", ChannelID: "C1", ThreadTS: "1479000000.000001", Office: "Berlin", ParentSeen: true, Question: true, Replies: 2, FirstReplyTS: "1479000060.000001"},
		{TeamID: "T1", ChannelID: "C2", ThreadTS: "1479000001.000002", Replies: 1, FirstReplyTS: "1479000061.000002"},
	})
	roundTripParquet(t, []aggregate.ChannelRow{{TeamID: "T1", ChannelID: "C1", ChannelName: "général ☃", Messages: 2, ActiveUsers: 1}})
	roundTripParquet(t, []aggregate.TopicRow{{Office: "NYC", Topic: "release plan", Kind: aggregate.KindBigram, Messages: 2, SentimentColumns: sc, Evidence: ev,
		AuthorColumns: aggregate.AuthorColumns{AuthorHashes: []int64{-3, 8}}}})
	roundTripParquet(t, []aggregate.ChannelUserRow{{TeamID: "T1", ChannelID: "C1", UserID: "U1", Messages: 2}})
	roundTripParquet(t, []aggregate.ActivityRow{{Office: "NYC", HourOfWeek: 0, Messages: 1, AuthorColumns: aggregate.AuthorColumns{AuthorHashes: []int64{5}}},
		{Office: "NYC", HourOfWeek: 167, Messages: 9, AuthorColumns: aggregate.AuthorColumns{AuthorHashes: []int64{}, ManyAuthors: true}}})
	roundTripParquet(t, []aggregate.ActivityRow{})

	// Column names are the documented ones.
	data, err := output.EncodeParquet([]aggregate.UserRow{{TeamID: "T1"}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range f.Schema().Columns() {
		cols = append(cols, strings.Join(c, "."))
	}
	wantCols := []string{"team_id", "user_id", "user_name", "office", "messages", "words", "thread_replies",
		"mentions_received", "reactions_received", "sentiment_n", "sentiment_sum", "sentiment_sumsq", "positive", "neutral", "negative",
		"sarcastic", "sarcasm_sum", "evidence.list.element", "mention_evidence.list.element",
		"sarcasm_evidence.list.element", "sarcasm_evidence_score.list.element",
		"positive_evidence.list.element", "positive_evidence_score.list.element",
		"negative_evidence.list.element", "negative_evidence_score.list.element"}
	if !reflect.DeepEqual(cols, wantCols) {
		t.Errorf("users columns = %v, want %v", cols, wantCols)
	}
	if cb := f.Metadata().CreatedBy; !strings.Contains(cb, "wiretap") {
		t.Errorf("created_by = %q", cb)
	}

	// The same rows encode to the same bytes.
	again, err := output.EncodeParquet([]aggregate.UserRow{{TeamID: "T1"}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Error("EncodeParquet is not deterministic")
	}
}

// TestLocalOutputWriteFileFunc streams files into the staging area: one
// written in many small pieces is published whole, one rewritten keeps the
// last content, and a writer's error fails the call naming the file,
// which is then not published.
func TestLocalOutputWriteFileFunc(t *testing.T) {
	root := t.TempDir()
	o, err := output.NewLocalOutput(root)
	if err != nil {
		t.Fatal(err)
	}
	var so output.StreamingOutput = o
	ctx := context.Background()
	big := strings.Repeat("line of the quarantine\n", 50_000) // past the write buffer
	pieces := func(s string) func(io.Writer) error {
		return func(w io.Writer) error {
			for l := range strings.Lines(s) {
				if _, err := io.WriteString(w, l); err != nil {
					return err
				}
			}
			return nil
		}
	}
	for _, step := range []struct{ name, content string }{
		{"quarantine/q.ndjson", "old\n"}, {"quarantine/q.ndjson", big}, {"empty", ""},
	} {
		if err := so.WriteFileFunc(ctx, step.name, pieces(step.content)); err != nil {
			t.Fatal(err)
		}
	}
	errBoom := errors.New("boom")
	err = so.WriteFileFunc(ctx, "broken", func(w io.Writer) error { return errBoom })
	if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), "broken") {
		t.Errorf("got %v, want boom naming the file", err)
	}
	if err := so.WriteFileFunc(ctx, "../escape", pieces("x")); err == nil {
		t.Error("WriteFileFunc(../escape) accepted")
	}
	if err := o.WriteFile(ctx, output.ManifestName, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := o.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := tree(t, root)
	want := map[string]string{"quarantine/q.ndjson": big, "empty": "", output.ManifestName: "{}"} // not the broken one
	if !reflect.DeepEqual(got, want) {
		t.Errorf("published %d files %v, want %v", len(got), slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
}
