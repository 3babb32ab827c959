package generator

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// smallConfig is a three-day archive (one day per producer shape) with
// noise rates high enough that every kind of noise occurs.
func smallConfig() Config {
	cfg := DefaultConfig()
	cfg.Messages = 6000
	cfg.Days = 3
	cfg.DuplicateRate = 0.05
	cfg.LateRate = 0.05
	cfg.MalformedRate = 0.01
	cfg.GlueRate = 0.01
	cfg.TooLateRate = 0.003
	cfg.ObjectRecords = 500
	return cfg
}

func generate(t testing.TB, cfg Config) (*MemStore, *Facts) {
	t.Helper()
	var s MemStore
	f, err := Generate(context.Background(), cfg, &s)
	if err != nil {
		t.Fatal(err)
	}
	return &s, f
}

// nonEmpty drops the empty inner maps, which Facts keeps for days without
// messages.
func nonEmpty(m map[string]map[string]int64) map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	for k, v := range m {
		if len(v) > 0 {
			out[k] = v
		}
	}
	return out
}

func nonZero(m map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func TestFactsMatchArchive(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"plain", func(*Config) {}},
		{"gzip with prefix", func(c *Config) { c.Gzip, c.Prefix, c.Stream = true, "slack/", "wiretap-prod" }},
		{"no look-behind", func(c *Config) { c.LookBehind = -1 }},
		{"margin of three hours", func(c *Config) { c.Margin = 3 * time.Hour }},
		{"tiny objects", func(c *Config) { c.ObjectRecords = 7; c.Messages = 1500 }},
		{"one day", func(c *Config) { c.Days = 1 }},
		{"no noise", func(c *Config) {
			c.DuplicateRate, c.LateRate, c.MalformedRate, c.GlueRate, c.TooLateRate = 0, 0, 0, 0, 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := smallConfig()
			tt.edit(&cfg)
			store, f := generate(t, cfg)
			rb := readArchive(t, store, f, cfg.Gzip)

			type count struct {
				name      string
				got, want int64
			}
			for _, c := range []count{
				{"hours listed", rb.HoursListed, f.HoursListed},
				{"objects listed", rb.ObjectsListed, f.ObjectsListed},
				{"skipped keys", rb.SkippedKeys, f.SkippedKeys},
				{"records read", rb.RecordsRead, f.RecordsRead},
				{"parsed", rb.Parsed, f.Parsed},
				{"quarantined", rb.Quarantined, f.Quarantined},
				{"duplicates", rb.Duplicates, f.Duplicates},
				{"in range", rb.InRange, f.InRange},
				{"out of range", rb.OutOfRange, f.OutOfRange},
				{"early prefix", rb.EarlyPrefix, f.EarlyPrefix},
				{"glued", rb.Glued, f.GluedRecords},
				{"authored", rb.Authored, f.Authored},
				{"messages", rb.Messages, f.Messages},
				{"messages edited", rb.Edited, f.MessagesEdited},
				{"messages deleted", rb.Deleted, f.MessagesDeleted},
				{"edits applied", rb.Applied["edits"], f.EditsApplied},
				{"edits not seen", rb.NotSeen["edits"], f.EditsNotSeen},
				{"edits outside window", rb.Late["edits"], f.EditsLate},
				{"deletes applied", rb.Applied["deletions"], f.DeletesApplied},
				{"deletes not seen", rb.NotSeen["deletions"], f.DeletesNotSeen},
				{"deletes outside window", rb.Late["deletions"], f.DeletesLate},
				{"reactions applied", rb.Applied["reactions"], f.ReactionsApplied},
				{"reactions not seen", rb.NotSeen["reactions"], f.ReactionsNotSeen},
				{"reactions outside window", rb.Late["reactions"], f.ReactionsLate},
				{"syntax errors", rb.Syntax, f.QuarantinedByCause["truncated"] + f.QuarantinedByCause["garbage"]},
				{"wrong type", rb.WrongType, f.QuarantinedByCause["wrong_type"]},
				{"invalid UTF-8", rb.InvalidUTF8, f.QuarantinedByCause["invalid_utf8"]},
			} {
				if c.got != c.want {
					t.Errorf("%s: read back %d, Facts say %d", c.name, c.got, c.want)
				}
			}
			if f.RecordsRead != f.Parsed+f.Quarantined+f.Duplicates || f.Parsed != f.InRange+f.OutOfRange {
				t.Errorf("accounting identities do not hold: %+v", f)
			}
			for _, c := range []struct {
				name      string
				got, want any
			}{
				{"in range by kind", nonZero(rb.InRangeByKind), nonZero(f.InRangeByKind)},
				{"messages by day", nonZero(rb.ByDay), nonZero(f.MessagesByDay)},
				{"thread replies by day", nonZero(rb.Threads), nonZero(f.ThreadRepliesByDay)},
				{"mentions received", rb.Mentions, f.MentionsReceived},
				{"positive words", nonZero(rb.Pos), nonZero(f.PositiveWordsByOffice)},
				{"negative words", nonZero(rb.Neg), nonZero(f.NegativeWordsByOffice)},
				{"topic messages", nonZero(rb.Topic), nonZero(f.TopicMessagesByOffice)},
				{"sarcastic lines by user", nonZero(rb.Sarcastic), nonZero(f.SarcasticByUser)},
				{"sincere lines", rb.Sincere, f.SincerePraise},
				{"by day and user", rb.ByDayUser, nonEmpty(f.MessagesByDayUser)},
				{"by day and office", rb.ByDayOffice, nonEmpty(f.MessagesByDayOffice)},
				{"by day and channel", rb.ByDayChannel, nonEmpty(f.MessagesByDayChannel)},
				{"reactions received", rb.Reactions, f.ReactionsReceived},
				{"reactions by office", rb.ReactionsByOffice, f.ReactionsByOffice},
				{"reactions by channel", rb.ReactionsByChannel, f.ReactionsByChannel},
				{"reactions by emoji", rb.ReactionsByEmoji, f.ReactionsByEmoji},
			} {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s:\nread back %v\nFacts say %v", c.name, c.got, c.want)
				}
			}
			var sum int64
			for _, n := range f.InRangeByKind {
				sum += n
			}
			if sum != f.InRange {
				t.Errorf("in range by kind sums to %d, want %d", sum, f.InRange)
			}
			if f.LookBehindHours == 0 && f.OutOfRange < f.EarlyPrefix {
				t.Errorf("early prefix %d, but only %d out of range without a look-behind", f.EarlyPrefix, f.OutOfRange)
			}
			late := f.EditsLate + f.DeletesLate + f.ReactionsLate
			if f.LookBehindHours > 0 && f.OutOfRange > f.TooLateRecords+late {
				t.Errorf("%d out of range, but only %d too late and %d revisions after the edit window", f.OutOfRange, f.TooLateRecords, late)
			}
			if cfg.MalformedRate > 0 {
				for c, n := range f.QuarantinedByCause {
					if n == 0 {
						t.Errorf("no %s records planted", c)
					}
				}
			}
			if cfg.DuplicateRate > 0 && f.Duplicates == 0 {
				t.Error("no duplicates planted")
			}
			if cfg.GlueRate > 0 && f.GluedRecords == 0 {
				t.Error("no glued records planted")
			}
			if cfg.TooLateRate > 0 && cfg.Days > 1 && f.TooLateRecords == 0 {
				t.Error("no too-late records planted")
			}
			if cfg.Days > 1 && f.LateRecords == 0 && cfg.LateRate > 0 {
				t.Error("no late records planted")
			}
			// Every authored message was generated once and, unless too late or
			// in an object filed before its hour, counted once.
			// Planted messages are always counted.
			if a := f.Authored - f.Planted.Messages; a > int64(cfg.Messages) || a < int64(cfg.Messages)*9/10 {
				t.Errorf("authored %d of %d generated, besides %d planted", a, cfg.Messages, f.Planted.Messages)
			}
		})
	}
}

