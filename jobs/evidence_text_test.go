package jobs_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// archiveTexts decodes every record of a local archive, independently of
// the engine, and returns the texts of its authored messages by ref
// ("channel/ts"). Copies of a message carry the same text, so each set
// normally has one.
func archiveTexts(t *testing.T, dir string) map[string]map[string]bool {
	t.Helper()
	// An edited message's evidence carries its edited text: one of its
	// edits' (which one wins, the test does not tell).
	texts, edits := map[string]map[string]bool{}, map[string]map[string]bool{}
	var dec schema.Decoder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) == "roster.csv" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil // not an archive object
			}
			if data, err = io.ReadAll(zr); err != nil {
				return nil
			}
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			dec.Reset(sc.Bytes())
			for {
				var m schema.Message
				err := dec.Next(&m)
				if errors.Is(err, io.EOF) {
					break
				}
				edit := err == nil && m.Subtype == "message_changed"
				if err != nil || !m.IsAuthored() && !edit {
					continue
				}
				into := texts
				if edit {
					into = edits
				}
				ref := aggregate.RefAt(m.ChannelID, m.Time).String()
				if into[ref] == nil {
					into[ref] = map[string]bool{}
				}
				into[ref][strings.Clone(m.Text)] = true
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(texts, edits)
	return texts
}

