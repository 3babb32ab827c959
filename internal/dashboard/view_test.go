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
		"people": StateOff, "reacted": StateOff, "positive-negative": StateOff,
		"new-lapsed": StateAbsent, "trending": StateEmpty, "per-day": StateEmpty,
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
