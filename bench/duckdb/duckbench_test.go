package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// wiretapRun generates a small multi-team archive, runs Wiretap over it and
// returns the archive folder, the output folder and the ground truth.
func wiretapRun(t *testing.T) (dir, out string, facts *generator.Facts) {
	t.Helper()
	cfg := generator.DefaultConfig()
	cfg.Messages, cfg.Days, cfg.Users = 6000, 3, 40
	cfg.Teams, cfg.Channels, cfg.Vocabulary, cfg.ZipfExponent = 2, 10, 3000, 1.07
	dir, out = t.TempDir(), t.TempDir()
	ctx := context.Background()
	facts, err := generator.Generate(ctx, cfg, archive.Dir{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	roster := filepath.Join(dir, "roster.csv")
	if err := os.WriteFile(roster, facts.RosterCSV(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Run(ctx, jobs.RunOptions{Source: loctest.Parse(t, dir), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster),
		From: facts.Start, To: facts.End, Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio}); err != nil {
		t.Fatal(err)
	}
	return dir, out, facts
}

// TestCheckOut reads a real run's tables back with DuckDB: they match its
// summary, and a summary or quarantine that disagrees is caught.
func TestCheckOut(t *testing.T) {
	_, out, _ := wiretapRun(t)
	ctx := context.Background()
	if err := checkOut(ctx, out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file, from, to, want string
	}{
		{"messages", "summary.json", `"messages": `, `"messages": 1`, "messages"},
		{"sarcasm", "summary.json", `"flagged": `, `"flagged": 9`, "sarcastic"},
		{"quarantine", "manifest.json", `"quarantined": `, `"quarantined": 7`, "quarantine"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := t.TempDir()
			if err := os.CopyFS(bad, os.DirFS(out)); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(bad, tc.file)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			edited := strings.Replace(string(data), tc.from, tc.to, 1)
			if edited == string(data) {
				t.Fatalf("%q not in %s", tc.from, tc.file)
			}
			if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := checkOut(ctx, bad, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error about %s", err, tc.want)
			}
		})
	}
}

// TestQueries runs each DuckDB query over a generated archive and checks
// the answers against the generator's ground truth: the (ab) query answers
// what (a) and (b) answer apart, every valid record with a user is
// counted once per copy, and the top word is the vocabulary's first.
func TestQueries(t *testing.T) {
	archive, out, facts := wiretapRun(t)
	var m struct {
		Counts struct {
			BytesRead int64 `json:"bytes_read"`
			Parsed    int64 `json:"parsed"`
			Dups      int64 `json:"duplicates"`
		} `json:"counts"`
	}
	data, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	// The look-behind lists the hour before a range: a second day's
	// range without it misses the objects of the first day's last hour.
	second := facts.Start.AddDate(0, 0, 1)
	narrow, err := archiveFiles(archive, facts.Stream, second, facts.End, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	behind, err := archiveFiles(archive, facts.Stream, second, facts.End, time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(behind) <= len(narrow) {
		t.Errorf("the look-behind adds no objects: %d and %d", len(behind), len(narrow))
	}
	wide, err := archiveFiles(archive, facts.Stream, facts.Start, facts.End, time.Hour, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := openDB(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	answers := map[string]*Answer{}
	for _, q := range Queries {
		if answers[q], err = runQuery(ctx, db, q, wide); err != nil {
			t.Fatal(err)
		}
	}
	a, b, ab := answers["a"], answers["b"], answers["ab"]
	if a.Bytes != m.Counts.BytesRead {
		t.Errorf("DuckDB read %d bytes, Wiretap %d", a.Bytes, m.Counts.BytesRead)
	}
	if a.Groups == 0 || a.Groups != ab.Groups || a.Messages != ab.Messages {
		t.Errorf("(a) %+v and (ab) %+v disagree", *a, *ab)
	}
	if b.TopWords != 100 || b.TopWordsN != ab.TopWordsN || b.FirstWord != ab.FirstWord || b.FirstWord != "the" {
		t.Errorf("(b) %+v and (ab) %+v disagree, or the top word is not \"the\"", *b, *ab)
	}
	// Every parsed record but joins-less Slackbot reminders and bot
	// messages has a user; duplicates are copies DuckDB counts again.
	if limit := m.Counts.Parsed + m.Counts.Dups; a.Messages < facts.Authored || a.Messages > limit {
		t.Errorf("(a) counted %d messages, want between %d authored and %d records", a.Messages, facts.Authored, limit)
	}
	if _, err := querySQL("c", wide); err == nil {
		t.Error("query c accepted")
	}
}