// summaryRefs decodes summary.json generically and returns every message
// ref in it, wherever it is, as the maps they decode to.
func summaryRefs(t *testing.T, data []byte) (doc any, refs []map[string]any) {
	t.Helper()
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["ts"]; ok {
				if _, ok := v["channel"]; ok {
					refs = append(refs, v)
					return
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return doc, refs
}

// hasColumn says whether a Parquet file has a top-level column (or group).
func hasColumn(t *testing.T, name string, data []byte, column string) bool {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, field := range f.Schema().Fields() {
		if field.Name() == column {
			return true
		}
	}
	return false
}

// TestEvidenceText runs with IncludeText and checks that every evidence
// text, in summary.json and in the tables, is the text of the very message
// the ref points at; that a run without it writes no text at all and
// otherwise the same outputs; and that shards merged, and queries, keep
// the text.
func TestEvidenceText(t *testing.T) {
	dir, roster, facts := genArchive(t, func(c *generator.Config) { c.Messages = 4000; c.Days = 3; c.Users = 30 })
	texts := archiveTexts(t, dir)
	withText := func(o *jobs.RunOptions) { o.IncludeText = true }
	textOut, res := runRange(t, dir, roster, facts.Start, facts.End, withText)
	plainOut, _ := runRange(t, dir, roster, facts.Start, facts.End, nil)

	// summary.json: every ref has its message's text.
	summary, err := os.ReadFile(filepath.Join(textOut, jobs.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	textDoc, refs := summaryRefs(t, summary)
	withTexts := 0
	for _, r := range refs {
		ref := r["channel"].(string) + "/" + r["ts"].(string)
		text, _ := r["text"].(string)
		if !texts[ref][text] {
			t.Errorf("summary ref %s has text %q; the archive's message has %v", ref, text, texts[ref])
		}
		if text != "" {
			withTexts++
		}
		delete(r, "text")
	}
	if len(refs) < 50 || withTexts < len(refs)*9/10 {
		t.Fatalf("%d of %d summary refs have text", withTexts, len(refs))
	}
	if !res.Manifest.IncludeText {
		t.Error("manifest of a run with text does not say so")
	}
	if err := compileSchema(t, summarySchemaFile).Validate(readJSON(t, summary)); err != nil {
		t.Errorf("summary.json with text does not match %s:\n%v", summarySchemaFile, err)
	}

	// The tables: evidence_text is parallel to evidence, with the texts.
	checkTable := func(what string, refs, got []string) {
		t.Helper()
		if len(got) != len(refs) {
			t.Errorf("%s: %d evidence texts for %d refs", what, len(got), len(refs))
			return
		}
		for i, ref := range refs {
			if !texts[ref][got[i]] {
				t.Errorf("%s: text %q for %s; the archive's message has %v", what, got[i], ref, texts[ref])
			}
		}
	}
	tableTexts := 0
	for day := facts.Start; day.Before(facts.End); day = day.AddDate(0, 0, 1) {
		d := day.Format(time.DateOnly)
		for _, r := range readRows[aggregate.OfficeTextRow](t, textOut, jobs.TableOffices, d) {
			checkTable(d+" office "+r.Office, r.Evidence, r.EvidenceText)
			tableTexts += len(r.EvidenceText)
		}
		for _, r := range readRows[aggregate.UserTextRow](t, textOut, jobs.TableUsers, d) {
			checkTable(d+" user "+r.UserID, r.Evidence, r.EvidenceText)
			tableTexts += len(r.EvidenceText)
		}
		for _, r := range readRows[aggregate.TopicTextRow](t, textOut, jobs.TableTopics, d) {
			checkTable(d+" topic "+r.Topic, r.Evidence, r.EvidenceText)
			tableTexts += len(r.EvidenceText)
		}
	}
	if tableTexts == 0 {
		t.Fatal("no evidence text in the tables")
	}

	// Without text: no text anywhere, and otherwise the same outputs.
	plain := publishedFiles(t, plainOut)
	plainDoc, refs := summaryRefs(t, plain[jobs.SummaryFile])
	for _, r := range refs {
		if _, ok := r["text"]; ok {
			t.Fatalf("a run without text wrote a ref with text: %v", r)
		}
	}
	if !reflect.DeepEqual(plainDoc, textDoc) {
		t.Error("summary.json without text differs from the one with text in more than the texts")
	}
	text := publishedFiles(t, textOut)
	for name, data := range plain {
		if !strings.HasSuffix(name, ".parquet") {
			continue
		}
		if hasColumn(t, name, data, "evidence_text") || hasColumn(t, name, data, "question_text") || !hasColumn(t, name, data, "office") && !hasColumn(t, name, data, "team_id") {
			t.Errorf("%s: a run without text has a text column (or the file has no columns)", name)
		}
		table, _, _ := strings.Cut(name, "/")
		col := map[string]string{jobs.TableOffices: "evidence_text", jobs.TableUsers: "evidence_text",
			jobs.TableTopics: "evidence_text", jobs.TableThreads: "question_text"}[table]
		if col == "" && !bytes.Equal(data, text[name]) {
			t.Errorf("%s differs between runs with and without text", name)
		}
		if col != "" && !hasColumn(t, name, text[name], col) {
			t.Errorf("%s: a run with text lacks the column %s", name, col)
		}
	}
	for name, data := range plain {
		for ref, ts := range texts {
			for s := range ts {
				// Long texts only: short ones could be topics or names.
				if len(s) > 40 && bytes.Contains(data, []byte(s)) {
					t.Fatalf("%s of a run without text contains the text of %s: %q", name, ref, s)
				}
			}
		}
	}

	// Shards, merged, give the run's files, texts and all.
	shardOut := t.TempDir()
	for i := range 2 {
		runRange(t, dir, roster, facts.Start, facts.End, func(o *jobs.RunOptions) {
			o.Out, o.Shard, o.IncludeText = loctest.Parse(t, shardOut), jobs.Shard{Index: i, Count: 2}, true
		})
	}
	merged, err := jobs.Merge(context.Background(), jobs.MergeOptions{Out: loctest.Parse(t, shardOut), Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	sameOutputs(t, "shards with text", publishedFiles(t, shardOut), text)
	if !merged.Manifest.IncludeText {
		t.Error("merged manifest of shards with text does not say so")
	}
	// A query reads the texts back from the partitions.
	q, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, textOut), From: facts.Start, To: facts.End})
	if err != nil {
		t.Fatal(err)
	}
	if got := summaryJSON(t, q.Summary); !bytes.Equal(got, summary) {
		t.Error("query over partitions with text differs from the run's summary.json")
	}

	// Shards must agree on text, and so must nightly runs on one state.
	mixed := t.TempDir()
	for i := range 2 {
		runRange(t, dir, roster, facts.Start, facts.End, func(o *jobs.RunOptions) {
			o.Out, o.Shard, o.IncludeText = loctest.Parse(t, mixed), jobs.Shard{Index: i, Count: 2}, i == 0
		})
	}
	if _, err := jobs.Merge(context.Background(), jobs.MergeOptions{Out: loctest.Parse(t, mixed), Shards: 2}); err == nil || !strings.Contains(err.Error(), "include-text") {
		t.Errorf("merge of shards with and without text: err = %v", err)
	}
}

// TestNightlyKeepsIncludeText checks that nightly refuses to switch text on
// or off over outputs it maintains: it would recompute only changed days.
func TestNightlyKeepsIncludeText(t *testing.T) {
	dir, roster, _ := genArchive(t, func(c *generator.Config) { c.Messages = 1000; c.Days = 1; c.Users = 10 })
	opts := jobs.RunOptions{Source: loctest.Parse(t, dir), Out: loctest.Parse(t, t.TempDir()), Roster: loctest.Parse(t, roster), Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio, IncludeText: true}
	first, err := jobs.Nightly(context.Background(), opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Summary == nil || !first.Manifest.IncludeText {
		t.Fatalf("first nightly: %+v", first.Manifest)
	}
	opts.IncludeText = false
	if _, err := jobs.Nightly(context.Background(), opts, archive.Location{}); err == nil || !strings.Contains(err.Error(), "include-text") {
		t.Errorf("nightly without text over a state with text: err = %v", err)
	}
}
