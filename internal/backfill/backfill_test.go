package backfill

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/internal/testutil/s3test"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

const team = "T0001"

// ts returns the Slack ts of a time on a day of November 2016, UTC.
func ts(day, hour, min, sec, usec int) string {
	return schema.FormatTS(time.Date(2016, 11, day, hour, min, sec, usec*1000, time.UTC))
}

// What the batch side makes of a test message.
const (
	authored   = "authored"
	bot        = "bot"
	other      = "other"      // joins, leaves
	nonMessage = "nonmessage" // skipped by backfill
	invalid    = "invalid"    // skipped by backfill
	repeated   = "repeated"   // a second copy in the export
)

type testMessage struct {
	folder, date string
	class        string
	raw          map[string]any
}

func msg(user, text, ts string, extra ...any) map[string]any {
	m := map[string]any{"type": "message", "user": user, "text": text, "ts": ts}
	if user == "" {
		delete(m, "user")
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

// testMessages is the export's content: 2 channels, 3 days, a thread, a
// bot, a join and a leave, an edit, unicode, a non-message element, an
// invalid message and a message repeated.
func testMessages() []testMessage {
	parent := ts(14, 9, 5, 0, 100)
	return []testMessage{
		{"general", "2016-11-14", other, msg("U3", "<@U3> has joined the channel", ts(14, 9, 0, 0, 0), "subtype", "channel_join")},
		{"general", "2016-11-14", authored, msg("U1", "Good morning ☀️ équipe, ça va?", parent,
			"thread_ts", parent, "reply_count", 2, "reply_users", []string{"U2", "U3"},
			"reactions", []any{map[string]any{"name": "+1", "users": []string{"U2"}, "count": 1}})},
		{"general", "2016-11-14", authored, msg("U2", "all good 👍", ts(14, 9, 7, 30, 0), "thread_ts", parent, "parent_user_id", "U1")},
		{"general", "2016-11-14", authored, msg("U3", "same here", ts(14, 10, 30, 0, 5), "thread_ts", parent, "parent_user_id", "U1")},
		{"general", "2016-11-14", bot, msg("", "Deployed v1.2.3 :rocket:", ts(14, 10, 31, 0, 0),
			"subtype", "bot_message", "bot_id", "B1", "username", "deploybot")},
		{"random", "2016-11-14", authored, msg("U2", "lunch? 🍜", ts(14, 9, 10, 0, 0))},
		{"random", "2016-11-14", authored, msg("U1", "late night &amp; quiet", ts(14, 23, 59, 59, 999999))},
		{"general", "2016-11-15", authored, msg("U1", "just after midnight", ts(15, 0, 0, 1, 0))},
		{"general", "2016-11-15", authored, msg("U2", "edited text, fixed typo", ts(15, 12, 0, 0, 0),
			"edited", map[string]any{"user": "U2", "ts": ts(15, 12, 3, 0, 0)})},
		{"general", "2016-11-15", nonMessage, map[string]any{"type": "bookmark_added", "ts": ts(15, 12, 5, 0, 0)}},
		{"random", "2016-11-15", authored, msg("U3", "日本語のテキスト", ts(15, 14, 0, 0, 0),
			"reactions", []any{map[string]any{"name": "tada", "users": []string{"U1", "U2"}, "count": 2}})},
		{"general", "2016-11-16", authored, msg("U1", "<@U2> please review <https://x.y|the doc> &amp; thanks", ts(16, 8, 0, 0, 0))},
		{"general", "2016-11-16", invalid, msg("U2", "no ts at all", "")},
		{"general", "2016-11-16", other, msg("U2", "<@U2> has left the channel", ts(16, 8, 10, 0, 0), "subtype", "channel_leave")},
		{"random", "2016-11-16", authored, msg("U2", "ok", ts(16, 8, 30, 0, 0))},
		{"random", "2016-11-16", repeated, msg("U2", "ok", ts(16, 8, 30, 0, 0))},
		{"random", "2016-11-16", authored, msg("U3", "waves", ts(16, 8, 31, 0, 0), "subtype", "me_message")},
		// Day files may follow a local time zone: this one is of the
		// previous UTC day, in an hour already written with that day.
		{"random", "2016-11-15", authored, msg("U2", "filed under the next local day", ts(14, 23, 30, 0, 0))},
	}
}

var testUsers = []map[string]any{
	{"id": "U1", "team_id": team, "name": "alice", "real_name": "Alice Ångström"},
	{"id": "U2", "team_id": team, "name": "bob", "real_name": "Bob"},
	{"id": "U3", "team_id": team, "name": "chloé", "real_name": "Chloé"},
	{"id": "U9", "team_id": "T0OTHER", "name": "guest"}, // a shared-channel guest
}

var testChannels = []map[string]any{
	{"id": "C1", "name": "general", "created": 1479100000},
	{"id": "C2", "name": "random", "created": 1479100000},
}

// buildExport zips an export of msgs under root ("" or "Folder/"), with
// users and channels; extra entries are added verbatim.
func buildExport(t testing.TB, root string, msgs []testMessage, users any, extra map[string][]byte) []byte {
	t.Helper()
	files := map[string][]byte{}
	put := func(name string, v any) {
		data, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			t.Fatal(err)
		}
		files[root+name] = data
	}
	put("channels.json", testChannels)
	if users != nil {
		put("users.json", users)
	}
	days := map[string][]map[string]any{}
	for _, m := range msgs {
		name := m.folder + "/" + m.date + ".json"
		days[name] = append(days[name], m.raw)
	}
	for name, list := range days {
		put(name, list)
	}
	maps.Copy(files, extra)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func convert(t *testing.T, export []byte, dir string, opts Options) Stats {
	t.Helper()
	st, err := Convert(context.Background(), bytes.NewReader(export), int64(len(export)), archive.Dir{Root: dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.NonMessages + st.Invalid + st.Duplicates + st.Written; got != st.Read {
		t.Errorf("accounting: %d non-messages + %d invalid + %d duplicates + %d written != %d read",
			st.NonMessages, st.Invalid, st.Duplicates, st.Written, st.Read)
	}
	return st
}

func count(msgs []testMessage, classes ...string) int64 {
	n := int64(0)
	for _, m := range msgs {
		if slices.Contains(classes, m.class) {
			n++
		}
	}
	return n
}

// snapshot returns the archive's files and their contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func runJob(t *testing.T, dir string) (*jobs.Result, string) {
	t.Helper()
	out := t.TempDir()
	res, err := jobs.Run(context.Background(), jobs.RunOptions{
		Source: loctest.Parse(t, dir), Out: loctest.Parse(t, out), From: time.Date(2016, 11, 14, 0, 0, 0, 0, time.UTC),
		To: time.Date(2016, 11, 17, 0, 0, 0, 0, time.UTC), Workers: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, out
}

// checkRun checks that a run over the archive counts exactly the export's
// messages: authored ones per day and user, with the users' names.
// Live copies carry no user names: unless names is set, a row may have none.
func checkRun(t *testing.T, dir string, msgs []testMessage, names bool) *jobs.Result {
	t.Helper()
	res, out := runJob(t, dir)
	c := res.Manifest.Counts
	if c.Quarantined != 0 || c.OutOfRange != 0 {
		t.Errorf("quarantined %d, out of range %d: %v", c.Quarantined, c.OutOfRange, c.QuarantineReasons)
	}
	if want := count(msgs, authored); c.Authored != want {
		t.Errorf("authored %d, want %d", c.Authored, want)
	}
	if want := count(msgs, bot); c.Bots != want {
		t.Errorf("bots %d, want %d", c.Bots, want)
	}
	if want := count(msgs, other); c.Other != want {
		t.Errorf("other %d, want %d", c.Other, want)
	}
	want := map[string]map[string]int64{}
	for _, m := range msgs {
		if m.class == authored {
			u := m.raw["user"].(string)
			at, _ := schema.ParseTS(m.raw["ts"].(string))
			day := at.Format(time.DateOnly)
			if want[day] == nil {
				want[day] = map[string]int64{}
			}
			want[day][u]++
		}
	}
	userNames := map[string]string{"U1": "alice", "U2": "bob", "U3": "chloé"}
	for day, wantUsers := range want {
		rows, err := parquet.ReadFile[aggregate.UserRow](filepath.Join(out, jobs.TableUsers, "date="+day, "part-0.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, r := range rows {
			if r.Messages > 0 {
				got[r.UserID] = r.Messages
			}
			if r.TeamID != team || r.UserName != userNames[r.UserID] && (names || r.UserName != "") {
				t.Errorf("%s: user row %s/%s named %q", day, r.TeamID, r.UserID, r.UserName)
			}
		}
		if !maps.Equal(got, wantUsers) {
			t.Errorf("%s: messages per user %v, want %v", day, got, wantUsers)
		}
	}
	return res
}

func TestConvert(t *testing.T) {
	msgs := testMessages()
	export := buildExport(t, "", msgs, testUsers, nil)
	dir := t.TempDir()
	st := convert(t, export, dir, Options{Team: team})
	valid := count(msgs, authored, bot, other, repeated)
	want := Stats{
		Team: team, Entries: 6, Days: 3, Read: int64(len(msgs)),
		NonMessages: 1, Invalid: 1, Duplicates: 1, Written: valid - 1,
		First: time.Date(2016, 11, 14, 9, 0, 0, 0, time.UTC),
		Last:  time.Date(2016, 11, 16, 8, 31, 0, 0, time.UTC),
	}
	// One object per message hour: 14T09, 14T10, 14T23, 15T00, 15T12, 15T14,
	// 16T08, and a second one for 14T23, found with 2016-11-15's files.
	want.Objects = 8
	got := st
	got.Bytes = 0
	if got != want {
		t.Errorf("stats\ngot  %+v\nwant %+v", got, want)
	}
	files := snapshot(t, dir)
	for key, data := range files {
		obj, ok := archive.ParseObjectKey("", key)
		if !ok || obj.Stream != DefaultStream || obj.Gzipped {
			t.Errorf("key %s is not a backfill object key", key)
			continue
		}
		// Every record of the object is of the object's hour.
		for line := range strings.Lines(data) {
			m, err := schema.Decode([]byte(line))
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			if !m.Time.Truncate(time.Hour).Equal(obj.Hour) || m.Source != schema.SourceExport || m.Team != team {
				t.Errorf("%s: record %+v", key, m)
			}
		}
	}
	checkRun(t, dir, msgs, true)

	t.Run("rerun is idempotent", func(t *testing.T) {
		for _, gz := range []bool{false, true} {
			st := convert(t, export, dir, Options{Team: team, Gzip: gz})
			if st.Objects != 0 || st.Written != 0 || st.Duplicates != valid || st.InBackfill != valid {
				t.Errorf("gzip %v: rerun wrote %d objects, %d records; %d duplicates (%d in backfill), want %d",
					gz, st.Objects, st.Written, st.Duplicates, st.InBackfill, valid)
			}
			if again := snapshot(t, dir); !maps.Equal(again, files) {
				t.Errorf("gzip %v: the rerun changed the archive", gz)
			}
		}
	})

	t.Run("gzip objects are read back", func(t *testing.T) {
		other := t.TempDir()
		if st := convert(t, export, other, Options{Team: team, Gzip: true}); st.Objects != want.Objects {
			t.Fatalf("%d objects", st.Objects)
		}
		if st := convert(t, export, other, Options{Team: team}); st.Objects != 0 || st.InBackfill != valid {
			t.Errorf("rerun over gzip objects: %+v", st)
		}
		checkRun(t, other, msgs, true)
	})

	t.Run("same keys from a fresh archive", func(t *testing.T) {
		other := t.TempDir()
		convert(t, export, other, Options{}) // the team from users.json
		if got := snapshot(t, other); !maps.Equal(got, files) {
			t.Errorf("keys or bytes differ from the first conversion:\n%v\n%v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(files)))
		}
	})
}

// TestConvertSkipsLiveCopies pre-seeds the archive with some of the
// export's messages as live ingestion wrote them: backfill must skip them,
// and a run must count every message once.
func TestConvertSkipsLiveCopies(t *testing.T) {
	msgs := testMessages()
	export := buildExport(t, "", msgs, testUsers, nil)
	dir := t.TempDir()
	store := archive.Dir{Root: dir}
	ctx := context.Background()

	// Live copies: as the Events API gave them, so without user names; the
	// late-night one arrived after midnight, filed under the next day.
	var enc schema.Encoder
	live := map[string][]byte{}
	seeded := 0
	for i, m := range msgs {
		if m.class != authored || i%2 == 1 {
			continue
		}
		lm := schema.Message{
			Team: team, ChannelID: map[string]string{"general": "C1", "random": "C2"}[m.folder],
			UserID: m.raw["user"].(string), TS: m.raw["ts"].(string), Text: m.raw["text"].(string),
			EventID: fmt.Sprintf("Ev%04d", i), Source: schema.SourceEventsAPI,
		}
		lm.ThreadTS, _ = m.raw["thread_ts"].(string)
		lm.ParentUser, _ = m.raw["parent_user_id"].(string)
		at, _ := schema.ParseTS(lm.TS)
		key := archive.ObjectKey("", "slack-wiretap", 1, at.Add(5*time.Second).Truncate(time.Second), "5b1b6c48-aa1b-4c8e-9a1e-2f0c4b7c9d10", false)
		live[key] = enc.AppendNDJSON(live[key], &lm)
		seeded++
	}
	// And one as a raw Events API envelope, the oldest archive shape.
	envelope := fmt.Sprintf(`{"type":"event_callback","team_id":%q,"event_id":"EvRaw","event":{"type":"message","channel":"C2","user":"U2","text":"lunch?","ts":%q}}`+"\n",
		team, msgs[5].raw["ts"])
	rawKey := archive.ObjectKey("", "slack-wiretap", 1, time.Date(2016, 11, 14, 9, 10, 2, 0, time.UTC), "0a1b6c48-aa1b-4c8e-9a1e-2f0c4b7c9d10", false)
	live[rawKey] = append(live[rawKey], envelope...)
	seeded++
	for key, data := range live {
		if err := store.Put(ctx, key, data); err != nil {
			t.Fatal(err)
		}
	}
	if len(live) < 4 || !slices.ContainsFunc(slices.Collect(maps.Keys(live)), func(k string) bool { return strings.HasPrefix(k, "2016/11/15/00/") }) {
		t.Fatalf("the seed should span hours and a late arrival across midnight: %v", slices.Collect(maps.Keys(live)))
	}

	st := convert(t, export, dir, Options{Team: team})
	valid := count(msgs, authored, bot, other, repeated)
	// The seeded messages are skipped, and the export's repeated one.
	if st.Duplicates != int64(seeded)+1 || st.InBackfill != 0 || st.Written != valid-int64(seeded)-1 {
		t.Errorf("duplicates %d (in backfill %d), written %d; want %d duplicates and %d written",
			st.Duplicates, st.InBackfill, st.Written, seeded+1, valid-int64(seeded)-1)
	}
	res := checkRun(t, dir, msgs, false)
	if d := res.Manifest.Counts.Duplicates; d != 0 {
		t.Errorf("the run found %d duplicates: backfill wrote copies of live messages", d)
	}
}

func TestConvertExportLayouts(t *testing.T) {
	msgs := testMessages()
	t.Run("nested root, unknown folder, no team in users.json", func(t *testing.T) {
		users := []map[string]any{{"id": "U1", "name": "alice"}}
		export := buildExport(t, "Acme Slack export Nov 2016/", msgs, users, map[string][]byte{
			"Acme Slack export Nov 2016/ghost/2016-11-14.json":    []byte(`[{"type":"message","user":"U1","text":"?","ts":"1479114000.000000"}]`),
			"Acme Slack export Nov 2016/integration_logs.json":    []byte(`{"logs":[]}`),
			"__MACOSX/Acme Slack export Nov 2016/._channels.json": []byte("\x00\x05"),
		})
		dir := t.TempDir()
		_, err := Convert(context.Background(), bytes.NewReader(export), int64(len(export)), archive.Dir{Root: dir}, Options{})
		if !errors.Is(err, ErrNoTeam) {
			t.Fatalf("no team: %v", err)
		}
		st := convert(t, export, dir, Options{Team: team})
		if st.SkippedEntries != 1 || st.Entries != 6 || st.Written != count(msgs, authored, bot, other) {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("not an export", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("README.txt")
		w.Write([]byte("hello"))
		zw.Close()
		_, err := Convert(context.Background(), bytes.NewReader(buf.Bytes()), int64(buf.Len()), archive.Dir{Root: t.TempDir()}, Options{Team: team})
		if !errors.Is(err, ErrNoChannels) {
			t.Errorf("got %v", err)
		}
		_, err = Convert(context.Background(), strings.NewReader("not a zip"), 9, archive.Dir{Root: t.TempDir()}, Options{Team: team})
		if err == nil || !strings.Contains(err.Error(), "open export") {
			t.Errorf("got %v", err)
		}
	})
}

// TestConvertCorruptEntry: an entry whose bytes are damaged, or that is
// not JSON, fails the conversion with an error naming it.
func TestConvertCorruptEntry(t *testing.T) {
	msgs := testMessages()
	const bad = "random/2016-11-15.json"
	for _, tc := range []struct {
		name    string
		export  func() []byte
		wantErr error
	}{
		{"bad JSON", func() []byte {
			return buildExport(t, "", msgs, testUsers, map[string][]byte{bad: []byte(`[{"type":"message","ts":"1479222000.000000",`)})
		}, ErrMalformedJSON},
		{"not an array", func() []byte {
			return buildExport(t, "", msgs, testUsers, map[string][]byte{bad: []byte(`{"type":"message"}`)})
		}, ErrMalformedJSON},
		{"bad users.json", func() []byte {
			return buildExport(t, "", msgs, testUsers, map[string][]byte{"users.json": []byte(`[{"id":`)})
		}, ErrMalformedJSON},
		{"checksum", func() []byte {
			// Stored, not deflated, so that a flipped byte reaches the
			// reader intact and only the CRC catches it.
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, f := range []struct{ name, body string }{
				{"channels.json", `[{"id":"C2","name":"random"}]`},
				{bad, `[{"type":"message","user":"U1","text":"MARKER","ts":"1479222000.000000"}]`},
			} {
				w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store})
				w.Write([]byte(f.body))
			}
			zw.Close()
			b := buf.Bytes()
			i := bytes.Index(b, []byte("MARKER"))
			b[i] = 'm'
			return b
		}, zip.ErrChecksum},
	} {
		t.Run(tc.name, func(t *testing.T) {
			export := tc.export()
			_, err := Convert(context.Background(), bytes.NewReader(export), int64(len(export)), archive.Dir{Root: t.TempDir()}, Options{Team: team})
			var ee *EntryError
			if !errors.As(err, &ee) || !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want an EntryError wrapping %v", err, tc.wantErr)
			}
			if want := bad; tc.name == "bad users.json" {
				want = "users.json"
				if ee.Entry != want {
					t.Errorf("entry %q, want %q", ee.Entry, want)
				}
			} else if ee.Entry != want || !strings.Contains(err.Error(), want) {
				t.Errorf("entry %q in %q, want %q", ee.Entry, err, want)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		export := buildExport(t, "", msgs, testUsers, nil)
		_, err := Convert(context.Background(), bytes.NewReader(export), int64(len(export)), archive.Dir{Root: t.TempDir()},
			Options{Team: team, MaxEntryBytes: 300})
		if !errors.Is(err, ErrEntryTooLarge) {
			t.Errorf("got %v", err)
		}
	})
}

func TestConvertCancelled(t *testing.T) {
	export := buildExport(t, "", testMessages(), testUsers, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Convert(ctx, bytes.NewReader(export), int64(len(export)), archive.Dir{Root: t.TempDir()}, Options{Team: team})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

func TestNormalise(t *testing.T) {
	ch := channel{ID: "C1", Name: "general"}
	users := map[string]string{"U1": "alice"}
	for _, tc := range []struct {
		name string
		in   string
		want schema.Message
		err  error
	}{
		{"plain", `{"type":"message","user":"U1","text":"hi","ts":"1479114000.000100","user_profile":{"real_name":"A"}}`,
			schema.Message{UserID: "U1", UserName: "alice", Text: "hi", TS: "1479114000.000100"}, nil},
		{"edited reply", `{"type":"message","user":"U2","text":"x","ts":"1479114000.000200","thread_ts":"1479114000.000100","parent_user_id":"U1","edited":{"user":"U2","ts":"1479114100.000000"}}`,
			schema.Message{UserID: "U2", Text: "x", TS: "1479114000.000200", ThreadTS: "1479114000.000100", ParentUser: "U1", EditedTS: "1479114100.000000"}, nil},
		{"bot", `{"type":"message","subtype":"bot_message","bot_id":"B1","username":"deploybot","text":"ok","ts":"1479114000.000300"}`,
			schema.Message{Subtype: "bot_message", BotID: "B1", UserName: "deploybot", Text: "ok", TS: "1479114000.000300"}, nil},
		{"changed", `{"type":"message","subtype":"message_changed","ts":"1479114200.000000","message":{"user":"U1","text":"new","ts":"1479114000.000100","edited":{"ts":"1479114199.000000"}}}`,
			schema.Message{Subtype: "message_changed", UserID: "U1", UserName: "alice", Text: "new", TS: "1479114000.000100", EditedTS: "1479114199.000000"}, nil},
		{"deleted", `{"type":"message","subtype":"message_deleted","ts":"1479114200.000000","deleted_ts":"1479114000.000100"}`,
			schema.Message{Subtype: "message_deleted", TS: "1479114000.000100", EditedTS: "1479114200.000000"}, nil},
		{"no ts", `{"type":"message","user":"U1","text":"hi"}`, schema.Message{}, schema.ErrMissingField},
		{"bad ts", `{"type":"message","user":"U1","ts":"yesterday"}`, schema.Message{}, schema.ErrBadTS},
		{"ts in ms", `{"type":"message","user":"U1","ts":"1479114000000"}`, schema.Message{}, schema.ErrBadTS},
		{"numeric user", `{"type":"message","user":7,"ts":"1479114000.000100"}`, schema.Message{}, schema.ErrFieldType},
		{"edited not object", `{"type":"message","user":"U1","ts":"1479114000.000100","edited":"yes"}`, schema.Message{}, schema.ErrFieldType},
		{"changed without message", `{"type":"message","subtype":"message_changed","ts":"1479114200.000000"}`, schema.Message{}, schema.ErrMissingField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []schema.Message
			c, err := parseDay(nil, []byte("["+tc.in+"]"), team, ch, users, func(m *schema.Message) { got = append(got, *m) })
			if err != nil {
				t.Fatal(err)
			}
			if tc.err != nil {
				if c.invalid != 1 || !errors.Is(c.firstErr, tc.err) {
					t.Errorf("invalid %d, err %v; want %v", c.invalid, c.firstErr, tc.err)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d messages, counts %+v", len(got), c)
			}
			want := tc.want
			want.Team, want.ChannelID, want.ChannelName, want.Source = team, "C1", "general", schema.SourceExport
			want.Time, _ = schema.ParseTS(want.TS)
			if got[0] != want {
				t.Errorf("got  %+v\nwant %+v", got[0], want)
			}
		})
	}
}

// TestLiveKeysMatch checks the premise of deduplication: an exported
// message has the Key of the same message received live.
func TestLiveKeysMatch(t *testing.T) {
	for _, tc := range []struct{ export, event string }{
		{`{"type":"message","user":"U1","text":"hi","ts":"1479114000.000100"}`,
			`{"type":"message","channel":"C1","user":"U1","text":"hi","ts":"1479114000.000100"}`},
		{`{"type":"message","subtype":"message_changed","ts":"1479114200.000000","message":{"user":"U1","text":"new","ts":"1479114000.000100","edited":{"ts":"1479114199.000000"}}}`,
			`{"type":"message","subtype":"message_changed","channel":"C1","ts":"1479114200.000000","message":{"user":"U1","text":"new","ts":"1479114000.000100","edited":{"ts":"1479114199.000000"}}}`},
		{`{"type":"message","subtype":"message_deleted","ts":"1479114200.000000","deleted_ts":"1479114000.000100"}`,
			`{"type":"message","subtype":"message_deleted","channel":"C1","ts":"1479114200.000000","deleted_ts":"1479114000.000100"}`},
	} {
		var got schema.Message
		if _, err := parseDay(nil, []byte("["+tc.export+"]"), team, channel{ID: "C1"}, nil, func(m *schema.Message) { got = *m }); err != nil {
			t.Fatal(err)
		}
		live, err := schema.FromEventsAPI([]byte(`{"type":"event_callback","team_id":"` + team + `","event_id":"Ev1","event":` + tc.event + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if got.Key() != live.Key() {
			t.Errorf("export %+v and live %+v have different keys", got, live)
		}
	}
}

func TestContentUUID(t *testing.T) {
	a, b := contentUUID([]byte("x")), contentUUID([]byte("y"))
	if a == b || a != contentUUID([]byte("x")) {
		t.Errorf("%s %s", a, b)
	}
	key := archive.ObjectKey("", DefaultStream, 1, time.Date(2016, 11, 18, 10, 4, 55, 0, time.UTC), a, true)
	if obj, ok := archive.ParseObjectKey("", key); !ok || obj.Stream != DefaultStream || !obj.Gzipped {
		t.Errorf("%s does not parse as a Firehose key: %+v", key, obj)
	}
	if a[14] != '8' {
		t.Errorf("%s: want version 8", a)
	}
}

// TestConvertS3 converts into a real S3 server (scripts/s3server.sh)
// under a prefix, reruns, and runs the job on the bucket.
func TestConvertS3(t *testing.T) {
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)
	ctx := context.Background()
	loc := "s3://" + bucket + "/slack/"
	store, err := archive.NewS3(ctx, loctest.Parse(t, loc), archive.S3Options{Endpoint: ep})
	if err != nil {
		t.Fatal(err)
	}
	msgs := testMessages()
	export := buildExport(t, "", msgs, testUsers, nil)
	st, err := Convert(ctx, bytes.NewReader(export), int64(len(export)), store, Options{Team: team, Gzip: true})
	if err != nil {
		t.Fatal(err)
	}
	keys := s3test.Keys(t, ep, bucket, "")
	if int64(len(keys)) != st.Objects || st.Objects == 0 || !strings.HasPrefix(keys[0], "slack/2016/11/14/09/slack-backfill-1-") {
		t.Fatalf("stats %+v, keys %v", st, keys)
	}
	again, err := Convert(ctx, bytes.NewReader(export), int64(len(export)), store, Options{Team: team})
	if err != nil {
		t.Fatal(err)
	}
	if again.Objects != 0 || again.InBackfill != st.Written+st.Duplicates || again.ObjectsRead != st.Objects {
		t.Errorf("rerun: %+v", again)
	}
	res, err := jobs.Run(ctx, jobs.RunOptions{
		Source: loctest.Parse(t, loc), Out: loctest.Parse(t, t.TempDir()), S3: archive.S3Options{Endpoint: ep},
		From: time.Date(2016, 11, 14, 0, 0, 0, 0, time.UTC), To: time.Date(2016, 11, 17, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Manifest.Counts.Authored, count(msgs, authored); got != want {
		t.Errorf("authored %d, want %d", got, want)
	}
}
