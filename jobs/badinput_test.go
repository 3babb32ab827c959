package jobs_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/internal/testutil/s3test"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
	"github.com/wiretap-hq/wiretap/schema"
)

// Bad input, accounted for: every class of bad input a Firehose archive can
// hold, each in a tiny archive of its own beside one good record, run
// through jobs.Run. Each must end in the quarantine (with its object, line
// and a reason naming the problem) or in a count, never nowhere:
// records_read = parsed + quarantined + duplicates, exactly.
//
// The engine's own tests (pipeline/engine_test.go) check the same classes
// mixed in one archive, at the Worker interface; these check what a user of
// the job sees: the manifest's counts and quarantine.ndjson.

// badDay is the day the bad-input archives cover: [badDay, badDay+24h).
var badDay = time.Date(2016, 11, 18, 0, 0, 0, 0, time.UTC)

// at10 is minute m (and second s) of hour 10 of badDay, where most records are.
func at10(m, s int) time.Time {
	return badDay.Add(10*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

// msg is the canonical NDJSON of a message at t, without its newline.
func msg(t time.Time, text string) string {
	m := schema.Message{Team: "T1", ChannelID: "C1", UserID: "U1", TS: schema.FormatTS(t), Time: t,
		Text: text, Source: schema.SourceEventsAPI}
	return strings.TrimSuffix(string(schema.AppendNDJSON(nil, &m)), "\n")
}

// event is an Events API envelope of a message at t, as Slack posts it,
// webhook token included.
func event(t time.Time, eventID, text string) string {
	return fmt.Sprintf(`{"token":"XXtokenXX","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":%q,`+
		`"event_time":%d,"event":{"type":"message","channel":"C1","channel_type":"channel","user":"U2","text":%q,"ts":%q}}`,
		eventID, t.Unix(), text, schema.FormatTS(t))
}

// ndjson joins lines, each ending in a newline.
func ndjson(ls ...string) []byte {
	var b []byte
	for _, l := range ls {
		b = append(b, l...)
		b = append(b, '\n')
	}
	return b
}

func gz(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gzCutMidStream is a gzip stream of first and second whose deflate data
// stops a few bytes into second: first decompresses whole, second never
// ends.
func gzCutMidStream(t *testing.T, first, second []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(first); err != nil {
		t.Fatal(err)
	}
	if err := zw.Flush(); err != nil {
		t.Fatal(err)
	}
	cut := b.Len() + 8
	if _, err := zw.Write(second); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()[:cut]
}

// badObject is one object of a test archive.
type badObject struct {
	name string    // for the test's messages and wantEntry.object
	hour time.Time // hour prefix; zero: hour 10
	gz   bool
	body []byte
	key  string // the key as is, for keys that are not Firehose objects
}

func (o badObject) objectKey(n int) string {
	if o.key != "" {
		return o.key
	}
	hour := o.hour
	if hour.IsZero() {
		hour = at10(0, 0)
	}
	return archive.ObjectKey("", "slack-wiretap", 1, hour.Add(3*time.Minute),
		fmt.Sprintf("00000000-0000-4000-8000-%012d", n), o.gz)
}

// wantEntry is a quarantine entry a test expects: its object, line, and
// words its reason must hold.
type wantEntry struct {
	object string
	line   int
	reason []string
}

// baseRecord is the good record every bad-input archive holds, so that the
// run has data.
var baseRecord = msg(at10(5, 0), "the one good record")

// buildArchive writes the base object and objs below a new folder and
// returns the folder and the key of each object by name.
func buildArchive(t *testing.T, objs []badObject) (dir string, keys map[string]string) {
	t.Helper()
	dir = t.TempDir()
	store := archive.Dir{Root: dir}
	keys = map[string]string{}
	all := append([]badObject{{name: "base", body: ndjson(baseRecord)}}, objs...)
	for i, o := range all {
		body := o.body
		k := o.objectKey(i + 1)
		keys[o.name] = k
		if err := store.Put(context.Background(), k, body); err != nil {
			t.Fatal(err)
		}
	}
	return dir, keys
}

// runBad runs the job over dir with the bad-record check off and returns
// its counts, as the published manifest has them, and its quarantine.
func runBad(t *testing.T, src string) (*pipeline.Counts, []pipeline.QuarantineEntry) {
	t.Helper()
	out := t.TempDir()
	res, err := jobs.Run(context.Background(), jobs.RunOptions{
		Source: loctest.Parse(t, src), Out: loctest.Parse(t, out), From: badDay, To: badDay.Add(24 * time.Hour), Workers: 2, MaxBadRatio: -1,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var m jobs.Manifest
	data, err := os.ReadFile(filepath.Join(out, output.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if !countsEqual(&m.Counts, &res.Manifest.Counts) {
		t.Errorf("published manifest counts %+v differ from the result's %+v", m.Counts, res.Manifest.Counts)
	}
	checkIdentities(t, &m.Counts)
	return &m.Counts, readQuarantine(t, out)
}

func countsEqual(a, b *pipeline.Counts) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// checkIdentities asserts the accounting identities of a run.
func checkIdentities(t *testing.T, c *pipeline.Counts) {
	t.Helper()
	if c.RecordsRead != c.Parsed+c.Quarantined+c.Duplicates {
		t.Errorf("records_read %d != parsed %d + quarantined %d + duplicates %d", c.RecordsRead, c.Parsed, c.Quarantined, c.Duplicates)
	}
	if c.Parsed != c.InRange+c.OutOfRange {
		t.Errorf("parsed %d != in_range %d + out_of_range %d", c.Parsed, c.InRange, c.OutOfRange)
	}
	if c.OutOfRange != c.BeforeRange+c.AfterRange+c.OutsideWindow {
		t.Errorf("out_of_range %d != before %d + after %d + outside window %d", c.OutOfRange, c.BeforeRange, c.AfterRange, c.OutsideWindow)
	}
	var q int64
	for _, n := range c.QuarantineReasons {
		q += n
	}
	if q != c.Quarantined {
		t.Errorf("quarantined %d != sum of reasons %v", c.Quarantined, c.QuarantineReasons)
	}
	if c.ObjectsListed != c.ObjectsRead+c.ObjectsVanished {
		t.Errorf("objects listed %d != read %d + vanished %d", c.ObjectsListed, c.ObjectsRead, c.ObjectsVanished)
	}
	if err := c.Check(); err != nil {
		t.Error(err)
	}
}

func readQuarantine(t *testing.T, out string) []pipeline.QuarantineEntry {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, jobs.QuarantineFile))
	if err != nil {
		t.Fatal(err)
	}
	var entries []pipeline.QuarantineEntry
	for l := range bytes.Lines(data) {
		var e pipeline.QuarantineEntry
		if err := json.Unmarshal(l, &e); err != nil {
			t.Fatalf("quarantine line %.200q: %v", l, err)
		}
		entries = append(entries, e)
	}
	return entries
}

// countFields returns the integer counts of c by their JSON names, without
// the byte counts, which depend on the sizes of the objects.
func countFields(t *testing.T, c *pipeline.Counts) map[string]int64 {
	t.Helper()
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	fields := map[string]int64{}
	for k, v := range m {
		if f, ok := v.(float64); ok && k != "bytes_read" && k != "bytes_decoded" {
			fields[k] = int64(f)
		}
	}
	return fields
}

// delta is the change from base to c, non-zero fields only.
func delta(t *testing.T, base, c *pipeline.Counts) map[string]int64 {
	b, got := countFields(t, base), countFields(t, c)
	d := map[string]int64{}
	for k, v := range got {
		if v != b[k] {
			d[k] = v - b[k]
		}
	}
	return d
}

// read is the delta of n objects read, plus the other counts given as
// name, value pairs.
func read(n int64, kv ...any) map[string]int64 {
	d := map[string]int64{}
	if n > 0 {
		d["objects_listed"], d["objects_read"] = n, n
	}
	for i := 0; i < len(kv); i += 2 {
		d[kv[i].(string)] += int64(kv[i+1].(int))
	}
	return d
}

// good is the delta of n good authored messages in range.
func good(n int) []any {
	return []any{"records_read", n, "parsed", n, "in_range", n, "authored", n}
}

func withGood(n int, kv ...any) []any { return append(good(n), kv...) }

func TestBadInputAccounted(t *testing.T) {
	hugeText := strings.Repeat("all work and no play ", 2<<20/21+1) // a 2 MiB message
	hugeBad := `{"v":1,"team":"T1","channel":"C1","ok":tru` + strings.Repeat("x", 2<<20) + `}`
	gzTwo := gz(t, ndjson(msg(at10(11, 0), "one"), msg(at10(12, 0), "two")))

	tests := []struct {
		name    string
		objects []badObject
		delta   map[string]int64 // change of every count from the base archive
		reasons map[string]int64
		entries []wantEntry
		check   func(t *testing.T, entries []pipeline.QuarantineEntry)
	}{
		{
			name: "malformed JSON line",
			objects: []badObject{{name: "o", body: ndjson(
				msg(at10(11, 0), "fine"),
				`{"v":1,"team":"T1","channel":"C1","ts":`,
				"Task timed out after 3.00 seconds",
			)}},
			delta:   read(1, withGood(1, "records_read", 2, "quarantined", 2)...),
			reasons: map[string]int64{"malformed JSON": 2},
			entries: []wantEntry{{"o", 2, []string{"malformed JSON"}}, {"o", 3, []string{"malformed JSON", "does not start with '{'"}}},
		},
		{
			name:    "records glued without a newline",
			objects: []badObject{{name: "o", body: ndjson(msg(at10(11, 0), "one") + msg(at10(12, 0), "two") + event(at10(13, 0), "EvGlued", "three"))}},
			delta:   read(1, good(3)...),
		},
		{
			name:    "glued records, the second cut short",
			objects: []badObject{{name: "o", body: ndjson(msg(at10(11, 0), "one") + `{"v":1,"team":"T1","chan`)}},
			delta:   read(1, withGood(1, "records_read", 1, "quarantined", 1)...),
			reasons: map[string]int64{"malformed JSON": 1},
			entries: []wantEntry{{"o", 1, []string{"malformed JSON"}}},
		},
		{
			// Every line is read, then the cut counts as one bad record,
			// on the line after the last.
			name:    "truncated gzip, trailer cut",
			objects: []badObject{{name: "o", gz: true, body: gzTwo[:len(gzTwo)-4]}},
			delta:   read(1, withGood(2, "records_read", 1, "quarantined", 1)...),
			reasons: map[string]int64{"truncated or corrupt gzip": 1},
			entries: []wantEntry{{"o", 3, []string{"truncated or corrupt gzip"}}},
		},
		{
			// The first line decompresses whole; the second is cut off
			// mid-record, and the rest of the object is one bad record.
			name: "truncated gzip, cut mid-stream",
			objects: []badObject{{name: "o", gz: true, body: gzCutMidStream(t,
				ndjson(msg(at10(11, 0), "whole")), ndjson(msg(at10(12, 0), strings.Repeat("lost words ", 50))))}},
			delta:   read(1, withGood(1, "records_read", 1, "quarantined", 1)...),
			reasons: map[string]int64{"truncated or corrupt gzip": 1},
			entries: []wantEntry{{"o", 2, []string{"truncated or corrupt gzip", "unexpected EOF"}}},
		},
		{
			name:    ".gz with garbage",
			objects: []badObject{{name: "o", gz: true, body: []byte("this was never gzip\n" + baseRecord + "\n")}},
			delta:   read(1, "records_read", 1, "quarantined", 1),
			reasons: map[string]int64{"truncated or corrupt gzip": 1},
			entries: []wantEntry{{"o", 0, []string{"truncated or corrupt gzip", "header"}}},
		},
		{
			name:    "empty object file (zero bytes)",
			objects: []badObject{{name: "o", body: []byte{}}},
			delta:   read(1),
		},
		{
			// Not even a gzip header: as corrupt as a cut stream.
			name:    "empty .gz object file (zero bytes)",
			objects: []badObject{{name: "o", gz: true, body: []byte{}}},
			delta:   read(1, "records_read", 1, "quarantined", 1),
			reasons: map[string]int64{"truncated or corrupt gzip": 1},
			entries: []wantEntry{{"o", 0, []string{"truncated or corrupt gzip"}}},
		},
		{
			name: "invalid UTF-8",
			objects: []badObject{{name: "o", body: ndjson(
				msg(at10(11, 0), "fine"),
				"{\"v\":1,\"team\":\"T1\",\"channel\":\"C1\",\"ts\":\"1479463800.000000\",\"text\":\"caf\xe9 cr\xc3\"}",
			)}},
			delta:   read(1, withGood(1, "records_read", 1, "quarantined", 1)...),
			reasons: map[string]int64{"invalid UTF-8": 1},
			entries: []wantEntry{{"o", 2, []string{"invalid UTF-8"}}},
			check: func(t *testing.T, es []pipeline.QuarantineEntry) {
				if r := es[0].Record; !utf8.ValidString(r) || !strings.Contains(r, "caf\uFFFD") {
					t.Errorf("quarantined record %q: want valid UTF-8 with U+FFFD for the bad bytes", r)
				}
			},
		},
		{
			name:    "a 2 MiB line",
			objects: []badObject{{name: "o", body: ndjson(msg(at10(11, 0), hugeText), msg(at10(12, 0), "after it"))}},
			delta:   read(1, good(2)...),
		},
		{
			// The quarantine keeps the first bytes of the record, and a
			// bounded reason, though the parser's error quotes the rest
			// of the line.
			name:    "a 2 MiB malformed line",
			objects: []badObject{{name: "o", body: ndjson(hugeBad, msg(at10(12, 0), "after it"))}},
			delta:   read(1, withGood(1, "records_read", 1, "quarantined", 1)...),
			reasons: map[string]int64{"malformed JSON": 1},
			entries: []wantEntry{{"o", 1, []string{"malformed JSON", "unexpected value"}}},
			check: func(t *testing.T, es []pipeline.QuarantineEntry) {
				e := es[0]
				if !e.Truncated || len(e.Record) != pipeline.MaxQuarantinedBytes || !strings.HasPrefix(hugeBad, e.Record) {
					t.Errorf("record of %d bytes kept as %d bytes, truncated %v; want its first %d bytes",
						len(hugeBad), len(e.Record), e.Truncated, pipeline.MaxQuarantinedBytes)
				}
				if len(e.Reason) > 1024 {
					t.Errorf("reason of %d bytes: the parser's quote of the line is not bounded", len(e.Reason))
				}
			},
		},
		{
			name:    "a line over the 8 MiB bound",
			objects: []badObject{{name: "o", body: ndjson(strings.Repeat("y", pipeline.DefaultMaxLine+1), msg(at10(12, 0), "after it"))}},
			delta:   read(1, withGood(1, "records_read", 1, "quarantined", 1)...),
			reasons: map[string]int64{"line too long": 1},
			entries: []wantEntry{{"o", 1, []string{"line too long"}}},
			check: func(t *testing.T, es []pipeline.QuarantineEntry) {
				if !es[0].Truncated || len(es[0].Record) > pipeline.MaxQuarantinedBytes {
					t.Errorf("too-long line kept as %d bytes, truncated %v", len(es[0].Record), es[0].Truncated)
				}
			},
		},
		{
			// Blank lines are no records, but they are lines: the bad
			// record after them is on line 4.
			name:    "a line of only whitespace",
			objects: []badObject{{name: "o", body: ndjson(msg(at10(11, 0), "one"), " \t \r", "", "{}")}},
			delta:   read(1, withGood(1, "records_read", 1, "quarantined", 1)...),
			reasons: map[string]int64{"not a Slack message record": 1},
			entries: []wantEntry{{"o", 4, []string{"not a Slack message record"}}},
		},
		{
			name:    "an empty object",
			objects: []badObject{{name: "o", body: ndjson(msg(at10(11, 0), "one"), "{}")}},
			delta:   read(1, withGood(1, "records_read", 1, "quarantined", 1)...),
			reasons: map[string]int64{"not a Slack message record": 1},
			entries: []wantEntry{{"o", 2, []string{"not a Slack message record"}}},
		},
		{
			// Each reason names the field.
			name: "wrong field types",
			objects: []badObject{{name: "o", body: ndjson(
				`{"v":1,"team":"T1","channel":"C1","ts":1479463800,"text":"ts as a number"}`,
				`{"v":1,"team":"T1","channel":"C1","ts":"1479463800.000000","user":{"id":"U1"},"text":"user as an object"}`,
				`{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":"message"}`,
				`{"token":"XXtokenXX","team_id":"T1","channel_id":"C1","timestamp":"1479463800.000000","user_id":"U1","text":42}`,
			)}},
			delta:   read(1, "records_read", 4, "quarantined", 4),
			reasons: map[string]int64{"wrong field type": 4},
			entries: []wantEntry{
				{"o", 1, []string{"ts: ", "wrong field type"}},
				{"o", 2, []string{"user: ", "wrong field type"}},
				{"o", 3, []string{"event: ", "wrong field type"}},
				{"o", 4, []string{"text: ", "wrong field type"}},
			},
		},
		{
			// The base record again: in the same object, and in the
			// next hour's (a Firehose redelivery).
			name: "exact duplicates",
			objects: []badObject{
				{name: "same hour", body: ndjson(baseRecord, baseRecord)},
				{name: "next hour", hour: at10(60, 0), gz: true, body: gz(t, ndjson(baseRecord))},
			},
			delta: read(2, "records_read", 3, "duplicates", 3),
		},
		{
			// A retry repeats the event id and the body; a redelivery by
			// another route may carry another event id for the same
			// message (team, channel, ts). Both count once.
			name: "Slack retries (same event id)",
			objects: []badObject{
				{name: "first", body: ndjson(event(at10(59, 30), "EvRetry", "retried"))},
				{name: "retries", hour: at10(60, 0), body: ndjson(
					event(at10(59, 30), "EvRetry", "retried"),
					event(at10(59, 30), "EvRetry", "retried"),
					event(at10(59, 30), "EvOther", "retried"),
				)},
			},
			delta: read(2, withGood(1, "records_read", 3, "duplicates", 3)...),
		},
		{
			// More than a day after the object's arrival hour cannot be
			// a late arrival: the clock of the producer was wrong.
			name: "ts far in the future",
			objects: []badObject{{name: "o", body: ndjson(
				msg(at10(11, 0), "fine"),
				msg(at10(25*60+1, 0), "tomorrow and a bit"),
				msg(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), "from 2100"),
			)}},
			delta:   read(1, withGood(1, "records_read", 2, "quarantined", 2)...),
			reasons: map[string]int64{"ts more than a day after the object's arrival hour": 2},
			entries: []wantEntry{{"o", 2, []string{"ts more than a day", "ts 1479"}}, {"o", 3, []string{"ts more than a day", "ts 4102444800"}}},
		},
		{
			// A few hours ahead is parsed, and counted out of range: it
			// cannot be in the object's arrival window.
			name:    "ts hours after its arrival hour",
			objects: []badObject{{name: "o", body: ndjson(msg(at10(3*60, 0), "three hours early"))}},
			delta:   read(1, "records_read", 1, "parsed", 1, "out_of_range", 1, "outside_window", 1),
		},
		{
			name: "ts before 2009",
			objects: []badObject{{name: "o", body: ndjson(
				`{"v":1,"team":"T1","channel":"C1","ts":"1000000000.000000","text":"2001"}`,
				`{"v":1,"team":"T1","channel":"C1","ts":"0","text":"zero"}`,
			)}},
			delta:   read(1, "records_read", 2, "quarantined", 2),
			reasons: map[string]int64{"implausible Slack ts": 2},
			entries: []wantEntry{{"o", 1, []string{"ts: ", "implausible", "before 2009"}}, {"o", 2, []string{"ts: ", "implausible"}}},
		},
		{
			// Keys in a listed hour that are not Firehose objects are
			// counted skipped; Firehose's error output is never listed
			// (it is not under an hour prefix of the range).
			name: "keys that are not Firehose objects",
			objects: []badObject{
				{name: "notes", key: "2016/11/18/10/notes.txt", body: ndjson(msg(at10(20, 0), "stray"))},
				{name: "tmp", key: "2016/11/18/10/.tmp-slack-wiretap-1-2016-11-18-10-03-00-00000000-0000-4000-8000-000000000090-42", body: ndjson(msg(at10(21, 0), "stray"))},
				{name: "hour mismatch", key: "2016/11/18/10/slack-wiretap-1-2016-11-18-11-00-00-00000000-0000-4000-8000-000000000091", body: ndjson(msg(at10(22, 0), "stray"))},
				{name: "no uuid", key: "2016/11/18/10/slack-wiretap-1-2016-11-18-10-00-00.gz", body: gz(t, ndjson(msg(at10(23, 0), "stray")))},
				{name: "sub-folder", key: "2016/11/18/10/old/slack-wiretap-1-2016-11-18-10-00-00-00000000-0000-4000-8000-000000000092", body: ndjson(msg(at10(24, 0), "stray"))},
				{name: "error output", key: "processing-failed/2016/11/18/10/slack-wiretap-1-2016-11-18-10-03-00-00000000-0000-4000-8000-000000000093", body: ndjson(msg(at10(25, 0), "failed"))},
			},
			delta: read(0, "keys_skipped", 5),
		},
	}

	baseDir, _ := buildArchive(t, nil)
	base, baseEntries := runBad(t, baseDir)
	// Hours: a day, the hour before, the margin and the edit window.
	wantBase := map[string]int64{"hours_listed": 26 + 24, "objects_listed": 1, "objects_read": 1,
		"records_read": 1, "parsed": 1, "in_range": 1, "authored": 1}
	if got := delta(t, &pipeline.Counts{}, base); !maps.Equal(got, wantBase) {
		t.Fatalf("base archive counts %v, want %v", got, wantBase)
	}
	if len(baseEntries) != 0 {
		t.Fatalf("base archive quarantined %v", baseEntries)
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, keys := buildArchive(t, tt.objects)
			c, entries := runBad(t, dir)
			if got := delta(t, base, c); !maps.Equal(got, tt.delta) {
				t.Errorf("counts changed by\n%v\nwant\n%v", got, tt.delta)
			}
			reasons := c.QuarantineReasons
			if reasons == nil {
				reasons = map[string]int64{}
			}
			want := tt.reasons
			if want == nil {
				want = map[string]int64{}
			}
			if !maps.Equal(reasons, want) {
				t.Errorf("quarantine reasons %v, want %v", reasons, want)
			}
			if int64(len(entries)) != c.Quarantined {
				t.Errorf("%d quarantine entries for %d quarantined records", len(entries), c.Quarantined)
			}
			if len(entries) != len(tt.entries) {
				t.Fatalf("quarantine holds %d entries, want %d: %+v", len(entries), len(tt.entries), entries)
			}
			for i, w := range tt.entries {
				e := entries[i]
				wantKey := filepath.Join(dir, filepath.FromSlash(keys[w.object]))
				if e.Key != wantKey || e.Line != w.line {
					t.Errorf("entry %d at %s:%d, want %s:%d", i, e.Key, e.Line, wantKey, w.line)
				}
				for _, word := range w.reason {
					if !strings.Contains(e.Reason, word) {
						t.Errorf("entry %d reason %.300q does not say %q", i, e.Reason, word)
					}
				}
			}
			if tt.check != nil {
				tt.check(t, entries)
			}
		})
	}
}

// A bad archive for the --max-bad-ratio tests: 95 good records and 5 bad
// ones (3 malformed JSON, 2 invalid UTF-8), 5% bad.
func fivePercentBad(t *testing.T) string {
	t.Helper()
	var ls []string
	for i := range 95 {
		ls = append(ls, msg(at10(i/60*60+i%60, i), fmt.Sprint("message ", i)))
	}
	ls = append(ls, `{"v":1,`, "<html>502</html>", `{"v":1,"team":"T1"`,
		"{\"v\":1,\"team\":\"T\xff\"}", "{\"v\":1,\"text\":\"\xc3\"}")
	dir, _ := buildArchive(t, []badObject{{name: "o", body: ndjson(ls...)}})
	// The base object adds a 96th good record: 5 of 101 bad.
	return dir
}

// TestMaxBadRatio checks that too much bad input fails the run with a
// summary of the reasons, and publishes nothing.
func TestMaxBadRatio(t *testing.T) {
	src := fivePercentBad(t)
	opts := jobs.RunOptions{Source: loctest.Parse(t, src), From: badDay, To: badDay.Add(24 * time.Hour), Workers: 2}

	opts.Out, opts.MaxBadRatio = loctest.Parse(t, t.TempDir()), 0.01
	_, err := jobs.Run(context.Background(), opts)
	if !errors.Is(err, jobs.ErrTooManyBad) {
		t.Fatalf("Run with 5%% bad records and --max-bad-ratio 0.01: err = %v, want ErrTooManyBad", err)
	}
	for _, want := range []string{"5 of 101 records", "malformed JSON: 3", "invalid UTF-8: 2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Nothing published, nothing staged; only the failure note.
	var left []string
	err = filepath.WalkDir(opts.Out.String(), func(p string, d os.DirEntry, err error) error {
		if err != nil || p == opts.Out.String() {
			return err
		}
		rel, _ := filepath.Rel(opts.Out.String(), p)
		left = append(left, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"_state", jobs.FailureFile}; !slices.Equal(left, want) {
		t.Errorf("failed run left %v in its output folder, want only %v", left, want)
	}
	data, err := os.ReadFile(filepath.Join(opts.Out.String(), jobs.FailureFile))
	if err != nil || !bytes.Contains(data, []byte("too many bad records")) {
		t.Errorf("failure note %s: %v", data, err)
	}

	// At the limit is not over it.
	opts.Out, opts.MaxBadRatio = loctest.Parse(t, t.TempDir()), 5.0/101
	res, err := jobs.Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Run at exactly the limit: %v", err)
	}
	if c := res.Manifest.Counts; c.Quarantined != 5 || c.RecordsRead != 101 || c.InRange != 96 {
		t.Errorf("counts %+v", c)
	}
	// Disabled.
	opts.Out, opts.MaxBadRatio = loctest.Parse(t, t.TempDir()), -1
	if _, err := jobs.Run(context.Background(), opts); err != nil {
		t.Fatalf("Run with the check disabled: %v", err)
	}
}

// realS3Archive uploads the files of dir to a fresh bucket of the real S3
// test server (scripts/s3server.sh) and returns the bucket and a recording
// proxy in front of the server. GETs of the keys in gone answer NoSuchKey,
// as S3 does for an object deleted after it was listed.
func realS3Archive(t *testing.T, dir string, gone map[string]bool) (bucket string, proxy *s3test.RecordingProxy) {
	t.Helper()
	endpoint := s3test.Endpoint(t)
	bucket = s3test.NewBucket(t, endpoint)
	store, err := archive.NewS3(context.Background(), loctest.Parse(t, "s3://"+bucket), archive.S3Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return store.Put(context.Background(), filepath.ToSlash(rel), data)
	})
	if err != nil {
		t.Fatal(err)
	}
	proxy = s3test.NewRecordingProxy(t, endpoint, func(r *http.Request) bool {
		_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		return r.Method == http.MethodGet && gone[key]
	})
	return bucket, proxy
}

// s3Env points the AWS SDK at static test credentials only.
func s3Env(t *testing.T, secret, session string) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDWIRETAPTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", session)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
}

// TestBadInputObjectVanishes lists an object that is gone when the run
// opens it (a lifecycle rule, a clean-up between list and get): it is
// counted in objects_vanished and the run goes on. A local folder cannot
// time that, so the archive is in the real S3 test server behind a proxy
// that answers NoSuchKey to the GET of that key; pipeline's
// TestRunObjectVanishes checks the same at the engine's interface.
func TestBadInputObjectVanishes(t *testing.T) {
	dir, keys := buildArchive(t, []badObject{
		{name: "gone", body: ndjson(msg(at10(11, 0), "never read"), "{}")},
		{name: "kept", body: ndjson(msg(at10(12, 0), "read"))},
	})
	bucket, proxy := realS3Archive(t, dir, map[string]bool{keys["gone"]: true})
	out := t.TempDir()
	res, err := jobs.Run(context.Background(), jobs.RunOptions{
		Source: loctest.Parse(t, "s3://"+bucket+"/"), Out: loctest.Parse(t, out), From: badDay, To: badDay.Add(24 * time.Hour), Workers: 2, MaxBadRatio: -1,
		S3: archive.S3Options{Endpoint: proxy.URL, MaxAttempts: 1},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	c := &res.Manifest.Counts
	checkIdentities(t, c)
	want := map[string]int64{"hours_listed": 26 + 24, "objects_listed": 3, "objects_read": 2, "objects_vanished": 1,
		"records_read": 2, "parsed": 2, "in_range": 2, "authored": 2}
	if got := delta(t, &pipeline.Counts{}, c); !maps.Equal(got, want) {
		t.Errorf("counts %v, want %v", got, want)
	}
	if entries := readQuarantine(t, out); len(entries) != 0 {
		t.Errorf("quarantine of a vanished object: %+v", entries)
	}
}
