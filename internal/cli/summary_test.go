package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wiretap-hq/wiretap/jobs"
)

// TestPrintSummaryInsights checks that the run and query report says what
// summary v2 adds: mood of offices, threads, unanswered questions, and who
// came and went.
func TestPrintSummaryInsights(t *testing.T) {
	median := int64(900)
	s := &jobs.Summary{Range: jobs.SummaryRange{Days: 7},
		MostPositiveOffices: []jobs.MoodRank{{Office: "berlin", Mean: 0.3, CI95Low: 0.2, CI95High: 0.4}},
		MostNegativeOffices: []jobs.MoodRank{{Office: "nyc", Mean: -0.1, CI95Low: -0.2, CI95High: 0}},
		Threads: &jobs.ThreadsSummary{AnswerWindowSeconds: 86400, Totals: jobs.ThreadSummary{ThreadsStarted: 5, Replies: 9,
			Questions: 4, Judged: 3, Answered: 2, FirstReply: jobs.ReplyTimes{N: 5, MedianSeconds: &median}}},
		Unanswered:    &jobs.UnansweredSummary{Count: 1},
		NewPeople:     &jobs.PeopleChange{Count: 2},
		LapsedPeople:  &jobs.PeopleChange{Count: 3},
		QuietChannels: []jobs.QuietChannel{{ChannelID: "C1", Before: 12}},
	}
	var buf bytes.Buffer
	printSummary(&buf, s)
	for _, want := range []string{
		"Most positive office: berlin +0.300 (+0.200 to +0.400); most negative: nyc -0.100 (-0.200 to +0.000)",
		"Threads 5 (9 replies); questions 4, 3 judged, 2 answered within 24h; median first reply within 15m0s",
		"Unanswered questions: 1",
		"Against the previous 7 days: 2 new people, 3 lapsed, quiet channels: 1",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestPrintSummarySuppressed checks that the report says a small office is
// suppressed rather than printing its zeroes, and names no topic that
// --min-group hides.
func TestPrintSummarySuppressed(t *testing.T) {
	s := &jobs.Summary{
		Offices:   []jobs.OfficeSummary{{Office: "berlin", Messages: 50, ActiveUsers: 9}, {Office: "tiny", Suppressed: true}},
		TopTopics: []jobs.TopicSummary{{Topic: "secretplan", Suppressed: true}, {Topic: "release", Messages: 40}},
		DistinctiveTopics: map[string][]jobs.TopicSummary{
			"berlin": {{Topic: "kubernetes", Messages: 30}},
			"tiny":   {{Topic: "hushhush", Suppressed: true}},
		},
		MostPositiveOffices: []jobs.MoodRank{{Office: "tiny", Suppressed: true}},
		MostNegativeOffices: []jobs.MoodRank{{Office: "tiny", Suppressed: true}},
	}
	var buf bytes.Buffer
	printSummary(&buf, s)
	out := buf.String()
	for _, want := range []string{"tiny         suppressed: fewer people than --min-group", "Top topics: release (40)", "berlin       kubernetes"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	for _, hidden := range []string{"secretplan", "hushhush", "Most positive office"} {
		if strings.Contains(out, hidden) {
			t.Errorf("report shows %q:\n%s", hidden, out)
		}
	}
}