// TestEras checks which producer shape each day was written in.
func TestEras(t *testing.T) {
	cfg := smallConfig()
	cfg.Days = 6
	store, f := generate(t, cfg)
	rb := readArchive(t, store, f, false)
	want := []schema.Source{schema.SourceWebhook, schema.SourceWebhook, schema.SourceEventsAPI,
		schema.SourceEventsAPI, schema.SourceCanonical, schema.SourceCanonical}
	for d, src := range want {
		day := dayKey(cfg.Start.AddDate(0, 0, d))
		if got := rb.SourcesByDay[day]; len(got) != 1 || !got[src] {
			t.Errorf("day %s: sources %v, want only %v", day, got, src)
		}
	}
}

// TestValidRecordsDecode checks that, without planted noise, every line of
// the archive is one record that schema.Decode accepts, and that decoding
// keeps what matters and drops the webhook token.
func TestValidRecordsDecode(t *testing.T) {
	cfg := smallConfig()
	cfg.MalformedRate, cfg.GlueRate = 0, 0
	store, f := generate(t, cfg)
	w, err := newWorld(mustNormalize(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, key := range store.Keys() {
		if _, ok := archive.ParseObjectKey(cfg.Prefix, key); !ok {
			continue
		}
		body, _ := store.Get(key)
		for _, line := range bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n")) {
			m, err := schema.Decode(line)
			if err != nil {
				t.Fatalf("%s: %v\n%s", key, err, line)
			}
			kinds[engineKind(&m)+"/"+m.Source.String()]++
			if bytes.Contains(line, []byte(`"token"`)) && strings.Contains(fmt.Sprintf("%+v", m), w.token) {
				t.Fatalf("decoded message keeps the token: %+v", m)
			}
			if got := schema.FormatTS(m.Time); got != m.TS {
				t.Fatalf("ts %q parses to %v, which formats as %q", m.TS, m.Time, got)
			}
			if m.Team != Team {
				t.Fatalf("team %q", m.Team)
			}
			if m.IsAuthored() && f.Users[m.UserID].Office == "" {
				t.Fatalf("unknown author %q", m.UserID)
			}
		}
	}
	for _, k := range []string{"authored/webhook", "other/webhook", "authored/events", "bots/events",
		"edits/events", "deletions/events", "reactions/events", "other/events", "authored/canonical",
		"bots/canonical", "edits/canonical", "deletions/canonical", "reactions/canonical", "other/canonical"} {
		if kinds[k] == 0 {
			t.Errorf("no %s records; have %v", k, kinds)
		}
	}
}

func mustNormalize(t *testing.T, cfg Config) Config {
	t.Helper()
	c, err := cfg.normalized()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMarkupAndText checks that the text carries the Slack markup the
// engine must cope with, and non-ASCII that survives both escaping styles.
func TestMarkupAndText(t *testing.T) {
	cfg := smallConfig()
	store, f := generate(t, cfg)
	_ = f
	var texts strings.Builder
	var dec schema.Decoder
	var m schema.Message
	for _, key := range store.Keys() {
		body, _ := store.Get(key)
		for _, line := range bytes.Split(body, []byte("\n")) {
			dec.Reset(line)
			for dec.Next(&m) == nil {
				texts.WriteString(m.Text)
				texts.WriteByte(0)
			}
		}
	}
	all := texts.String()
	for _, want := range []string{"<@U", "|", "<#C", "<https://", "&amp;", "&gt;", ":+1::skin-tone-2:", "`", "\n", "\t",
		"🎉", "日本語", "café", "<!here>", ":rage:", Topic} {
		if !strings.Contains(all, want) {
			t.Errorf("no message text contains %q", want)
		}
	}
	if !regexp.MustCompile(`<@U[A-Z0-9]{8}\|[a-z]+\.[a-z]+[0-9]*>`).MatchString(all) {
		t.Error("no <@U…|name> mentions")
	}
}

func TestDeterminism(t *testing.T) {
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			cfg := smallConfig()
			cfg.Gzip = gz
			cfg.Prefix = "slack/"
			dirs := []string{t.TempDir(), t.TempDir()}
			var facts [2][]byte
			for i, workers := range []int{1, 3} {
				cfg.Workers = workers
				f, err := Generate(context.Background(), cfg, archive.Dir{Root: dirs[i]})
				if err != nil {
					t.Fatal(err)
				}
				if facts[i], err = json.Marshal(f); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(facts[0], facts[1]) {
				t.Error("the Facts differ between runs")
			}
			a, b := readTree(t, dirs[0]), readTree(t, dirs[1])
			if len(a) == 0 {
				t.Fatal("nothing written")
			}
			if !maps.EqualFunc(a, b, bytes.Equal) {
				t.Errorf("archives differ: %d and %d files", len(a), len(b))
			}
		})
	}
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestSeedsDiffer(t *testing.T) {
	cfg := smallConfig()
	cfg.Messages = 500
	_, a := generate(t, cfg)
	cfg.Seed++
	_, b := generate(t, cfg)
	if reflect.DeepEqual(a.MessagesByDayUser, b.MessagesByDayUser) {
		t.Error("two seeds gave the same archive")
	}
}

// TestPlanted checks that the planted facts stand out in a mid-sized
// archive, measured the simple way an engine would.
func TestPlanted(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Messages = 60_000
	cfg.Days = 7
	_, f := generate(t, cfg)

	score := func(o string) float64 {
		var n int64
		for _, byOffice := range f.MessagesByDayOffice {
			n += byOffice[o]
		}
		return float64(f.PositiveWordsByOffice[o]-f.NegativeWordsByOffice[o]) / float64(n)
	}
	best := score(f.PositiveOffice)
	for o := range f.Offices {
		if o != f.PositiveOffice && score(o) > best/3 {
			t.Errorf("office %s scores %.3f, positive office %s %.3f", o, score(o), f.PositiveOffice, best)
		}
	}
	for o, n := range f.TopicMessagesByOffice {
		if (o == f.TopicOffice) != (n > 0) {
			t.Errorf("office %s has %d topic messages; topic office is %s", o, n, f.TopicOffice)
		}
	}
	top := f.MentionsReceived[f.MostMentionedUser]
	for u, n := range f.MentionsReceived {
		if u != f.MostMentionedUser && 3*n > top {
			t.Errorf("user %s mentioned %d times, most mentioned %s only %d", u, n, f.MostMentionedUser, top)
		}
	}
	if f.PositiveOffice == f.TopicOffice {
		t.Error("the positive office also owns the topic")
	}
	var replies int64
	for _, n := range f.ThreadRepliesByDay {
		replies += n
	}
	if share := float64(replies) / float64(f.Authored); share < 0.10 || share > 0.20 {
		t.Errorf("thread replies are %.1f%% of messages, want about 15%%", 100*share)
	}
}

// TestWorkingHours checks that activity follows office hours: the busiest
// UTC hours of a weekday are busier than the quietest by far.
func TestWorkingHours(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Offices = []string{"berlin", "london"}
	cfg.Messages = 20_000
	cfg.Days = 7 // Monday to Sunday
	w, err := newWorld(mustNormalize(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	monday := w.hourCounts[:24]
	if monday[3] >= monday[11]/10 {
		t.Errorf("Monday 03:00 UTC has %d messages, 11:00 UTC %d", monday[3], monday[11])
	}
	var weekday, weekend int64
	for h, n := range w.hourCounts {
		if h/24 < 5 {
			weekday += n
		} else {
			weekend += n
		}
	}
	if weekend*5 > weekday {
		t.Errorf("weekend %d messages, weekdays %d", weekend, weekday)
	}
	var total int64
	for _, n := range w.hourCounts {
		total += n
	}
	if total != int64(cfg.Messages) {
		t.Errorf("hours hold %d messages, want %d", total, cfg.Messages)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"negative messages", func(c *Config) { c.Messages = -1 }, "Messages"},
		{"no days", func(c *Config) { c.Days = 0 }, "Days"},
		{"too many days", func(c *Config) { c.Days = 100_000 }, "Days"},
		{"zero start", func(c *Config) { c.Start = time.Time{} }, "Start"},
		{"start not midnight", func(c *Config) { c.Start = c.Start.Add(time.Hour) }, "midnight"},
		{"start before epoch", func(c *Config) { c.Start = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC) }, "before"},
		{"one office", func(c *Config) { c.Offices = []string{"berlin"} }, "offices"},
		{"duplicate office", func(c *Config) { c.Offices = []string{"berlin", "berlin"} }, "twice"},
		{"empty office", func(c *Config) { c.Offices = []string{"berlin", ""} }, "office name"},
		{"comma in office", func(c *Config) { c.Offices = []string{"berlin", "a,b"} }, "office name"},
		{"bad zone", func(c *Config) { c.Timezones = map[string]string{"berlin": "Mars/Olympus"} }, "time zone"},
		{"zone of unknown office", func(c *Config) { c.Timezones = map[string]string{"paris": "Europe/Paris"} }, "not in Offices"},
		{"too few users", func(c *Config) { c.Users = 3 }, "Users"},
		{"too many offices", func(c *Config) {
			c.Offices = nil
			for i := range 65 {
				c.Offices = append(c.Offices, fmt.Sprint("office", i))
			}
		}, "offices"},
		{"negative channels", func(c *Config) { c.Channels = -2 }, "Channels"},
		{"more teams than channels", func(c *Config) { c.Teams, c.Channels = 13, 12 }, "Teams"},
		{"negative teams", func(c *Config) { c.Teams = -1 }, "Teams"},
		{"vocabulary too large", func(c *Config) { c.Vocabulary = 1 << 20 }, "Vocabulary"},
		{"NaN exponent", func(c *Config) { c.Vocabulary, c.ZipfExponent = 5000, nan() }, "ZipfExponent"},
		{"exponent without vocabulary", func(c *Config) { c.ZipfExponent = 1.2 }, "Vocabulary"},
		{"prefix without slash", func(c *Config) { c.Prefix = "slack" }, "Prefix"},
		{"absolute prefix", func(c *Config) { c.Prefix = "/slack/" }, "Prefix"},
		{"dotdot prefix", func(c *Config) { c.Prefix = "../x/" }, "Prefix"},
		{"bad stream", func(c *Config) { c.Stream = "a/b" }, "Stream"},
		{"negative rate", func(c *Config) { c.DuplicateRate = -0.1 }, "DuplicateRate"},
		{"rate too high", func(c *Config) { c.GlueRate = 0.9 }, "GlueRate"},
		{"NaN rate", func(c *Config) { c.LateRate = nan() }, "LateRate"},
		{"negative object records", func(c *Config) { c.ObjectRecords = -1 }, "ObjectRecords"},
		{"fractional margin", func(c *Config) { c.Margin = 90 * time.Minute }, "Margin"},
		{"fractional look-behind", func(c *Config) { c.LookBehind = 30 * time.Minute }, "LookBehind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Messages = 100
			tt.edit(&cfg)
			f, err := Generate(context.Background(), cfg, &MemStore{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error about %s", err, tt.want)
			}
			if f != nil {
				t.Error("Facts returned with an error")
			}
		})
	}
	if _, err := Generate(context.Background(), DefaultConfig(), nil); err == nil {
		t.Error("nil Putter accepted")
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

// TestEdgeConfigs runs configurations at the edges of what is valid.
func TestEdgeConfigs(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"zero value with a start", Config{Start: time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC), Days: 1}},
		{"no messages", func() Config { c := DefaultConfig(); c.Messages = 0; c.Days = 2; return c }()},
		{"one message per day", func() Config { c := DefaultConfig(); c.Messages = 3; c.Days = 3; return c }()},
		{"custom offices", func() Config {
			c := DefaultConfig()
			c.Messages, c.Days = 500, 2
			c.Offices = []string{"Mars Base", "tokyo"}
			c.Timezones = map[string]string{"Mars Base": "Pacific/Chatham"}
			c.Users, c.Channels = 4, 40
			return c
		}()},
		{"fifteen offices, default users", func() Config {
			c := DefaultConfig()
			c.Messages, c.Days = 500, 2
			c.Offices = strings.Fields("amsterdam bangalore berlin dublin london madrid nyc paris sf sao-paulo singapore sydney tokyo toronto zurich")
			return c
		}()},
		{"one record per object", func() Config { c := smallConfig(); c.Messages = 300; c.ObjectRecords = 1; return c }()},
		{"all noise at the maximum", func() Config {
			c := smallConfig()
			c.Messages = 1000
			c.DuplicateRate, c.LateRate, c.MalformedRate, c.GlueRate, c.TooLateRate = 0.5, 0.5, 0.5, 0.5, 0.5
			return c
		}()},
		{"DST change", func() Config {
			c := smallConfig()
			c.Messages = 2000
			c.Start = time.Date(2016, 10, 29, 0, 0, 0, 0, time.UTC)
			return c
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, f := generate(t, tt.cfg)
			rb := readArchive(t, store, f, tt.cfg.Gzip)
			if rb.RecordsRead != f.RecordsRead || rb.InRange != f.InRange || rb.Duplicates != f.Duplicates ||
				rb.Authored != f.Authored {
				t.Errorf("read back %+v\nFacts %+v", rb, f)
			}
		})
	}
}

