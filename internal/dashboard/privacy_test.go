package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/dashboard"
	"github.com/wiretap-hq/wiretap/internal/slashcmd"
	"github.com/wiretap-hq/wiretap/internal/testutil/leaks"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// TestPrivateOutputsEndToEnd runs the engine with every privacy option
// (an opt-out list, pseudonyms, text in the evidence), then renders the
// dashboard's report and answers every slash command, with people ranked,
// and searches all of it, and every output file, for the opted-out
// person's id and name and for any real id or name. /wiretap me still
// finds the caller, by the pseudonym of the id Slack signs.
func TestPrivateOutputsEndToEnd(t *testing.T) {
	ctx := context.Background()
	cfg := generator.DefaultConfig()
	cfg.Messages, cfg.Days, cfg.Users = 8000, 7, 40
	dir := t.TempDir()
	facts, err := generator.Generate(ctx, cfg, archive.Dir{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, strings.TrimSuffix(facts.Prefix, "/"))
	roster := filepath.Join(dir, "roster.csv")
	list := filepath.Join(dir, "optout.txt")
	gone := facts.MostMentionedUser
	if err := errors.Join(os.WriteFile(roster, facts.RosterCSV(), 0o644), os.WriteFile(list, []byte(gone+"\n"), 0o644)); err != nil {
		t.Fatal(err)
	}
	key := []byte("dashboard-test-key-0123456789")
	out := t.TempDir()
	if _, err := jobs.Run(ctx, jobs.RunOptions{Source: loctest.Parse(t, src), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), From: facts.Start, To: facts.End,
		MaxBadRatio: jobs.DefaultMaxBadRatio, OptOut: loctest.Parse(t, list), PseudonymKey: key, IncludeText: true, MinGroup: jobs.DefaultMinGroup}); err != nil {
		t.Fatal(err)
	}
	var words []string
	for id, u := range facts.Users {
		words = append(words, id, u.Name)
	}
	found, _, _, err := leaks.InDir(out, words)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range found {
		t.Error(l)
	}

	opts := dashboard.Options{RankPeople: true, MinGroup: jobs.DefaultMinGroup}
	source := &dashboard.Source{Out: loctest.Parse(t, out), MinGroup: opts.MinGroup}
	var html bytes.Buffer
	q := dashboard.Query{From: facts.Start, To: facts.End}
	if err := dashboard.WriteReport(ctx, source, q, opts, &html); err != nil {
		t.Fatal(err)
	}
	check := func(what string, data []byte) {
		t.Helper()
		for _, w := range leaks.InBytes(data, words) {
			t.Errorf("%s holds %q", what, w)
		}
	}
	check("the report", html.Bytes())
	if !bytes.Contains(html.Bytes(), []byte("fewer than 5 people")) {
		t.Error("the report shows no suppressed figure: the archive has hours of the week with few people")
	}

	h := &slashcmd.Handler{Source: &dashboard.SlashSource{Source: source, Options: opts}, RankPeople: true, PseudonymKey: key}
	me := mostActiveIn(facts)
	for _, text := range []string{"", "office " + facts.TopicOffice, "topic " + facts.Topic, "me", "help"} {
		cmd := slashcmd.Parse(text)
		for _, caller := range []string{me, gone} {
			m := h.Answer(ctx, slashcmd.Request{UserID: caller, TeamID: facts.Team}, cmd)
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			check("/wiretap "+text, data)
			if text == "me" && caller == me && !bytes.Contains(data, []byte("Your figures")) {
				t.Errorf("/wiretap me does not find the caller under pseudonyms: %s", data)
			}
			if text == "me" && caller == gone && bytes.Contains(data, []byte("Your figures")) {
				t.Errorf("/wiretap me finds figures of someone who opted out: %s", data)
			}
		}
	}
}

// mostActiveIn is the person with the most messages in the facts.
func mostActiveIn(f *generator.Facts) string {
	best, most := "", int64(-1)
	total := map[string]int64{}
	for _, byUser := range f.MessagesByDayUser {
		for u, n := range byUser {
			total[u] += n
		}
	}
	for u, n := range total {
		if n > most || (n == most && u < best) {
			best, most = u, n
		}
	}
	return best
}
