package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/leaks"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
	"github.com/wiretap-hq/wiretap/privacy"
)

// mostActive is the user with the most messages in the facts.
func mostActive(f *generator.Facts) string {
	total := map[string]int64{}
	for _, byUser := range f.MessagesByDayUser {
		for u, n := range byUser {
			total[u] += n
		}
	}
	ids := slices.Sorted(maps.Keys(total))
	return slices.MaxFunc(ids, func(a, b string) int {
		if total[a] != total[b] {
			return int(total[a] - total[b])
		}
		return strings.Compare(b, a)
	})
}

// messagesOf is how many messages the facts count for user.
func messagesOf(f *generator.Facts, user string) int64 {
	var n int64
	for _, byUser := range f.MessagesByDayUser {
		n += byUser[user]
	}
	return n
}

// checkNoLeaks fails when any word is in any file below out.
func checkNoLeaks(t *testing.T, out string, words []string) {
	t.Helper()
	found, values, files, err := leaks.InDir(out, words)
	if err != nil {
		t.Fatal(err)
	}
	if values == 0 || files == 0 {
		t.Fatalf("searched %d Parquet values and %d other files below %s: nothing to search", values, files, out)
	}
	for _, l := range found {
		t.Error(l)
	}
}

func writeOptOut(t *testing.T, ids ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "optout.txt")
	data := "# people who asked to be left out\n\n" + strings.Join(ids, "  # by mail\n") + "\n"
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOptOut leaves out the planted most-mentioned person and the most
// active one, with message text in the evidence, and searches every output
// file for their ids and names.
func TestOptOut(t *testing.T) {
	dir, roster, facts := genArchive(t, nil)
	gone := []string{facts.MostMentionedUser, mostActive(facts)}
	list := writeOptOut(t, gone...)
	out, res := runRange(t, dir, roster, facts.Start, facts.End, func(o *jobs.RunOptions) {
		o.OptOut, o.IncludeText = loctest.Parse(t, list), true
	})
	words := slices.Clone(gone)
	for _, id := range gone {
		words = append(words, facts.Users[id].Name)
	}
	checkNoLeaks(t, out, words)

	c := &res.Manifest.Counts
	if c.OptedOut == 0 || c.RecordsRead != c.Parsed+c.Quarantined+c.Duplicates+c.OptedOut {
		t.Errorf("opted_out %d; accounting %+v", c.OptedOut, c)
	}
	if c.RecordsRead != facts.RecordsRead {
		t.Errorf("records_read %d, facts say %d", c.RecordsRead, facts.RecordsRead)
	}
	// Everyone else is counted exactly as without the list.
	want := facts.Messages - messagesOf(facts, gone[0]) - messagesOf(facts, gone[1])
	if res.Summary.Totals.Messages != want {
		t.Errorf("%d messages, want %d (the facts' less the opted-out people's)", res.Summary.Totals.Messages, want)
	}
	for _, u := range res.Summary.MostMentioned {
		if slices.Contains(gone, u.UserID) {
			t.Errorf("most mentioned lists %s, who opted out", u.UserID)
		}
	}
	m, err := os.ReadFile(filepath.Join(out, output.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(m, []byte(`"opt_out": "sha256:`)) || !bytes.Contains(m, []byte(`"opted_out": `)) {
		t.Errorf("manifest lacks the opt-out fingerprint or count:\n%s", m)
	}

	// query over the partitions is the run's summary, byte for byte.
	q, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, out), From: facts.Start, To: facts.End})
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.ReadFile(filepath.Join(out, jobs.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := summaryJSON(t, q.Summary); !bytes.Equal(got, s) {
		t.Error("query differs from the run with --opt-out")
	}
}

// TestOptOutQuarantine checks that a record the engine cannot decode
// keeps no trace of an opted-out person in the quarantine, and that
// everyone else's bad records are kept as before.
func TestOptOutQuarantine(t *testing.T) {
	gone := "UGONE0001"
	objs := []badObject{{name: "mixed", body: ndjson(
		msg(at10(1, 0), "hello <@"+gone+"|gone.person>"),
		`{"type":"message","user":"`+gone+`","user_name":"gone.person","text":"cut`,
		`{"type":"message","user":"UOTHER001","text":"cut`,
	)}}
	src, _ := buildArchive(t, objs)
	out := t.TempDir()
	_, err := jobs.Run(context.Background(), jobs.RunOptions{Source: loctest.Parse(t, src), Out: loctest.Parse(t, out), From: badDay, To: badDay.AddDate(0, 0, 1),
		MaxBadRatio: -1, OptOut: loctest.Parse(t, writeOptOut(t, gone)), IncludeText: true})
	if err != nil {
		t.Fatal(err)
	}
	checkNoLeaks(t, out, []string{gone, "gone.person"})
	q := readQuarantine(t, out)
	if len(q) != 2 || !q[0].Scrubbed || q[0].Record != "" || q[1].Scrubbed || !strings.Contains(q[1].Record, "UOTHER001") {
		t.Errorf("quarantine %+v: want the opted-out record scrubbed, the other kept", q)
	}
}

func TestParseOptOutFile(t *testing.T) {
	o, err := privacy.ParseOptOut(strings.NewReader("U1AAA # x\n#U2BBB\n\n  W3CCC\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := o.IDs(); !slices.Equal(got, []string{"U1AAA", "W3CCC"}) {
		t.Errorf("ids %v", got)
	}
	var m jobs.Manifest
	if err := json.Unmarshal([]byte(`{"opt_out":"x"}`), &m); err != nil || m.OptOut != "x" {
		t.Errorf("manifest opt_out: %v %q", err, m.OptOut)
	}
}

// TestNightlyOptOutRecomputes adds someone to the opt-out list between two
// nightly runs over an unchanged archive: the second recomputes every day,
// and the person is in none of them.
func TestNightlyOptOutRecomputes(t *testing.T) {
	dir, roster, facts := genArchive(t, func(c *generator.Config) { c.Messages = 6000; c.Days = 3 })
	out := t.TempDir()
	opts := jobs.RunOptions{Source: loctest.Parse(t, dir), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio}
	first, err := jobs.Nightly(context.Background(), opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	gone := facts.MostMentionedUser
	opts.OptOut = loctest.Parse(t, writeOptOut(t, gone))
	second, err := jobs.Nightly(context.Background(), opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Days) != len(first.Days) || second.Summary == nil {
		t.Errorf("after the list changed nightly recomputed %d days of %d", len(second.Days), len(first.Days))
	}
	checkNoLeaks(t, out, []string{gone, facts.Users[gone].Name})
	third, err := jobs.Nightly(context.Background(), opts, archive.Location{})
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Days) != 0 {
		t.Errorf("the same list again recomputed %d days", len(third.Days))
	}
}

// pseudonymRun runs over the archive with a pseudonym key.
func pseudonymRun(t *testing.T, dir, roster string, facts *generator.Facts, key string, workers int) string {
	t.Helper()
	out, _ := runRange(t, dir, roster, facts.Start, facts.End, func(o *jobs.RunOptions) {
		o.PseudonymKey, o.IncludeText, o.Workers = []byte(key), true, workers
	})
	return out
}

// TestPseudonymize checks that no real id or name is in any output, that
// one key gives the same bytes on every run and another key other ids, and
// that the planted facts hold under pseudonyms.
func TestPseudonymize(t *testing.T) {
	dir, roster, facts := genArchive(t, nil)
	const keyA, keyB = "key-A-0123456789abcdef", "key-B-0123456789abcdef"
	a1 := pseudonymRun(t, dir, roster, facts, keyA, 1)
	a3 := pseudonymRun(t, dir, roster, facts, keyA, 3)
	b := pseudonymRun(t, dir, roster, facts, keyB, 2)
	var real []string
	for id, u := range facts.Users {
		real = append(real, id, u.Name)
	}
	slices.Sort(real)
	for _, out := range []string{a1, b} {
		checkNoLeaks(t, out, real)
	}
	sameOutputs(t, "one key, 1 and 3 workers", publishedFiles(t, a3), publishedFiles(t, a1))

	ps, err := privacy.NewPseudonymizer([]byte(keyA))
	if err != nil {
		t.Fatal(err)
	}
	var sa, sb jobs.Summary
	for p, s := range map[string]*jobs.Summary{a1: &sa, b: &sb} {
		data, err := os.ReadFile(filepath.Join(p, jobs.SummaryFile))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, s); err != nil {
			t.Fatal(err)
		}
	}
	if len(sa.MostMentioned) == 0 || sa.MostMentioned[0].UserID != ps.ID(facts.MostMentionedUser) {
		t.Errorf("most mentioned %+v, want the planted user's pseudonym %s", sa.MostMentioned, ps.ID(facts.MostMentionedUser))
	}
	if sa.MostMentioned[0].UserID == sb.MostMentioned[0].UserID {
		t.Error("two keys gave the same pseudonym")
	}
	for _, u := range sa.TopUsers {
		if !privacy.IsPseudonym(u.UserID) || u.UserName != "" {
			t.Errorf("top user %s %q: want a pseudonym and no name", u.UserID, u.UserName)
		}
	}
	// The roster still places people: the offices count what they count
	// with real ids.
	_, plain := runRange(t, dir, roster, facts.Start, facts.End, nil)
	if len(sa.Offices) != len(plain.Summary.Offices) {
		t.Fatalf("%d offices under pseudonyms, %d without", len(sa.Offices), len(plain.Summary.Offices))
	}
	for i, o := range sa.Offices {
		p := plain.Summary.Offices[i]
		if o.Office != p.Office || o.Messages != p.Messages || o.ActiveUsers != p.ActiveUsers || o.MentionsReceived != p.MentionsReceived {
			t.Errorf("office %+v under pseudonyms, %+v without", o, p)
		}
	}
	q, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, a1), From: facts.Start, To: facts.End})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summaryJSON(t, q.Summary), publishedFiles(t, a1)[jobs.SummaryFile]; !bytes.Equal(got, want) {
		t.Error("query differs from the run with --pseudonymize")
	}
}
