package generator

import (
	"reflect"
	"slices"
	"testing"

	"github.com/wiretap-hq/wiretap/nlp"
)

// TestPlantedFacts works the planted schedule out by hand for a few range
// lengths and compares it with the Facts.
func TestPlantedFacts(t *testing.T) {
	rep := func(v int64, n int) []int64 { // v, n times
		out := make([]int64, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	tests := []struct {
		days                                                   int
		started, replies, questions, judged, answered, planted int64
		first                                                  []int64
		unanswered                                             int
		late                                                   []int64
	}{
		// One day: nothing is judged, the 20 h and 30 h replies fall after
		// the range.
		{days: 1, started: 4, replies: 6, questions: 6, planted: 7 + 6 + 2, first: []int64{45, 240, 720, 3000}},
		// Four days: the last day's questions are not judged; the 20 h and
		// 30 h replies of the last day fall after the range. Per judged day
		// the 5th question gets no reply and the 6th one a late reply.
		{days: 4, started: 4*4 + 3 + 3, replies: 4*6 + 3 + 3, questions: 24, judged: 18, answered: 12,
			planted:    4*(7+6) + 2*2 + 2*leaverPerDay + 3 + 3, // the newcomer on days 2 and 3, the leaver on 0 and 1
			first:      slices.Concat(rep(45, 4), rep(240, 4), rep(720, 4), rep(3000, 4), rep(72000, 3), rep(108000, 3)),
			unanswered: 6, late: []int64{0, 1, 0, 1, 0, 1}},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		cfg.Days, cfg.Messages = tt.days, 5000
		cfg, err := cfg.normalized()
		if err != nil {
			t.Fatal(err)
		}
		w, err := newWorld(cfg)
		if err != nil {
			t.Fatal(err)
		}
		f := plantedFacts(w)
		got := []int64{f.ThreadsStarted, f.Replies, f.Questions, f.QuestionsJudged, f.Answered, f.Messages}
		want := []int64{tt.started, tt.replies, tt.questions, tt.judged, tt.answered, tt.planted}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d days: started, replies, questions, judged, answered, messages = %v, want %v", tt.days, got, want)
		}
		if !reflect.DeepEqual(f.FirstReplySeconds, tt.first) {
			t.Errorf("%d days: first replies %v, want %v", tt.days, f.FirstReplySeconds, tt.first)
		}
		if len(f.Unanswered) != tt.unanswered || (tt.late != nil && !reflect.DeepEqual(f.UnansweredLateReplies, tt.late)) {
			t.Errorf("%d days: unanswered %v with late replies %v, want %d with %v", tt.days, f.Unanswered, f.UnansweredLateReplies, tt.unanswered, tt.late)
		}
		if f.MidDay != dayKey(cfg.Start.AddDate(0, 0, tt.days/2)) {
			t.Errorf("%d days: mid day %s", tt.days, f.MidDay)
		}
	}
}

// TestPlantedTextsAreNeutral checks that planted messages carry no
// sentiment, and that exactly the questions ask something, so that they
// change no planted sentiment fact.
func TestPlantedTextsAreNeutral(t *testing.T) {
	a := nlp.New()
	var an nlp.Analysis
	texts := slices.Concat(plantedQuestions, []string{plantedStatement, plantedReply}, plantedChatter)
	for _, text := range texts {
		a.Analyze(text, &an)
		if an.Sentiment.Compound != 0 {
			t.Errorf("%q has compound %v", text, an.Sentiment.Compound)
		}
		if got, want := nlp.IsQuestion(text), slices.Contains(plantedQuestions, text); got != want {
			t.Errorf("IsQuestion(%q) = %v", text, got)
		}
	}
}
