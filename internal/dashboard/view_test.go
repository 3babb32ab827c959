package dashboard

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/wiretap-hq/wiretap/jobs"
)

// TestSuppressedAndAbsent checks how the page shows what it must not or
// cannot show: a suppressed figure reads "fewer than N people", and panels
// the summary has no figures for say so.
func TestSuppressedAndAbsent(t *testing.T) {
	sum := &jobs.Summary{Schema: jobs.SummarySchema, Range: jobs.SummaryRange{From: "2016-11-14T00:00:00Z", To: "2016-11-21T00:00:00Z", Days: 7}}
	p := Build(sum, nil, "", Options{MinGroup: 7})
	p.Panels = append(p.Panels, Panel{ID: "test", Title: "Test", State: StateShown, Tables: []Table{{
		Columns: []Column{{"Office", false}, {"People", true}},
		Rows:    []Row{{Cells: []Cell{{Text: "tiny"}, {Text: "3", Num: true, Suppressed: true}}}},
	}}})
	var buf bytes.Buffer
	if err := Render(&buf, p); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if !strings.Contains(page, "fewer than 7 people") {
		t.Error("a suppressed cell does not read \"fewer than 7 people\"")
	}
	if strings.Contains(page, `<td class="num"><span class="suppressed">3`) || strings.Contains(page, ">3</td>") {
		t.Error("a suppressed value is shown")
	}
	states := map[string]string{}
	for _, panel := range p.Panels {
		states[panel.ID] = panel.State
	}
	for id, want := range map[string]string{
		"people": StateOff, "reacted": StateOff, "positive-negative": StateShown,
		"new-lapsed": StateEmpty, "trending": StateEmpty, "per-day": StateEmpty, "threads": StateAbsent,
	} {
		if states[id] != want {
			t.Errorf("panel %s: state %q, want %q", id, states[id], want)
		}
	}
	p = Build(sum, nil, "", Options{RankPeople: true})
	for _, panel := range p.Panels {
		if panel.ID == "reacted" && (panel.State != StateEmpty || !strings.Contains(panel.Message, "No reactions")) {
			t.Errorf("most reacted-to with rankings on and no reactions: %q %q", panel.State, panel.Message)
		}
	}
}

