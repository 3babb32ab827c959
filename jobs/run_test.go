package jobs_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"

	"github.com/wiretap-hq/wiretap/internal/testutil/golden"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// archive generates a small archive with the default noise into a folder
// and returns the folder, its roster path and the generator's ground truth.
func genArchive(t *testing.T, mutate func(*generator.Config)) (dir, roster string, facts *generator.Facts) {
	t.Helper()
	cfg := generator.DefaultConfig()
	cfg.Messages = 20_000
	cfg.Days = 4
	cfg.Users = 60
	if mutate != nil {
		mutate(&cfg)
	}
	dir = t.TempDir()
	facts, err := generator.Generate(context.Background(), cfg, archive.Dir{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	roster = filepath.Join(dir, "roster.csv")
	if err := os.WriteFile(roster, facts.RosterCSV(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, roster, facts
}

func run(t *testing.T, src, roster string, facts *generator.Facts, workers int) (string, *jobs.Result) {
	t.Helper()
	out := t.TempDir()
	res, err := jobs.Run(context.Background(), jobs.RunOptions{
		Source: loctest.Parse(t, src), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), From: facts.Start, To: facts.End,
		Workers: workers, MaxBadRatio: jobs.DefaultMaxBadRatio,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, res
}

// TestRunAgainstFacts checks a whole run against the generator's ground
// truth: the accounting, the per-day counts of every user, office and
// channel read back from the Parquet files, and the planted facts.
func TestRunAgainstFacts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*generator.Config)
	}{
		{"plain", nil},
		{"gzip-prefix", func(c *generator.Config) { c.Gzip = true; c.Prefix = "slack/"; c.Seed = 7 }},
		{"teams-vocabulary", func(c *generator.Config) {
			c.Teams, c.Channels, c.Vocabulary, c.ZipfExponent, c.Seed, c.Messages = 3, 40, 20_000, 1.07, 6, 8000
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, roster, facts := genArchive(t, tc.mutate)
			src := filepath.Join(dir, strings.TrimSuffix(facts.Prefix, "/"))
			out, res := run(t, src, roster, facts, 2)
			if facts.MessagesEdited == 0 || facts.MessagesDeleted == 0 || facts.RevisionsDuplicated == 0 ||
				facts.EditsLate+facts.DeletesLate == 0 || facts.ReactionsApplied == 0 || len(facts.Moves) == 0 {
				t.Errorf("archive lacks the planted edits, deletions, duplicated and late revisions, reactions or move the test relies on: %+v", facts)
			}
			checkCounts(t, &res.Manifest.Counts, facts)
			checkTables(t, out, facts)
			checkPlanted(t, res.Summary, out, facts)
			checkQuarantine(t, out, facts)
		})
	}
}

func checkCounts(t *testing.T, c *pipeline.Counts, f *generator.Facts) {
	t.Helper()
	want := map[string][2]int64{
		"hours_listed":   {c.HoursListed, f.HoursListed},
		"objects_listed": {c.ObjectsListed, f.ObjectsListed},
		"keys_skipped":   {c.KeysSkipped, f.SkippedKeys},
		"records_read":   {c.RecordsRead, f.RecordsRead},
		"parsed":         {c.Parsed, f.Parsed},
		"quarantined":    {c.Quarantined, f.Quarantined},
		"duplicates":     {c.Duplicates, f.Duplicates},
		"in_range":       {c.InRange, f.InRange},
		"out_of_range":   {c.OutOfRange, f.OutOfRange},
		"authored":       {c.Authored, f.Authored},
		"bots":           {c.Bots, f.InRangeByKind["bots"]},
		"edits":          {c.Edits, f.InRangeByKind["edits"]},
		"deletions":      {c.Deletions, f.InRangeByKind["deletions"]},
		"reactions":      {c.Reactions, f.InRangeByKind["reactions"]},
		"other":          {c.Other, f.InRangeByKind["other"]},
	}
	// Edits, deletions and reactions: applied once each, however often
	// delivered; not seen; after the edit window.
	if c.RevisionCounts != f.RevisionCounts {
		t.Errorf("revisions %+v, facts say %+v", c.RevisionCounts, f.RevisionCounts)
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if got := want[name]; got[0] != got[1] {
			t.Errorf("%s = %d, facts say %d", name, got[0], got[1])
		}
	}
	if c.RecordsRead != c.Parsed+c.Quarantined+c.Duplicates || c.Parsed != c.InRange+c.OutOfRange {
		t.Errorf("accounting does not add up: %+v", c)
	}
	if f.Duplicates == 0 || f.Quarantined == 0 || f.LateRecords == 0 || f.GluedRecords == 0 {
		t.Errorf("archive lacks noise the test relies on: %+v", f)
	}

}

func readRows[T any](t *testing.T, out, table, day string) []T {
	t.Helper()
	rows, err := parquet.ReadFile[T](filepath.Join(out, table, "date="+day, "part-0.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func checkTables(t *testing.T, out string, f *generator.Facts) {
	t.Helper()
	mentions := map[string]int64{}
	reactions := map[string]int64{}
	officeReactions := map[string]int64{}
	channelReactions := map[string]int64{}
	emoji := map[string]int64{}
	for day := f.Start; day.Before(f.End); day = day.AddDate(0, 0, 1) {
		d := day.Format(time.DateOnly)
		users := map[string]int64{}
		replies := int64(0)
		for _, r := range readRows[aggregate.UserRow](t, out, jobs.TableUsers, d) {
			if r.Messages > 0 { // a user writing in several teams has a row in each
				users[r.UserID] += r.Messages
			}
			mentions[r.UserID] += r.MentionsReceived
			if r.ReactionsReceived != 0 {
				reactions[r.UserID] += r.ReactionsReceived
			}
			replies += r.ThreadReplies
			if want := f.OfficeOn(r.UserID, d); r.Office != want {
				t.Errorf("%s: user %s in office %q, roster says %q", d, r.UserID, r.Office, want)
			}
		}
		if !maps.Equal(users, f.MessagesByDayUser[d]) {
			t.Errorf("%s: messages per user differ from the facts (%d users vs %d)", d, len(users), len(f.MessagesByDayUser[d]))
		}
		if replies != f.ThreadRepliesByDay[d] {
			t.Errorf("%s: %d thread replies, facts say %d", d, replies, f.ThreadRepliesByDay[d])
		}
		offices := map[string]int64{}
		for _, r := range readRows[aggregate.OfficeRow](t, out, jobs.TableOffices, d) {
			offices[r.Office] = r.Messages
			if r.ReactionsReceived != 0 {
				officeReactions[r.Office] += r.ReactionsReceived
			}
			if r.SentimentN != r.Messages || r.Positive+r.Neutral+r.Negative != r.Messages {
				t.Errorf("%s: office %s sentiment counts %+v do not match %d messages", d, r.Office, r.SentimentColumns, r.Messages)
			}
		}
		if !maps.Equal(offices, f.MessagesByDayOffice[d]) {
			t.Errorf("%s: messages per office %v, facts say %v", d, offices, f.MessagesByDayOffice[d])
		}
		channels := map[string]int64{}
		for _, r := range readRows[aggregate.ChannelRow](t, out, jobs.TableChannels, d) {
			channels[r.ChannelID] = r.Messages
			if r.ReactionsReceived != 0 {
				channelReactions[r.ChannelID] += r.ReactionsReceived
			}
		}
		for _, r := range readRows[aggregate.ReactionRow](t, out, jobs.TableReactions, d) {
			emoji[r.Emoji] += r.ReactionsReceived
		}
		if !maps.Equal(channels, f.MessagesByDayChannel[d]) {
			t.Errorf("%s: messages per channel %v, facts say %v", d, channels, f.MessagesByDayChannel[d])
		}
	}
	for u, n := range f.MentionsReceived {
		if mentions[u] != n {
			t.Errorf("user %s received %d mentions, facts say %d", u, mentions[u], n)
		}
	}
	for _, c := range []struct {
		name      string
		got, want map[string]int64
	}{
		{"reactions by user", reactions, f.ReactionsReceived},
		{"reactions by office", officeReactions, f.ReactionsByOffice},
		{"reactions by channel", channelReactions, f.ReactionsByChannel},
		{"reactions by emoji", emoji, f.ReactionsByEmoji},
	} {
		if !maps.Equal(c.got, c.want) {
			t.Errorf("%s: %v, facts say %v", c.name, c.got, c.want)
		}
	}
}

// checkSarcasm checks the planted sarcasm: the planted sarcastic people
// lead most_sarcastic, nobody from the sincerely positive office is in its
// top five, and the sarcastic office has the highest sarcasm rate.
func checkSarcasm(t *testing.T, s *jobs.Summary, f *generator.Facts) {
	t.Helper()
	n := min(5, len(f.SarcasticUsers))
	if n == 0 || len(s.MostSarcastic) < n {
		t.Fatalf("%d planted sarcastic people, most_sarcastic %+v", len(f.SarcasticUsers), s.MostSarcastic)
	}
	for i, u := range s.MostSarcastic[:n] {
		if !slices.Contains(f.SarcasticUsers, u.UserID) || u.Office == f.PositiveOffice {
			t.Errorf("most_sarcastic #%d is %s of %s (rate %.4f), not a planted sarcastic person %v",
				i+1, u.UserID, u.Office, u.Sarcasm.Rate, f.SarcasticUsers)
		}
	}
	top := slices.MaxFunc(s.Offices, func(a, b jobs.OfficeSummary) int { return cmp.Compare(a.Sarcasm.Rate, b.Sarcasm.Rate) })
	if top.Office != f.SarcasticOffice {
		t.Errorf("most sarcastic office is %s (rate %.4f), planted %s", top.Office, top.Sarcasm.Rate, f.SarcasticOffice)
	}
}

func checkPlanted(t *testing.T, s *jobs.Summary, out string, f *generator.Facts) {
	t.Helper()
	if s.Totals.Messages != f.Messages || f.Messages != f.Authored-f.MessagesDeleted {
		t.Errorf("summary counts %d messages, facts say %d (%d written, %d deleted)", s.Totals.Messages, f.Messages,
			f.Authored, f.MessagesDeleted)
	}
	// The most reacted-to, read back from summary.json: exact counts, in
	// the facts' order. The facts count per user; with several teams the
	// summary ranks per team and user (the generator's people post in
	// every team's channels), so only the per-user sums of the users table,
	// checked by checkTables, compare there.
	if len(f.Teams) <= 1 {
		checkMostReacted(t, s, f)
	}
	var total int64
	for _, n := range f.ReactionsReceived {
		total += n
	}
	if s.Totals.ReactionsReceived != total {
		t.Errorf("totals.reactions_received = %d, facts say %d", s.Totals.ReactionsReceived, total)
	}
	happiest := slices.MaxFunc(s.Offices, func(a, b jobs.OfficeSummary) int {
		switch {
		case a.Sentiment.Mean < b.Sentiment.Mean:
			return -1
		case a.Sentiment.Mean > b.Sentiment.Mean:
			return 1
		}
		return 0
	})
	if happiest.Office != f.PositiveOffice {
		t.Errorf("most positive office is %s (%+.3f), planted %s", happiest.Office, happiest.Sentiment.Mean, f.PositiveOffice)
	}
	for _, o := range s.Offices {
		if o.Office != happiest.Office && happiest.Sentiment.Mean-happiest.Sentiment.CI95 < o.Sentiment.Mean+o.Sentiment.CI95 {
			t.Errorf("planted office %s is not clearly more positive than %s: %+v vs %+v", f.PositiveOffice, o.Office, happiest.Sentiment, o.Sentiment)
		}
	}
	if len(s.MostMentioned) == 0 || s.MostMentioned[0].UserID != f.MostMentionedUser {
		t.Errorf("most mentioned %+v, planted %s", s.MostMentioned, f.MostMentionedUser)
	}
	checkSarcasm(t, s, f)
	// The planted topic is discussed by one office only, in every table.
	offices := map[string]int64{}
	for day := f.Start; day.Before(f.End); day = day.AddDate(0, 0, 1) {
		for _, r := range readRows[aggregate.TopicRow](t, out, jobs.TableTopics, day.Format(time.DateOnly)) {
			if r.Topic == f.Topic {
				offices[r.Office] += r.Messages
			}
		}
	}
	if len(offices) != 1 || offices[f.TopicOffice] == 0 {
		t.Errorf("topic %q discussed by %v, planted only in %s", f.Topic, offices, f.TopicOffice)
	}
	found := false
	for _, ts := range s.TopicsByOffice[f.TopicOffice] {
		found = found || ts.Topic == f.Topic
	}
	if !found {
		t.Logf("topic %q not in the top %d of %s: %+v", f.Topic, jobs.TopN, f.TopicOffice, s.TopicsByOffice[f.TopicOffice])
	}
}

func checkQuarantine(t *testing.T, out string, f *generator.Facts) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, jobs.QuarantineFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if int64(len(lines)) != f.Quarantined {
		t.Fatalf("%d quarantine entries, facts say %d", len(lines), f.Quarantined)
	}
	for _, l := range lines {
		var e pipeline.QuarantineEntry
		if err := json.Unmarshal(l, &e); err != nil {
			t.Fatalf("quarantine line %q: %v", l, err)
		}
		if e.Key == "" || e.Line <= 0 || e.Reason == "" {
			t.Errorf("quarantine entry lacks where or why: %+v", e)
		}
		// A bad webhook record keeps its "token" key, never its value.
		if i := strings.Index(e.Record, `"token"`); i >= 0 && !strings.Contains(e.Record[i:], "[REDACTED]") {
			t.Errorf("quarantine entry keeps a webhook token: %s", e.Record)
		}
	}
}

// TestRunDeterministic checks that the Parquet files and the summary are
// byte-identical whatever the number of workers.
func TestRunDeterministic(t *testing.T) {
	dir, roster, facts := genArchive(t, func(c *generator.Config) { c.Messages = 8000; c.Days = 2 })
	var first map[string][]byte
	for _, workers := range []int{1, 3, 4} {
		out, _ := run(t, dir, roster, facts, workers)
		files := map[string][]byte{}
		err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Base(p) == output.ManifestName {
				return err
			}
			rel, _ := filepath.Rel(out, p)
			files[rel], err = os.ReadFile(p)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = files
			continue
		}
		if !maps.EqualFunc(first, files, bytes.Equal) {
			for name := range first {
				if !bytes.Equal(first[name], files[name]) {
					t.Errorf("workers=%d: %s differs from workers=1", workers, name)
				}
			}
		}
	}
}

// TestSummaryGolden pins summary.json for a small archive, so that any
// change to what it says is a deliberate one (go test -update).
func TestSummaryGolden(t *testing.T) {
	dir, roster, facts := genArchive(t, func(c *generator.Config) { c.Messages = 3000; c.Days = 2; c.Users = 30 })
	out, _ := run(t, dir, roster, facts, 2)
	got, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "summary.golden.json"), got, *update)
}

