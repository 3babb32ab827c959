package jobs_test

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// Planted groups of TestMinGroup.
const (
	smallChannel = "CSMALL001" // two authors, many messages
	smallWord    = "zyzzogeton"
	// mergedWord is written by six people of one office, three on each of
	// two days: under five a day, six over the range.
	mergedWord = "quokkaparade"
)

// plantGroups adds to the archive the planted small and merged groups, all
// by people of office, and returns the office.
func plantGroups(t *testing.T, dir string, facts *generator.Facts) string {
	t.Helper()
	office := facts.TopicOffice
	var people []string
	for _, id := range slices.Sorted(maps.Keys(facts.Users)) {
		if facts.Users[id].Office == office {
			people = append(people, id)
		}
	}
	if len(people) < 6 {
		t.Fatalf("office %s has %d people, the test needs 6", office, len(people))
	}
	var enc schema.Encoder
	bodies := map[time.Time][]byte{}
	put := func(hour, at time.Time, user, channel, name, text string) {
		bodies[hour] = enc.AppendNDJSON(bodies[hour], &schema.Message{Team: facts.Team, ChannelID: channel, ChannelName: name,
			UserID: user, TS: schema.FormatTS(at), Text: text, Source: schema.SourceCanonical})
	}
	day1, day2 := facts.Start.Add(12*time.Hour), facts.Start.AddDate(0, 0, 1).Add(12*time.Hour)
	for i := range 2000 {
		put(day1, day1.Add(time.Duration(i)*time.Second), people[i%2], smallChannel, "smallroom", smallWord+" rumble")
	}
	for i := range 60 {
		day, who := day1, people[i%3]
		if i >= 30 {
			day, who = day2, people[3+i%3]
		}
		put(day, day.Add(40*time.Minute+time.Duration(i)*time.Second), who, "CBIGROOM1", "bigroom", mergedWord+" today")
	}
	src := archive.Dir{Root: dir}
	for hour, body := range bodies {
		key := archive.ObjectKey("", facts.Stream, 1, hour.Add(5*time.Minute), "0badc0de-0000-4000-8000-0000"+hour.Format("01021504"), false)
		if err := src.Put(context.Background(), key, body); err != nil {
			t.Fatal(err)
		}
	}
	return office
}

func findTopic(list []jobs.TopicSummary, topic string) *jobs.TopicSummary {
	for i := range list {
		if list[i].Topic == topic {
			return &list[i]
		}
	}
	return nil
}

// TestMinGroup plants a channel and a topic of two people and a topic of
// six people who never number five on one day, and checks what a run
// with --min-group 5 publishes: the small groups marked and emptied, the
// merged one shown; offices, channels and hour cells suppressed exactly
// when the unsuppressed run counts fewer than five authors; the Parquet
// counts exact; query and merge equal to the run, byte for byte.
func TestMinGroup(t *testing.T) {
	dir, roster, facts := genArchive(t, func(c *generator.Config) { c.Messages = 10_000; c.Days = 4 })
	office := plantGroups(t, dir, facts)
	const n = 5
	_, plain := runRange(t, dir, roster, facts.Start, facts.End, nil)
	out, res := runRange(t, dir, roster, facts.Start, facts.End, func(o *jobs.RunOptions) { o.MinGroup = n })
	s := res.Summary

	if d := findTopic(s.DistinctiveTopics[office], smallWord); d == nil || !d.Suppressed || d.Messages != 0 || len(d.Evidence) != 0 {
		t.Errorf("two people's topic in %s: %+v, want it listed, suppressed and empty", office, d)
	}
	if d := findTopic(s.DistinctiveTopics[office], mergedWord); d == nil || d.Suppressed || d.Messages != 60 {
		t.Errorf("six people's topic (three a day) in %s: %+v, want it shown with 60 messages", office, d)
	}
	for i, c := range s.TopChannels {
		p := plain.Summary.TopChannels[i]
		if c.ChannelID != p.ChannelID || c.Suppressed != (p.ActiveUsers < n) {
			t.Errorf("channel %+v; unsuppressed %+v", c, p)
		}
		if c.Suppressed && (c.Messages != 0 || c.ActiveUsers != 0 || c.Sentiment.N != 0) {
			t.Errorf("suppressed channel shows figures: %+v", c)
		}
	}
	if c := s.TopChannels; !slices.ContainsFunc(c, func(c jobs.ChannelSummary) bool { return c.ChannelID == smallChannel && c.Suppressed }) {
		t.Errorf("the two-person channel is not listed as suppressed: %+v", c)
	}
	for i, o := range s.Offices {
		if p := plain.Summary.Offices[i]; o.Office != p.Office || o.Suppressed != (p.ActiveUsers < n) {
			t.Errorf("office %+v; unsuppressed %+v", o, p)
		}
	}
	checkInsightsSuppressed(t, s, plain.Summary, facts)
	cells := 0
	for office, hours := range s.SuppressedHours {
		for _, h := range hours {
			cells++
			if plain.Summary.ActivityByHourOfWeek[office][h] == 0 || s.ActivityByHourOfWeek[office][h] != 0 {
				t.Errorf("%s hour %d suppressed: %d messages before, %d after", office, h,
					plain.Summary.ActivityByHourOfWeek[office][h], s.ActivityByHourOfWeek[office][h])
			}
		}
	}
	if cells == 0 {
		t.Error("no hour-of-week cell was suppressed: the test archive should have some with few people")
	}
	// The Parquet tables keep exact counts.
	var small int64
	for _, r := range readRows[struct {
		ChannelID string `parquet:"channel_id"`
		Messages  int64  `parquet:"messages"`
	}](t, out, jobs.TableChannels, facts.Start.Format(time.DateOnly)) {
		if r.ChannelID == smallChannel {
			small += r.Messages
		}
	}
	if small != 2000 {
		t.Errorf("the channels table counts %d messages of the small channel, want 2000", small)
	}

	// query = run, byte for byte, over the range and a part of it.
	want := publishedFiles(t, out)[jobs.SummaryFile]
	q, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, out), From: facts.Start, To: facts.End, MinGroup: n})
	if err != nil {
		t.Fatal(err)
	}
	if got := summaryJSON(t, q.Summary); !bytes.Equal(got, want) {
		t.Error("query --min-group differs from the run's summary")
	}
	from, to := facts.Start.AddDate(0, 0, 1), facts.Start.AddDate(0, 0, 3)
	q, err = jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, out), From: from, To: to, MinGroup: n})
	if err != nil {
		t.Fatal(err)
	}
	part, _ := runRange(t, dir, roster, from, to, func(o *jobs.RunOptions) { o.Out, o.MinGroup = loctest.Parse(t, out), n })
	if got := summaryJSON(t, q.Summary); !bytes.Equal(got, publishedFiles(t, part)[jobs.SummaryFile]) {
		t.Error("query --min-group over two days differs from a run over them")
	}

	// Shards and merge give the run's bytes.
	sharded := t.TempDir()
	for i := range 3 {
		runRange(t, dir, roster, facts.Start, facts.End, func(o *jobs.RunOptions) {
			o.Out, o.Shard, o.MinGroup = loctest.Parse(t, sharded), jobs.Shard{Index: i, Count: 3}, n
		})
	}
	if _, err := jobs.Merge(context.Background(), jobs.MergeOptions{Out: loctest.Parse(t, sharded), Shards: 3}); err != nil {
		t.Fatal(err)
	}
	full, _ := runRange(t, dir, roster, facts.Start, facts.End, func(o *jobs.RunOptions) { o.MinGroup = n })
	sameOutputs(t, "shards with --min-group", publishedFiles(t, sharded), publishedFiles(t, full))

	// Without --min-group nothing is marked.
	data, err := os.ReadFile(filepath.Join(filepath.Dir(out), filepath.Base(out), jobs.SummaryFile))
	if err != nil || !bytes.Contains(data, []byte(`"suppressed": true`)) {
		t.Errorf("summary with --min-group marks nothing (%v)", err)
	}
	if b := summaryJSON(t, plain.Summary); bytes.Contains(b, []byte("suppressed")) {
		t.Error("a summary without --min-group marks something suppressed")
	}
	if err := jobs.CheckMinGroup(33); err == nil {
		t.Error("min-group 33 accepted: author sets decide up to 32 exactly")
	}
}