// TestReacted checks the most reacted-to panel: people ranked by net
// reactions, by popularity (mentions plus reactions), and the emoji used.
func TestReacted(t *testing.T) {
	sum := &jobs.Summary{Schema: jobs.SummarySchema, Range: jobs.SummaryRange{From: "2016-11-14T00:00:00Z", To: "2016-11-21T00:00:00Z", Days: 7},
		MostReacted:  []jobs.UserSummary{{UserID: "U2", UserName: "ada", Office: "berlin", ReactionsReceived: 12}, {UserID: "U1", Office: "nyc", ReactionsReceived: 3}},
		MostPopular:  []jobs.UserSummary{{UserID: "U1", Office: "nyc", MentionsReceived: 20, ReactionsReceived: 3}, {UserID: "U2", UserName: "ada", Office: "berlin", ReactionsReceived: 12}},
		TopReactions: []jobs.ReactionSummary{{Emoji: "tada", ReactionsReceived: 1500}},
	}
	var reacted *Panel
	p := Build(sum, nil, "", Options{RankPeople: true})
	for i := range p.Panels {
		if p.Panels[i].ID == "reacted" {
			reacted = &p.Panels[i]
		}
	}
	if reacted == nil || reacted.State != StateShown || len(reacted.Tables) != 3 {
		t.Fatalf("reacted panel: %+v", reacted)
	}
	cells := func(tb Table) [][]string {
		var out [][]string
		for _, r := range tb.Rows {
			var row []string
			for _, c := range r.Cells {
				row = append(row, c.Text)
			}
			out = append(out, row)
		}
		return out
	}
	for i, want := range [][][]string{
		{{"ada", "berlin", "12"}, {"U1", "nyc", "3"}},
		{{"U1", "nyc", "23"}, {"ada", "berlin", "12"}},
		{{":tada:", "1,500"}},
	} {
		if got := cells(reacted.Tables[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("table %q = %v, want %v", reacted.Tables[i].Caption, got, want)
		}
	}
	var buf bytes.Buffer
	if err := Render(&buf, p); err != nil {
		t.Fatal(err)
	}
	if page := buf.String(); !strings.Contains(page, "Most popular (mentions") || !strings.Contains(page, ":tada:") {
		t.Error("the page does not show the reactions panel's tables")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPlainText(t *testing.T) {
	for in, want := range map[string]string{
		"see <https://example.com/x|the doc> now":        "see the doc now",
		"see <http://intranet.example.net/pull/1234>":    "see [link]",
		"hi <@U2147483697> and <#C1|general> <!here>":    "hi @U2147483697 and #general @here",
		"a &lt;b&gt; &amp;amp; c":                        "a <b> &amp; c",
		"raw https://example.com/a?b=1 url":              "raw [link] url",
		"</script><script>alert(2)</script>":             "</script><script>alert(2)</script>",
		"<https://evil.example/x|https://evil.example/>": "[link]",
	} {
		if got := PlainText(in); got != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzPlainText(f *testing.F) {
	f.Add("see <https://example.com/x|the doc> <@U1> &lt;x&gt; http://a.b/c")
	f.Fuzz(func(t *testing.T, s string) {
		if out := PlainText(s); bareURL.MatchString(out) {
			t.Errorf("PlainText(%q) = %q keeps an address", s, out)
		}
	})
}

// TestInsightPanels checks the panels of summary v2's insights: shown with
// their figures, keys and evidence, and people named only with rankings on.
func TestInsightPanels(t *testing.T) {
	share, fifteen := 0.5, int64(900)
	refs := []jobs.MessageRef{{Channel: "C1", TS: "1479114000.000001"}}
	sum := &jobs.Summary{Schema: jobs.SummarySchema, Range: jobs.SummaryRange{From: "2016-11-14T00:00:00Z", To: "2016-11-21T00:00:00Z", Days: 7},
		Offices:      []jobs.OfficeSummary{{Office: "berlin", Messages: 50}, {Office: "nyc", Messages: 40}},
		TopChannels:  []jobs.ChannelSummary{{TeamID: "T1", ChannelID: "C1", ChannelName: "help", Messages: 9}},
		MostPositive: []jobs.MoodRank{{TeamID: "T1", UserID: "U1", UserName: "ann", Office: "berlin", N: 40, Mean: 0.5, CI95Low: 0.4, CI95High: 0.6, Evidence: refs}},
		MostNegative: []jobs.MoodRank{{TeamID: "T1", UserID: "U2", UserName: "bob", Office: "nyc", N: 35, Mean: -0.25, CI95Low: -0.3, CI95High: -0.2, Evidence: refs}},
		MostPositiveOffices: []jobs.MoodRank{{Office: "berlin", N: 50, Mean: 0.3, CI95Low: 0.2, CI95High: 0.4, Evidence: refs},
			{Office: "tiny", Suppressed: true, Evidence: []jobs.MessageRef{}}},
		Threads: &jobs.ThreadsSummary{AnswerWindowSeconds: 86400, ByOffice: map[string]jobs.ThreadSummary{
			"berlin": {ThreadsStarted: 3, Replies: 5, Questions: 4, Judged: 2, Answered: 1, AnsweredShare: &share,
				FirstReply: jobs.ReplyTimes{N: 3, MedianSeconds: &fifteen}},
			"tiny": {Suppressed: true}}},
		Unanswered: &jobs.UnansweredSummary{Count: 1, ByOffice: map[string]int64{"berlin": 1},
			Questions: []jobs.UnansweredQuestion{{TeamID: "T1", Office: "berlin", Channel: "C1", TS: "1479114000.000001"}}},
		NewPeople:     &jobs.PeopleChange{Count: 1, ByOffice: map[string]int64{"nyc": 1}, People: []jobs.PersonChange{{TeamID: "T1", UserID: "U9", UserName: "newton", Office: "nyc", Messages: 4}}},
		LapsedPeople:  &jobs.PeopleChange{Count: 0, ByOffice: map[string]int64{}, People: []jobs.PersonChange{}},
		QuietChannels: []jobs.QuietChannel{{TeamID: "T1", ChannelID: "C7", ChannelName: "fading", Before: 12}},
	}
	panels := func(opts Options) map[string]Panel {
		out := map[string]Panel{}
		for _, p := range Build(sum, nil, "", opts).Panels {
			out[p.ID] = p
		}
		return out
	}
	on := panels(Options{RankPeople: true, SlackDomain: "acme"})
	for _, id := range []string{"positive-negative", "threads", "new-lapsed"} {
		if on[id].State != StateShown {
			t.Errorf("panel %s: state %q (%s), want shown", id, on[id].State, on[id].Message)
		}
	}
	cells := func(p Panel) map[string]string {
		out := map[string]string{}
		for _, tb := range p.Tables {
			for _, r := range tb.Rows {
				for _, c := range r.Cells {
					if c.Key != "" {
						out[c.Key] = c.Text
					}
				}
			}
		}
		return out
	}
	for id, want := range map[string]map[string]string{
		"positive-negative": {"most_positive.T1/U1.mean": "0.50 (0.40 to 0.60)", "most_negative.T1/U2.mean": "-0.25 (-0.30 to -0.20)",
			"most_positive_offices.berlin.mean": "0.30 (0.20 to 0.40)"},
		"threads":    {"threads.berlin.threads_started": "3", "threads.berlin.questions": "4"},
		"new-lapsed": {"new_people.nyc": "1", "lapsed_people.nyc": "0"},
	} {
		got := cells(on[id])
		for k, v := range want {
			if got[k] != v {
				t.Errorf("panel %s: %s shows %q, want %q", id, k, got[k], v)
			}
		}
	}
	// The unanswered question is its own evidence, as a permalink.
	un := on["threads"].Tables[1]
	if len(un.Rows) != 1 || un.Rows[0].Cells[1].Text != "#help" || len(un.Rows[0].Evidence) != 1 || un.Rows[0].Evidence[0].Href != "https://acme.slack.com/archives/C1/p1479114000000001" {
		t.Errorf("unanswered questions table %+v", un)
	}
	if r := on["threads"].Tables[0].Rows[0].Cells; r[4].Text != "50.0 % of 2" || r[5].Text != "under 15 min" || r[6].Text != "over a week" {
		t.Errorf("berlin threads row %+v", r)
	}
	// Small offices read "fewer than N people", in the mood ranking and
	// the threads table alike.
	for id, table := range map[string]int{"positive-negative": 2, "threads": 0} {
		rows := on[id].Tables[table].Rows
		last := rows[len(rows)-1]
		if last.Cells[0].Text != "tiny" || !last.Cells[len(last.Cells)-1].Suppressed || last.Evidence != nil {
			t.Errorf("panel %s: the suppressed office's row is %+v", id, last)
		}
	}
	if ev := on["positive-negative"].Tables[0].Rows[0].Evidence; len(ev) != 1 {
		t.Errorf("most positive person has evidence %+v", ev)
	}
	// Without rankings of people, no names: counts per office and channels only.
	off := panels(Options{})
	var buf bytes.Buffer
	if err := Render(&buf, &Page{Panels: []Panel{off["new-lapsed"]}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "newton") || !strings.Contains(buf.String(), "#fading") {
		t.Errorf("new and lapsed without --rank-people: names shown, or quiet channel missing:\n%s", buf.String())
	}
	// Offices are groups: their mood is ranked without --rank-people, people's is not.
	if pn := off["positive-negative"]; pn.State != StateShown || pn.Message == "" || len(pn.Tables) != 1 ||
		cells(pn)["most_positive_offices.berlin.mean"] != "0.30 (0.20 to 0.40)" || cells(pn)["most_positive.T1/U1.mean"] != "" {
		t.Errorf("positive-negative without --rank-people: %+v", pn)
	}
}
