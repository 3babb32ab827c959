package jobs_test

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// binsOf is an independent reading of the summary's histogram rule: a bin
// holds times up to and including its bound, then comes the open bin.
func binsOf(seconds []int64) []int64 {
	h := make([]int64, len(jobs.ReplyBinBounds)+1)
	for _, s := range seconds {
		i := 0
		for i < len(jobs.ReplyBinBounds) && s > jobs.ReplyBinBounds[i] {
			i++
		}
		h[i]++
	}
	return h
}

// quantileBound is the bound of the bin of the nearest-rank q-quantile of
// sorted exact times; nil in the open bin or with none.
func quantileBound(sorted []int64, q float64) *int64 {
	if len(sorted) == 0 {
		return nil
	}
	v := sorted[int(math.Ceil(q*float64(len(sorted))))-1]
	for _, b := range jobs.ReplyBinBounds {
		if v <= b {
			return &b
		}
	}
	return nil
}

// TestInsightsAgainstFacts checks the threads, unanswered questions, new
// and lapsed people, quiet channels and mood rankings of summary v2
// against the generator's planted scenes, read back from summary.json and
// from the Parquet tables.
func TestInsightsAgainstFacts(t *testing.T) {
	dir, roster, facts := genArchive(t, nil)
	p := facts.Planted
	out, _ := run(t, dir, roster, facts, 2)
	var sum jobs.Summary
	data, err := os.ReadFile(filepath.Join(out, jobs.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}

	t.Run("threads", func(t *testing.T) {
		if sum.Threads.AnswerWindowSeconds != p.AnswerWindowSeconds {
			t.Fatalf("answer window %d s, the facts were computed for %d s", sum.Threads.AnswerWindowSeconds, p.AnswerWindowSeconds)
		}
		i := slices.IndexFunc(sum.Threads.ByChannel, func(c jobs.ChannelThreadSummary) bool { return c.ChannelID == p.AskChannel })
		if i < 0 {
			t.Fatalf("no thread figures for the ask channel %s", p.AskChannel)
		}
		got := sum.Threads.ByChannel[i].ThreadSummary
		share := math.Round(float64(p.Answered)/float64(p.QuestionsJudged)*1e4) / 1e4
		want := jobs.ThreadSummary{
			ThreadsStarted: p.ThreadsStarted, Replies: p.Replies, Questions: p.Questions,
			Judged: p.QuestionsJudged, Answered: p.Answered, AnsweredShare: &share,
			FirstReply: jobs.ReplyTimes{N: int64(len(p.FirstReplySeconds)), Histogram: binsOf(p.FirstReplySeconds),
				MedianSeconds: quantileBound(p.FirstReplySeconds, 0.5), P90Seconds: quantileBound(p.FirstReplySeconds, 0.9)},
		}
		if !reflect.DeepEqual(got, want) {
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			t.Errorf("ask channel threads\n got %s\nwant %s", gj, wj)
		}
		// The threads table: every planted question and reply, by day.
		var questions, replies int64
		for day := facts.Start; day.Before(facts.End); day = day.AddDate(0, 0, 1) {
			for _, r := range readRows[aggregate.ThreadRow](t, out, jobs.TableThreads, day.Format(time.DateOnly)) {
				if r.ChannelID != p.AskChannel {
					continue
				}
				replies += r.Replies
				if r.Question {
					questions++
					if !r.ParentSeen || r.Office != p.Office {
						t.Errorf("question row %+v: want the parent seen, office %s", r, p.Office)
					}
				}
			}
		}
		if questions != p.Questions || replies != p.Replies {
			t.Errorf("threads table: %d questions and %d replies in the ask channel, facts say %d and %d", questions, replies, p.Questions, p.Replies)
		}
	})

	t.Run("unanswered", func(t *testing.T) {
		// Narrowed to the planted office, the unanswered questions are the
		// planted ones: their evidence is exactly the earliest ten.
		q, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, out), From: facts.Start, To: facts.End, Office: p.Office})
		if err != nil {
			t.Fatal(err)
		}
		un := q.Summary.Unanswered
		if un.Count != int64(len(p.Unanswered)) || un.ByOffice[p.Office] != un.Count || len(un.ByOffice) != 1 {
			t.Errorf("unanswered count %d by office %v, facts say %d", un.Count, un.ByOffice, len(p.Unanswered))
		}
		var want []jobs.UnansweredQuestion
		for i, ts := range p.Unanswered[:min(len(p.Unanswered), jobs.TopN)] {
			want = append(want, jobs.UnansweredQuestion{TeamID: facts.Team, Office: p.Office, Channel: p.AskChannel, TS: ts, LateReplies: p.UnansweredLateReplies[i]})
		}
		if !reflect.DeepEqual(un.Questions, want) {
			t.Errorf("unanswered questions\n got %+v\nwant %+v", un.Questions, want)
		}
		if len(want) == 0 {
			t.Fatal("the facts plant no unanswered question")
		}
		// The workspace-wide list has them too, with every office's.
		if sum.Unanswered.ByOffice[p.Office] != int64(len(p.Unanswered)) {
			t.Errorf("workspace summary: %d unanswered in %s, facts say %d", sum.Unanswered.ByOffice[p.Office], p.Office, len(p.Unanswered))
		}
	})

	t.Run("new-lapsed-quiet", func(t *testing.T) {
		mid, err := time.Parse(time.DateOnly, p.MidDay)
		if err != nil {
			t.Fatal(err)
		}
		if facts.End.Sub(mid) != mid.Sub(facts.Start) {
			t.Fatalf("the test wants an even number of days, got %d", facts.Days)
		}
		q, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, out), From: mid, To: facts.End})
		if err != nil {
			t.Fatal(err)
		}
		// Expected from the facts' per-day counts.
		sumDays := func(m map[string]map[string]int64, from, to time.Time) map[string]int64 {
			out := map[string]int64{}
			for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
				for k, n := range m[d.Format(time.DateOnly)] {
					out[k] += n
				}
			}
			return out
		}
		now, before := sumDays(facts.MessagesByDayUser, mid, facts.End), sumDays(facts.MessagesByDayUser, facts.Start, mid)
		var wantNew, wantLapsed []jobs.PersonChange
		newByOffice, lapsedByOffice := map[string]int64{}, map[string]int64{}
		for id, u := range facts.Users {
			switch {
			case now[id] > 0 && before[id] == 0:
				wantNew = append(wantNew, jobs.PersonChange{TeamID: facts.Team, UserID: id, UserName: u.Name, Office: u.Office, Messages: now[id]})
				newByOffice[u.Office]++
			case now[id] == 0 && before[id] > 0:
				wantLapsed = append(wantLapsed, jobs.PersonChange{TeamID: facts.Team, UserID: id, UserName: u.Name, Office: u.Office, Before: before[id]})
				lapsedByOffice[u.Office]++
			}
		}
		order := func(n func(jobs.PersonChange) int64) func(a, b jobs.PersonChange) int {
			return func(a, b jobs.PersonChange) int {
				return cmp.Or(cmp.Compare(n(b), n(a)), cmp.Compare(a.UserID, b.UserID))
			}
		}
		check := func(what string, got *jobs.PeopleChange, want []jobs.PersonChange, byOffice map[string]int64, n func(jobs.PersonChange) int64, planted string) {
			t.Helper()
			if got == nil {
				t.Fatalf("%s: null with the previous window in the outputs", what)
			}
			if !slices.ContainsFunc(want, func(c jobs.PersonChange) bool { return c.UserID == planted }) {
				t.Errorf("%s: the facts do not list the planted %s", what, planted)
			}
			slices.SortFunc(want, order(n))
			if got.Count != int64(len(want)) || !reflect.DeepEqual(got.ByOffice, byOffice) || !reflect.DeepEqual(got.People, want[:min(len(want), jobs.TopN)]) {
				t.Errorf("%s\n got %+v\nwant %d by office %v, %+v", what, *got, len(want), byOffice, want[:min(len(want), jobs.TopN)])
			}
		}
		check("new people", q.Summary.NewPeople, wantNew, newByOffice, func(c jobs.PersonChange) int64 { return c.Messages }, p.Newcomer)
		check("lapsed people", q.Summary.LapsedPeople, wantLapsed, lapsedByOffice, func(c jobs.PersonChange) int64 { return c.Before }, p.Leaver)

		chNow, chBefore := sumDays(facts.MessagesByDayChannel, mid, facts.End), sumDays(facts.MessagesByDayChannel, facts.Start, mid)
		wantQuiet := []jobs.QuietChannel{}
		for id, name := range facts.Channels {
			if chNow[id] == 0 && chBefore[id] >= jobs.MinQuietMessages {
				wantQuiet = append(wantQuiet, jobs.QuietChannel{TeamID: facts.Team, ChannelID: id, ChannelName: name, Before: chBefore[id]})
			}
		}
		slices.SortFunc(wantQuiet, func(a, b jobs.QuietChannel) int {
			return cmp.Or(cmp.Compare(b.Before, a.Before), cmp.Compare(a.ChannelID, b.ChannelID))
		})
		if !slices.ContainsFunc(wantQuiet, func(c jobs.QuietChannel) bool { return c.ChannelID == p.FadingChannel }) {
			t.Errorf("the facts do not make the fading channel %s quiet", p.FadingChannel)
		}
		if !reflect.DeepEqual(q.Summary.QuietChannels, wantQuiet) {
			t.Errorf("quiet channels\n got %+v\nwant %+v", q.Summary.QuietChannels, wantQuiet)
		}
		// Without the previous window, nothing is claimed.
		if q, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, out), From: facts.Start, To: facts.End}); err != nil {
			t.Fatal(err)
		} else if q.Summary.NewPeople != nil || q.Summary.LapsedPeople != nil || q.Summary.QuietChannels != nil {
			t.Error("new, lapsed or quiet computed without the previous window")
		}
	})

	t.Run("mood", func(t *testing.T) {
		pos, neg := sum.MostPositiveOffices, sum.MostNegativeOffices
		if len(pos) == 0 || pos[0].Office != facts.PositiveOffice || neg[len(neg)-1].Office != facts.PositiveOffice {
			t.Fatalf("most positive offices %+v, most negative %+v: the planted positive office is %s", pos, neg, facts.PositiveOffice)
		}
		var inOffice int64
		for _, byOffice := range facts.MessagesByDayOffice {
			inOffice += byOffice[facts.PositiveOffice]
		}
		if pos[0].N != inOffice || pos[0].CI95Low > pos[0].Mean || pos[0].CI95High < pos[0].Mean || len(pos[0].Evidence) != aggregate.EvidenceSize {
			t.Errorf("positive office %+v: want n = %d, an interval around the mean, %d pieces of evidence", pos[0], inOffice, aggregate.EvidenceSize)
		}
		for _, list := range [][]jobs.MoodRank{sum.MostPositive, sum.MostNegative} {
			for _, r := range list {
				if r.N < jobs.MinRankedMessages || r.UserID == "" {
					t.Errorf("ranked %+v: fewer than %d messages, or not a person", r, jobs.MinRankedMessages)
				}
			}
		}
		if len(sum.MostPositive) == 0 || sum.MostPositive[0].Mean <= sum.MostNegative[0].Mean {
			t.Errorf("most positive %+v, most negative %+v", sum.MostPositive, sum.MostNegative)
		}
	})
}