// TestRunFailsWithoutPublishing checks that a run with too many bad records
// fails and leaves the previous outputs as they were.
func TestRunFailsWithoutPublishing(t *testing.T) {
	dir, roster, facts := genArchive(t, func(c *generator.Config) { c.Messages = 2000; c.Days = 1 })
	out, _ := run(t, dir, roster, facts, 2)
	before, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = jobs.Run(context.Background(), jobs.RunOptions{
		Source: loctest.Parse(t, dir), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), From: facts.Start, To: facts.End, MaxBadRatio: 0,
	})
	if err == nil || !strings.Contains(err.Error(), "quarantined") {
		t.Fatalf("run with no bad records tolerated: err = %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if !bytes.Equal(before, after) {
		t.Error("failed run changed summary.json")
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".staging") {
			t.Errorf("failed run left %s behind", e.Name())
		}
	}
}

// checkMostReacted compares summary.json's most_reacted with the facts: exact
// counts, in the facts' order.
func checkMostReacted(t *testing.T, s *jobs.Summary, f *generator.Facts) {
	t.Helper()
	var mostReacted []string
	for u, n := range f.ReactionsReceived {
		if n > 0 {
			mostReacted = append(mostReacted, u)
		}
	}
	slices.SortFunc(mostReacted, func(a, b string) int {
		return cmp.Or(cmp.Compare(f.ReactionsReceived[b], f.ReactionsReceived[a]), cmp.Compare(f.Team+"/"+a, f.Team+"/"+b))
	})
	mostReacted = mostReacted[:min(len(mostReacted), jobs.TopN)]
	if len(s.MostReacted) != len(mostReacted) {
		t.Errorf("most_reacted has %d entries, facts %d", len(s.MostReacted), len(mostReacted))
	}
	for i, u := range s.MostReacted {
		if i < len(mostReacted) && (u.UserID != mostReacted[i] || u.ReactionsReceived != f.ReactionsReceived[u.UserID]) {
			t.Errorf("most_reacted[%d] = %s with %d, facts say %s with %d", i, u.UserID, u.ReactionsReceived,
				mostReacted[i], f.ReactionsReceived[mostReacted[i]])
		}
	}
}
