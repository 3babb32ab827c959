package dashboard_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// The planted hostile strings: a person's name and a message text that
// would run script if any part of the page, report or answers failed to
// escape them.
const (
	xssName    = `<img src=x onerror=alert(1)>`
	xssText    = `</script><script>alert(2)</script> release planning`
	xssUser    = "UXSSXSSXS"
	xssChannel = "C0XSS0001"
)

// fixture generates a small archive with the generator, plants the hostile
// person and messages in it, runs the real run job over it (with message
// text, so evidence carries the hostile text), and returns the outputs.
func fixture(t testing.TB) (out string, facts *generator.Facts, src, roster string) {
	t.Helper()
	ctx := context.Background()
	cfg := generator.DefaultConfig()
	cfg.Messages = 6000
	cfg.Days = 10
	cfg.Users = 40
	dir := t.TempDir()
	facts, err := generator.Generate(ctx, cfg, archive.Dir{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	src = filepath.Join(dir, strings.TrimSuffix(facts.Prefix, "/"))
	roster = filepath.Join(dir, "roster.csv")
	rosterCSV := append(facts.RosterCSV(), []byte(xssUser+",berlin,Europe/Berlin\n")...)
	if err := os.WriteFile(roster, rosterCSV, 0o644); err != nil {
		t.Fatal(err)
	}
	// Forty messages a day by the hostile person: enough to rank.
	for d := range cfg.Days {
		day := facts.Start.AddDate(0, 0, d).Add(10 * time.Hour)
		var obj []byte
		for i := range 40 {
			at := day.Add(time.Duration(i) * time.Minute)
			m := schema.Message{
				Source: schema.SourceCanonical, Team: generator.Team, ChannelID: xssChannel, ChannelName: "xss-test",
				UserID: xssUser, UserName: xssName, TS: fmt.Sprintf("%d.%06d", at.Unix(), i), Text: xssText,
			}
			obj = schema.AppendNDJSON(obj, &m)
		}
		key := archive.ObjectKey("", "slack-wiretap", 1, day.Add(time.Hour), fmt.Sprintf("00000000-0000-4000-8000-%012d", d), false)
		if err := (archive.Dir{Root: src}).Put(ctx, key, obj); err != nil {
			t.Fatal(err)
		}
	}
	out = t.TempDir()
	runOnce(t, src, roster, out, facts)
	return out, facts, src, roster
}

// runOnce runs the run job over the whole archive into out, publishing a
// new manifest.
func runOnce(t testing.TB, src, roster, out string, facts *generator.Facts) {
	t.Helper()
	_, err := jobs.Run(context.Background(), jobs.RunOptions{
		Source: loctest.Parse(t, src), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), From: facts.Start, To: facts.End,
		Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio, IncludeText: true,
	})
	if err != nil {
		t.Fatal(err)
	}
}