type failingPutter struct{ after int }

func (p *failingPutter) Put(ctx context.Context, key string, body []byte) error {
	if p.after--; p.after < 0 {
		return errors.New("boom")
	}
	return nil
}

func TestPutErrors(t *testing.T) {
	cfg := smallConfig()
	cfg.Workers = 1
	_, err := Generate(context.Background(), cfg, &failingPutter{after: 10})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("got %v, want the Put error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, cfg, &MemStore{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

func TestRosterCSV(t *testing.T) {
	cfg := smallConfig()
	cfg.Messages = 100
	_, f := generate(t, cfg)
	lines := strings.Split(strings.TrimSuffix(string(f.RosterCSV()), "\n"), "\n")
	if lines[0] != "user_id,office,timezone,from" {
		t.Errorf("header %q", lines[0])
	}
	if len(lines) != len(f.Users)+len(f.Moves)+1 || len(f.Users) != 20+4 || len(f.Moves) != 1 { // and the planted people
		t.Fatalf("%d lines for %d users and %d moves", len(lines), len(f.Users), len(f.Moves))
	}
	row := regexp.MustCompile(`^U[A-Z0-9]{8},[a-z]+,[A-Za-z_]+/[A-Za-z_]+$`)
	for i, l := range lines[1 : len(f.Users)+1] {
		if !row.MatchString(l) {
			t.Errorf("row %q", l)
		}
		if i > 0 && lines[i] >= l {
			t.Errorf("rows not sorted: %q before %q", lines[i], l)
		}
		id, rest, _ := strings.Cut(l, ",")
		if u := f.Users[id]; rest != u.Office+","+u.Timezone {
			t.Errorf("row %q, user %+v", l, u)
		}
	}
	// The engine reads the move as the facts state it.
	roster, err := pipeline.ParseRoster(strings.NewReader(string(f.RosterCSV())))
	if err != nil {
		t.Fatal(err)
	}
	m := f.Moves[0]
	from, _ := time.Parse(time.DateOnly, m.From)
	if f.Users[m.User].Office == m.Office || m.From != f.Start.AddDate(0, 0, f.Days/2).Format(time.DateOnly) {
		t.Errorf("move %+v of %+v is no move in mid-range", m, f.Users[m.User])
	}
	for _, at := range []time.Time{f.Start, from.Add(-time.Second), from, f.End} {
		day := at.Format(time.DateOnly)
		if e, _ := roster.Lookup(m.User, at); e.Office != f.OfficeOn(m.User, day) {
			t.Errorf("%s: roster says %s, facts %s", at, e.Office, f.OfficeOn(m.User, day))
		}
	}
}

func TestObjectKeys(t *testing.T) {
	cfg := smallConfig()
	cfg.Gzip, cfg.Prefix = true, "slack/"
	store, f := generate(t, cfg)
	var objects int
	for _, key := range store.Keys() {
		obj, ok := archive.ParseObjectKey(cfg.Prefix, key)
		if !ok {
			if !strings.Contains(strings.Join(f.StrayKeys, " "), key) {
				t.Errorf("key %q is neither an object nor a known stray key", key)
			}
			continue
		}
		objects++
		if obj.Stream != cfg.Stream || !obj.Gzipped {
			t.Errorf("key %q: %+v", key, obj)
		}
		body, _ := store.Get(key)
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		ndjson, err := io.ReadAll(zr)
		if err != nil || len(ndjson) == 0 || ndjson[len(ndjson)-1] != '\n' {
			t.Fatalf("%s: %d bytes, %v", key, len(ndjson), err)
		}
		if n := bytes.Count(ndjson, []byte("\n")); n > cfg.ObjectRecords {
			t.Errorf("%s: %d lines, more than ObjectRecords", key, n)
		}
	}
	if int64(objects) != f.ObjectsWritten {
		t.Errorf("%d objects, Facts say %d", objects, f.ObjectsWritten)
	}
	// Objects opened late in an hour hold records of the next one.
	if f.EarlyPrefix == 0 {
		t.Error("no record sits in an object filed under the hour before its message")
	}
}

// TestTeams checks that several teams share the channels round robin: every
// record of a channel carries its team, every team has records, and a
// profile that names teams is valid.
func TestTeams(t *testing.T) {
	cfg := smallConfig()
	cfg.Teams, cfg.Channels, cfg.Vocabulary, cfg.ZipfExponent = 3, 9, 5000, 1.07
	s, f := generate(t, cfg)
	if len(f.Teams) != 3 || f.Teams[0] != Team || f.Team != Team {
		t.Fatalf("teams %v (team %q)", f.Teams, f.Team)
	}
	teamOf := map[string]string{}
	perTeam := map[string]int{}
	for _, key := range s.Keys() {
		body, _ := s.Get(key)
		for _, line := range bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n")) {
			m, err := schema.Decode(line)
			if err != nil {
				continue // malformed and glued lines are checked elsewhere
			}
			if prev, ok := teamOf[m.ChannelID]; ok && prev != m.Team {
				t.Fatalf("%s: channel %s in teams %s and %s", key, m.ChannelID, prev, m.Team)
			}
			teamOf[m.ChannelID] = m.Team
			perTeam[m.Team]++
		}
	}
	for _, team := range f.Teams {
		if perTeam[team] == 0 {
			t.Errorf("team %s has no records: %v", team, perTeam)
		}
	}
	if len(perTeam) != 3 {
		t.Errorf("records carry teams %v, want %v", perTeam, f.Teams)
	}
	for _, name := range Profiles {
		p, err := Profile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.normalized(); err != nil {
			t.Errorf("profile %s: %v", name, err)
		}
	}
	if _, err := Profile("huge"); err == nil {
		t.Error("Profile(huge) did not fail")
	}
}