// checkInsightsSuppressed checks the planted helpdesk office, four people
// asking and answering in a channel of two, against --min-group 5: its
// mood ranking entry marked and last, its threads and its channel's
// marked and zeroed, its unanswered questions left out of by_office and
// of the evidence, while the unsuppressed run shows them all.
func checkInsightsSuppressed(t *testing.T, s, plain *jobs.Summary, f *generator.Facts) {
	t.Helper()
	p := f.Planted
	if f.Offices[p.Office].Users >= 5 {
		t.Fatalf("planted office %s has %d people; the test needs fewer than 5", p.Office, f.Offices[p.Office].Users)
	}
	for _, lists := range [][2][]jobs.MoodRank{{s.MostPositiveOffices, plain.MostPositiveOffices}, {s.MostNegativeOffices, plain.MostNegativeOffices}} {
		got, was := lists[0], lists[1]
		if !slices.ContainsFunc(was, func(r jobs.MoodRank) bool { return r.Office == p.Office && !r.Suppressed }) {
			t.Fatalf("unsuppressed mood ranking lacks %s: %+v", p.Office, was)
		}
		if len(got) != len(was) || got[len(got)-1].Office != p.Office || !got[len(got)-1].Suppressed || got[len(got)-1].N != 0 {
			t.Errorf("mood ranking with --min-group: %+v, want %s marked and last", got, p.Office)
		}
	}
	if ts := plain.Threads.ByOffice[p.Office]; ts.Suppressed || ts.ThreadsStarted == 0 {
		t.Errorf("unsuppressed threads of %s: %+v", p.Office, ts)
	}
	if ts := s.Threads.ByOffice[p.Office]; !ts.Suppressed || ts.ThreadsStarted != 0 || ts.FirstReply.N != 0 {
		t.Errorf("threads of %s with --min-group: %+v, want marked and zero", p.Office, ts)
	}
	ask := slices.IndexFunc(s.Threads.ByChannel, func(c jobs.ChannelThreadSummary) bool { return c.ChannelID == p.AskChannel })
	if ask < 0 || !s.Threads.ByChannel[ask].Suppressed || s.Threads.ByChannel[ask].Questions != 0 {
		t.Errorf("threads of the two-person channel %s with --min-group: %+v", p.AskChannel, s.Threads.ByChannel)
	}
	if plain.Unanswered.ByOffice[p.Office] == 0 {
		t.Errorf("unsuppressed unanswered questions lack %s: %+v", p.Office, plain.Unanswered.ByOffice)
	}
	if _, ok := s.Unanswered.ByOffice[p.Office]; ok {
		t.Errorf("unanswered by_office with --min-group keeps %s: %+v", p.Office, s.Unanswered.ByOffice)
	}
	if s.Unanswered.Count != plain.Unanswered.Count {
		t.Errorf("unanswered count %d with --min-group, %d without: the workspace's total is not a small group", s.Unanswered.Count, plain.Unanswered.Count)
	}
	for _, q := range s.Unanswered.Questions {
		if q.Office == p.Office || q.Channel == p.AskChannel {
			t.Errorf("unanswered evidence with --min-group shows %+v", q)
		}
	}
}
