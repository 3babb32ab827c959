package pipeline_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// day0 is the first day of the test range, [day0, day0+48h).
var day0 = time.Date(2016, 11, 18, 0, 0, 0, 0, time.UTC)

func at(h, m int) time.Time {
	return day0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// canonical is the canonical NDJSON of a plain message (no newline).
func canonical(t time.Time, channel, user, text string) []byte {
	m := schema.Message{Team: "T1", ChannelID: channel, UserID: user, TS: schema.FormatTS(t), Time: t,
		Text: text, Source: schema.SourceEventsAPI}
	return bytes.TrimSuffix(schema.AppendNDJSON(nil, &m), []byte("\n"))
}

// eventsMessage is an Events API envelope of a message.
func eventsMessage(t time.Time, channel, user, text, eventID string) []byte {
	return fmt.Appendf(nil, `{"token":"SECRET","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":%q,`+
		`"event_time":%d,"event":{"type":"message","channel":%q,"channel_type":"channel","user":%q,"text":%q,"ts":%q,"event_ts":%q}}`,
		eventID, t.Unix(), channel, user, text, schema.FormatTS(t), schema.FormatTS(t))
}

// webhook is the flat outgoing-webhook shape.
func webhook(t time.Time, channel, user, text string) []byte {
	return fmt.Appendf(nil, `{"token":"SECRET","team_id":"T1","team_domain":"acme","channel_id":%q,"channel_name":"general",`+
		`"timestamp":%q,"user_id":%q,"user_name":"steve","text":%q,"trigger_word":""}`,
		channel, schema.FormatTS(t), user, text)
}

func gzipped(t testing.TB, data []byte) []byte {
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

func lines(ls ...[]byte) []byte {
	var b []byte
	for _, l := range ls {
		b = append(b, l...)
		b = append(b, '\n')
	}
	return b
}

func uuid(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// testArchive is a small archive with one of every kind of trouble, and
// what a run over [day0, day0+48h) must make of it.
type testArchive struct {
	dir       archive.Dir
	keys      map[string]string // object name -> key
	bytesRead int64             // stored bytes of the objects in the listed hours
	decoded   int64             // their bytes after decompression
	want      map[[16]byte]schema.Message
	byObject  map[string][][16]byte // in-range message keys per object name
}

func (a *testArchive) put(t testing.TB, name string, hour time.Time, gz bool, data []byte, raw []byte) {
	t.Helper()
	key := archive.ObjectKey("", "slack-wiretap", 1, hour.Add(3*time.Minute), uuid(len(a.keys)+1), gz)
	a.keys[name] = key
	body := data
	if gz {
		body = gzipped(t, data)
	}
	if raw != nil {
		body = raw
	}
	if err := a.dir.Put(context.Background(), key, body); err != nil {
		t.Fatal(err)
	}
}

// expect records that line's record reaches the Workers.
func (a *testArchive) expect(t testing.TB, object string, line []byte) {
	t.Helper()
	m, err := schema.Decode(line)
	if err != nil {
		t.Fatalf("expected record does not decode: %v", err)
	}
	a.want[m.Key()] = m
	a.byObject[object] = append(a.byObject[object], m.Key())
}

const testMaxLine = 4 << 20

// testHours is the number of hour prefixes a run over the test range lists.
var testHours = int64(len(archive.Range{From: day0, To: day0.Add(48 * time.Hour)}.ArrivalHours(time.Hour)))

// wantCounts is the accounting of a run over the whole test archive; see
// newTestArchive for where each number comes from.
func wantCounts(a *testArchive) pipeline.Counts {
	return pipeline.Counts{
		HoursListed: testHours, ObjectsListed: 10, ObjectsRead: 10, KeysSkipped: 3,
		BytesRead: a.bytesRead, BytesDecoded: a.decoded,
		RecordsRead: 37, Parsed: 26, Quarantined: 7, Duplicates: 4,
		InRange: 23, OutOfRange: 3, BeforeRange: 1, AfterRange: 1, OutsideWindow: 1,
		Authored: 18, Bots: 1, Edits: 1, Deletions: 1, Reactions: 1, Other: 1,
		// The test handler takes no revisions.
		RevisionCounts: pipeline.RevisionCounts{EditsNotSeen: 1, DeletesNotSeen: 1, ReactionsNotSeen: 1},
		QuarantineReasons: map[string]int64{
			"malformed JSON": 1, "invalid UTF-8": 1, "event is not a message": 1,
			"ts more than a day after the object's arrival hour": 1,
			"truncated or corrupt gzip":                          2, "line too long": 1,
		},
	}
}

// wantQuarantine lists the quarantined records as object:line:reason.
var wantQuarantine = []string{
	"A:11:event is not a message", "A:4:malformed JSON", "A:8:invalid UTF-8",
	"C:5:ts more than a day after the object's arrival hour",
	"F:4:truncated or corrupt gzip", "G:0:truncated or corrupt gzip", "H:2:line too long",
}

func newTestArchive(t testing.TB) *testArchive {
	t.Helper()
	a := &testArchive{dir: archive.Dir{Root: t.TempDir()}, keys: map[string]string{},
		want: map[[16]byte]schema.Message{}, byObject: map[string][][16]byte{}}
	ctx := context.Background()

	// E, hour 00 of day 0: 2 records, both parsed. One from the day before
	// arrived in the margin (before range), one in range.
	e1 := canonical(at(0, -30), "C1", "U1", "from the day before")
	e2 := canonical(at(0, 10), "C1", "U1", "good morning")
	a.expect(t, "E", e2)
	a.put(t, "E", at(0, 0), false, lines(e1, e2), nil)

	// A, hour 10, plain: 11 records: 7 parsed (6 authored, 1 bot),
	// 3 quarantined, 1 duplicate; an empty line is no record.
	a1 := canonical(at(10, 5), "C1", "U1", "hello <@U2> &amp; welcome")
	a2 := eventsMessage(at(10, 20), "C1", "U2", "events shape", "EvA")
	a3 := webhook(at(10, 30), "C2", "U3", "webhook shape")
	a4 := canonical(at(10, 40), "C1", "U1", "glued one")
	a5 := canonical(at(10, 41), "C1", "U2", "glued two")
	a6 := canonical(at(10, 42), "C1", "U3", "crlf")
	a7 := fmt.Appendf(nil, `{"type":"event_callback","team_id":"T1","event_id":"EvBot","event":{"type":"message","subtype":"bot_message","channel":"C1","bot_id":"B1","username":"deploybot","text":"deployed","ts":%q}}`, schema.FormatTS(at(10, 45)))
	for _, l := range [][]byte{a1, a2, a3, a4, a5, a6, a7} {
		a.expect(t, "A", l)
	}
	a.put(t, "A", at(10, 0), false, lines(
		a1, a2, a3,
		[]byte(`{"v":1,"team":`),
		append(slices.Clone(a4), a5...),
		nil,
		append(slices.Clone(a6), '\r'),
		[]byte("{\"v\":1,\"team\":\"T\xff\",\"channel\":\"C1\",\"ts\":\"1479463200.000000\"}"),
		a1,
		a7,
		[]byte(`{"token":"SECRET","challenge":"abc","type":"url_verification"}`),
	), nil)

	// Stray keys in hour 10: not Firehose objects.
	for _, k := range []string{
		"2016/11/18/10/notes.txt",
		"2016/11/18/10/.tmp-slack-wiretap-1-2016-11-18-10-03-00-" + uuid(90) + "-42",
		"2016/11/18/10/slack-wiretap-1-2016-11-18-11-00-00-" + uuid(91), // hour mismatch
	} {
		if err := a.dir.Put(ctx, k, lines(canonical(at(10, 1), "C9", "U9", "stray"))); err != nil {
			t.Fatal(err)
		}
	}
	// Firehose's error output: never listed.
	if err := a.dir.Put(ctx, "processing-failed/2016/11/18/10/slack-wiretap-1-2016-11-18-10-03-00-"+uuid(92),
		lines(canonical(at(10, 2), "C9", "U9", "failed"))); err != nil {
		t.Fatal(err)
	}

	// B, hour 10, gzipped: 5 records, all in range, none authored.
	b := [][]byte{
		canonical(at(10, 50), "C1", "U1", "one more"),
		fmt.Appendf(nil, `{"type":"event_callback","team_id":"T1","event_id":"EvR","event":{"type":"reaction_added","user":"U2","reaction":"+1","item_user":"U1","item":{"type":"message","channel":"C1","ts":%q},"event_ts":%q}}`,
			schema.FormatTS(at(10, 5)), schema.FormatTS(at(10, 55))),
		fmt.Appendf(nil, `{"type":"event_callback","team_id":"T1","event_id":"EvE","event":{"type":"message","subtype":"message_changed","channel":"C1","ts":%q,"message":{"user":"U1","text":"hello (edited)","ts":%q,"edited":{"user":"U1","ts":%q}}}}`,
			schema.FormatTS(at(10, 56)), schema.FormatTS(at(10, 5)), schema.FormatTS(at(10, 56))),
		fmt.Appendf(nil, `{"type":"event_callback","team_id":"T1","event_id":"EvD","event":{"type":"message","subtype":"message_deleted","channel":"C2","ts":%q,"deleted_ts":%q}}`,
			schema.FormatTS(at(10, 57)), schema.FormatTS(at(10, 30))),
		fmt.Appendf(nil, `{"type":"event_callback","team_id":"T1","event_id":"EvJ","event":{"type":"message","subtype":"channel_join","channel":"C1","user":"U4","text":"<@U4> has joined the channel","ts":%q}}`,
			schema.FormatTS(at(10, 58))),
	}
	for _, l := range b {
		a.expect(t, "B", l)
	}
	a.put(t, "B", at(10, 0), true, lines(b...), nil)

	// C, hour 11, gzipped: 5 records. A late record (in range), a
	// duplicate of a1 from another object and hour, a Slack retry of a2,
	// a new message, and a ts from the far future (quarantined).
	c1 := canonical(at(10, 59), "C1", "U5", "late but within the margin")
	c4 := canonical(at(11, 10), "C1", "U1", "eleven")
	a.expect(t, "C", c1)
	a.expect(t, "C", c4)
	a.put(t, "C", at(11, 0), true, lines(c1, a1, a2, c4, canonical(at(11+25, 0), "C1", "U1", "from the future")), nil)

	// D, hour 13: a record 3 hours late (outside the window) and one in range.
	d2 := canonical(at(13, 5), "C1", "U2", "thirteen")
	a.expect(t, "D", d2)
	a.put(t, "D", at(13, 0), false, lines(canonical(at(10, 15), "C1", "U2", "too late"), d2), nil)

	// F, hour 15: a gzip stream cut in its trailer. Every line is read, then
	// the cut counts as one quarantined record.
	var f [][]byte
	for i := range 3 {
		f = append(f, canonical(at(15, i+1), "C1", "U1", fmt.Sprint("fifteen ", i)))
		a.expect(t, "F", f[i])
	}
	fz := gzipped(t, lines(f...))
	a.put(t, "F", at(15, 0), true, lines(f...), fz[:len(fz)-4])
	// G, hour 15: nothing left but part of a gzip header.
	a.put(t, "G", at(15, 0), true, nil, gzipped(t, lines(f...))[:5])

	// H, day 1 hour 12: a 2 MiB record (kept), a line over the bound
	// (quarantined), and a record after it.
	h1 := canonical(at(36, 0), "C1", "U1", strings.Repeat("all work and no play ", 2<<20/21+1))
	h3 := canonical(at(36, 30), "C1", "U2", "after the long line")
	a.expect(t, "H", h1)
	a.expect(t, "H", h3)
	a.put(t, "H", at(36, 0), false, lines(h1, bytes.Repeat([]byte("y"), testMaxLine+1), h3), nil)

	// I, day 1 hour 23, and J, the margin hour after the range: a late
	// record across the day boundary, a record after the range, and a
	// duplicate of I's record.
	i1 := canonical(at(47, 50), "C1", "U1", "last call")
	a.expect(t, "I", i1)
	a.put(t, "I", at(47, 0), false, lines(i1), nil)
	j1 := canonical(at(47, 55), "C2", "U2", "late last call")
	a.expect(t, "J", j1)
	a.put(t, "J", at(48, 0), true, lines(j1, canonical(at(48, 10), "C1", "U1", "after the range"), i1), nil)

	// K, the hour after the margin: never listed.
	a.put(t, "K", at(49, 0), false, lines(canonical(at(48, 30), "C1", "U1", "beyond the margin")), nil)

	for name, key := range a.keys {
		if name == "K" {
			continue
		}
		rc, err := a.dir.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		a.bytesRead += int64(len(raw))
		switch name {
		case "F":
			a.decoded += int64(len(lines(f...)))
		case "G":
		default:
			if strings.HasSuffix(key, ".gz") {
				zr, err := gzip.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				raw, err = io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
			}
			a.decoded += int64(len(raw))
		}
	}
	if len(a.want) != 23 {
		t.Fatalf("test archive expects %d in-range messages, want 23", len(a.want))
	}
	return a
}

// testHandler collects what the engine hands over and checks the contract
// of Worker and Handler as it goes.
type testHandler struct {
	t    *testing.T
	want map[[16]byte]schema.Message // the messages that must arrive, for Complete's check

	mu         sync.Mutex
	got        map[[16]byte]schema.Message
	flushed    map[[16]byte]bool
	completes  []time.Time
	inComplete bool
	maxBatch   int
	workers    int
	errs       []string

	// processErr, when set, is returned by Process.
	processErr func(ctx context.Context) error
}

func newTestHandler(t *testing.T, want map[[16]byte]schema.Message) *testHandler {
	return &testHandler{t: t, want: want, got: map[[16]byte]schema.Message{}, flushed: map[[16]byte]bool{}}
}

func (h *testHandler) errorf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, fmt.Sprintf(format, args...))
}

func (h *testHandler) NewWorker() (pipeline.Worker, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.workers++
	return &testWorker{h: h, id: h.workers}, nil
}

func (h *testHandler) Complete(ctx context.Context, through time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.inComplete {
		h.errs = append(h.errs, "Complete called concurrently")
	}
	h.inComplete = true
	defer func() { h.inComplete = false }()
	if n := len(h.completes); n > 0 && !through.After(h.completes[n-1]) {
		h.errs = append(h.errs, fmt.Sprintf("Complete(%v) after Complete(%v)", through, h.completes[n-1]))
	}
	h.completes = append(h.completes, through)
	// Every message before through must have been flushed by its worker.
	for k, m := range h.want {
		if m.Time.Before(through) && !h.flushed[k] {
			h.errs = append(h.errs, fmt.Sprintf("Complete(%v) before message %s at %v was flushed", through, m.TS, m.Time))
		}
	}
	return nil
}

type testWorker struct {
	h       *testHandler
	id      int
	busy    bool
	through time.Time // the last Flush
	pending []schema.Message
}

func (w *testWorker) enter() func() {
	if w.busy {
		w.h.errorf("worker %d called concurrently", w.id)
	}
	w.busy = true
	return func() { w.busy = false }
}

func (w *testWorker) Process(ctx context.Context, rec arrow.RecordBatch) error {
	defer w.enter()()
	if w.h.processErr != nil {
		if err := w.h.processErr(ctx); err != nil {
			return err
		}
	}
	rows, err := pipeline.NewRows(rec)
	if err != nil {
		return err
	}
	if rows.Len() == 0 {
		w.h.errorf("worker %d: empty batch", w.id)
	}
	var m schema.Message
	for i := range rows.Len() {
		rows.Message(i, &m)
		if m.Time.Before(w.through) {
			w.h.errorf("worker %d: message at %v after Flush(%v): it would be dropped", w.id, m.Time, w.through)
		}
		w.pending = append(w.pending, m.Clone())
	}
	w.h.mu.Lock()
	w.h.maxBatch = max(w.h.maxBatch, rows.Len())
	w.h.mu.Unlock()
	return nil
}

func (w *testWorker) Flush(ctx context.Context, through time.Time) error {
	defer w.enter()()
	if through.Before(w.through) {
		w.h.errorf("worker %d: Flush(%v) after Flush(%v)", w.id, through, w.through)
	}
	w.through = through
	h := w.h
	h.mu.Lock()
	defer h.mu.Unlock()
	keep := w.pending[:0]
	for _, m := range w.pending {
		if !m.Time.Before(through) {
			keep = append(keep, m)
			continue
		}
		k := m.Key()
		if _, dup := h.got[k]; dup {
			h.errs = append(h.errs, fmt.Sprintf("message %s handed over twice", m.TS))
		}
		h.got[k] = m
		h.flushed[k] = true
	}
	w.pending = keep
	return nil
}

// quarantineSink collects quarantine entries.
type quarantineSink struct {
	mu      sync.Mutex
	entries []pipeline.QuarantineEntry
}

func (q *quarantineSink) Quarantine(entries []pipeline.QuarantineEntry) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.entries = append(q.entries, entries...)
	return nil
}

func (q *quarantineSink) summary(a *testArchive) []string {
	names := map[string]string{}
	for n, k := range a.keys {
		names[k] = n
	}
	var out []string
	for _, e := range q.entries {
		reason := e.Reason
		if i := strings.Index(reason, ":"); i >= 0 {
			reason = reason[:i]
		}
		out = append(out, fmt.Sprintf("%s:%d:%s", names[e.Key], e.Line, reason))
		if len(e.Record) > pipeline.MaxQuarantinedBytes {
			out = append(out, "record over MaxQuarantinedBytes")
		}
	}
	slices.Sort(out)
	return out
}

func testConfig(src archive.Source, workers, batchRows int, mem memory.Allocator) pipeline.Config {
	return pipeline.Config{
		Source:    src,
		Range:     archive.Range{From: day0, To: day0.Add(48 * time.Hour)},
		Workers:   workers,
		BatchRows: batchRows,
		MaxLine:   testMaxLine,
		ListAhead: 3,
		Alloc:     mem,
		// Revisions apply within the margin only, as messages do: the
		// edit window has tests of its own.
		EditWindow: -1,
	}
}

func TestRun(t *testing.T) {
	a := newTestArchive(t)
	for _, workers := range []int{1, 2, 4} {
		for _, batchRows := range []int{1, 3, 4096} {
			t.Run(fmt.Sprintf("Workers=%d/BatchRows=%d", workers, batchRows), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				defer mem.AssertSize(t, 0)
				h := newTestHandler(t, a.want)
				q := &quarantineSink{}
				var progress pipeline.Progress
				cfg := testConfig(a.dir, workers, batchRows, mem)
				cfg.Quarantine = q
				cfg.Progress = &progress

				counts, err := pipeline.Run(context.Background(), cfg, h)
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				for _, e := range h.errs {
					t.Error(e)
				}
				if want := wantCounts(a); fmt.Sprintf("%+v", *counts) != fmt.Sprintf("%+v", want) {
					t.Errorf("counts:\n got %+v\nwant %+v", *counts, want)
				}
				if err := counts.Check(); err != nil {
					t.Error(err)
				}

				// Exactly the expected messages, each once, intact.
				for k, m := range a.want {
					got, ok := h.got[k]
					if !ok {
						t.Errorf("message %s %q did not reach the workers", m.TS, trunc(m.Text))
						continue
					}
					if !messagesEqual(got, m) {
						t.Errorf("message %s arrived as\n%+v\nwant\n%+v", m.TS, trunc(got.Text), trunc(m.Text))
					}
				}
				for k, m := range h.got {
					if _, ok := a.want[k]; !ok {
						t.Errorf("unexpected message %s %q (%s %s) reached the workers", m.TS, m.Text, m.Kind, m.Subtype)
					}
				}

				if h.workers != workers {
					t.Errorf("%d workers made, want %d", h.workers, workers)
				}
				if h.maxBatch > batchRows {
					t.Errorf("a batch of %d rows, over BatchRows %d", h.maxBatch, batchRows)
				}
				if n := len(h.completes); n == 0 || !h.completes[n-1].Equal(pipeline.EndOfTime) {
					t.Errorf("Complete calls %v, want the last with EndOfTime", h.completes)
				}
				for _, c := range h.completes[:max(len(h.completes)-1, 0)] {
					if !c.Before(cfg.Range.To) {
						t.Errorf("Complete(%v) before the end, at or after the range", c)
					}
				}

				if got := q.summary(a); !slices.Equal(got, wantQuarantine) {
					t.Errorf("quarantine:\n got %q\nwant %q", got, wantQuarantine)
				}

				if progress.HoursTotal.Load() != testHours || progress.HoursDone.Load() != testHours ||
					progress.ObjectsRead.Load() != 10 || progress.RecordsRead.Load() != 37 ||
					progress.BytesRead.Load() != a.bytesRead {
					t.Errorf("progress: hours %d/%d, objects %d, records %d, bytes %d",
						progress.HoursDone.Load(), progress.HoursTotal.Load(), progress.ObjectsRead.Load(),
						progress.RecordsRead.Load(), progress.BytesRead.Load())
				}
			})
		}
	}
}

// TestRunCompletesDays runs with one worker over a longer, regular archive
// and checks that Complete is called along the way, not only at the end:
// that is what bounds the memory of a long run.
func TestRunCompletesDays(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	want := map[[16]byte]schema.Message{}
	for h := range 72 {
		var ls [][]byte
		for m := 0; m < 60; m += 20 {
			l := canonical(at(h, m), "C1", fmt.Sprint("U", m), "tick")
			ls = append(ls, l)
			msg, _ := schema.Decode(l)
			want[msg.Key()] = msg
		}
		key := archive.ObjectKey("", "s", 1, at(h, 1), uuid(h), false)
		if err := dir.Put(context.Background(), key, lines(ls...)); err != nil {
			t.Fatal(err)
		}
	}
	for _, workers := range []int{1, 3} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		h := newTestHandler(t, want)
		cfg := testConfig(dir, workers, 2, mem)
		cfg.Range.To = day0.Add(72 * time.Hour)
		counts, err := pipeline.Run(context.Background(), cfg, h)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h.errs {
			t.Error(e)
		}
		if counts.InRange != 216 || len(h.got) != 216 {
			t.Errorf("workers %d: in range %d, handed over %d; want 216", workers, counts.InRange, len(h.got))
		}
		if workers == 1 && len(h.completes) < 3 {
			t.Errorf("one worker: Complete called %d times (%v), want it along the way", len(h.completes), h.completes)
		}
		mem.AssertSize(t, 0)
	}
}

// messagesEqual compares Messages, times by instant.
func messagesEqual(a, b schema.Message) bool {
	if !a.Time.Equal(b.Time) {
		return false
	}
	a.Time, b.Time = time.Time{}, time.Time{}
	return a == b
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// vanishing is a Source whose objects named in gone disappear between List
// and Open.
type vanishing struct {
	archive.Source
	gone map[string]bool
}

func (v vanishing) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if v.gone[key] {
		return nil, fmt.Errorf("open %s: %w", key, archive.ErrNotExist)
	}
	return v.Source.Open(ctx, key)
}

func TestRunObjectVanishes(t *testing.T) {
	a := newTestArchive(t)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	want := maps.Clone(a.want)
	for _, k := range a.byObject["B"] {
		delete(want, k)
	}
	h := newTestHandler(t, want)
	src := vanishing{Source: a.dir, gone: map[string]bool{a.keys["B"]: true}}
	counts, err := pipeline.Run(context.Background(), testConfig(src, 2, 3, mem), h)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, e := range h.errs {
		t.Error(e)
	}
	if counts.ObjectsVanished != 1 || counts.ObjectsRead != 9 || counts.ObjectsListed != 10 {
		t.Errorf("objects listed %d, read %d, vanished %d; want 10, 9, 1", counts.ObjectsListed, counts.ObjectsRead, counts.ObjectsVanished)
	}
	if counts.RecordsRead != 32 || counts.InRange != 18 || counts.Edits != 0 || counts.Reactions != 0 {
		t.Errorf("counts without B: %+v", *counts)
	}
	if len(h.got) != len(want) {
		t.Errorf("%d messages handed over, want %d", len(h.got), len(want))
	}
}

// failingSource fails to open one key with an error that is not
// ErrNotExist.
type failingSource struct {
	archive.Source
	key string
	err error
}

func (f failingSource) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if key == f.key {
		return nil, f.err
	}
	return f.Source.Open(ctx, key)
}

func (f failingSource) List(ctx context.Context, prefix string) iter.Seq2[archive.ObjectInfo, error] {
	return f.Source.List(ctx, prefix)
}

// waitGoroutines waits for the goroutine count to come back to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want %d: leak?\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runWithin runs Run and fails the test if it does not return in time.
func runWithin(t *testing.T, ctx context.Context, cfg pipeline.Config, h pipeline.Handler) (*pipeline.Counts, error) {
	t.Helper()
	type result struct {
		c   *pipeline.Counts
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := pipeline.Run(ctx, cfg, h)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-time.After(20 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("Run did not return: deadlock?\n%s", buf[:runtime.Stack(buf, true)])
		return nil, nil
	}
}

// bigArchive has many small objects, so that a run cut short has plenty
// left to read.
func bigArchive(t *testing.T) archive.Dir {
	dir := archive.Dir{Root: t.TempDir()}
	for h := range 48 {
		for o := range 4 {
			var ls [][]byte
			for m := range 20 {
				ls = append(ls, canonical(at(h, m), "C1", fmt.Sprint("U", o), "x"))
			}
			key := archive.ObjectKey("", "s", 1, at(h, o), uuid(h*10+o), o%2 == 0)
			body := lines(ls...)
			if o%2 == 0 {
				body = gzipped(t, body)
			}
			if err := dir.Put(context.Background(), key, body); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func TestRunWorkerFails(t *testing.T) {
	dir := bigArchive(t)
	base := runtime.NumGoroutine()
	boom := errors.New("boom")
	for _, workers := range []int{1, 4} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		h := newTestHandler(t, nil)
		var mu sync.Mutex
		calls := 0
		h.processErr = func(ctx context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls >= 5 {
				return boom
			}
			return nil
		}
		_, err := runWithin(t, context.Background(), testConfig(dir, workers, 7, mem), h)
		if !errors.Is(err, boom) {
			t.Errorf("workers %d: Run error = %v, want %v", workers, err, boom)
		}
		mu.Lock()
		if calls > 5+workers*8 {
			t.Errorf("workers %d: Process called %d times after the failure: not prompt", workers, calls)
		}
		mu.Unlock()
		for _, c := range h.completes {
			if c.Equal(pipeline.EndOfTime) {
				t.Error("Complete(EndOfTime) after a failure")
			}
		}
		waitGoroutines(t, base)
		mem.AssertSize(t, 0)
	}
}

func TestRunCancelled(t *testing.T) {
	dir := bigArchive(t)
	base := runtime.NumGoroutine()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := newTestHandler(t, nil)
	var once sync.Once
	h.processErr = func(context.Context) error {
		once.Do(cancel)
		return nil
	}
	_, err := runWithin(t, ctx, testConfig(dir, 3, 5, mem), h)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run error = %v, want context.Canceled", err)
	}
	waitGoroutines(t, base)
	mem.AssertSize(t, 0)
}

func TestRunOpenFails(t *testing.T) {
	a := newTestArchive(t)
	base := runtime.NumGoroutine()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	denied := errors.New("access denied")
	src := failingSource{Source: a.dir, key: a.keys["C"], err: denied}
	_, err := runWithin(t, context.Background(), testConfig(src, 2, 3, mem), newTestHandler(t, nil))
	if !errors.Is(err, denied) || !strings.Contains(err.Error(), a.keys["C"]) {
		t.Errorf("Run error = %v, want %v naming the key", err, denied)
	}
	waitGoroutines(t, base)
	mem.AssertSize(t, 0)
}

// errHandler fails in NewWorker or Complete.
type errHandler struct {
	*testHandler
	newWorkerErr, completeErr error
}

func (h errHandler) NewWorker() (pipeline.Worker, error) {
	if h.newWorkerErr != nil {
		return nil, h.newWorkerErr
	}
	return h.testHandler.NewWorker()
}

func (h errHandler) Complete(ctx context.Context, through time.Time) error {
	if h.completeErr != nil {
		return h.completeErr
	}
	return h.testHandler.Complete(ctx, through)
}

func TestRunHandlerErrors(t *testing.T) {
	dir := bigArchive(t)
	base := runtime.NumGoroutine()
	boom := errors.New("boom")
	for _, h := range []errHandler{
		{testHandler: newTestHandler(t, nil), newWorkerErr: boom},
		{testHandler: newTestHandler(t, nil), completeErr: boom},
	} {
		_, err := runWithin(t, context.Background(), testConfig(dir, 2, 100, nil), h)
		if !errors.Is(err, boom) {
			t.Errorf("Run error = %v, want %v", err, boom)
		}
	}
	waitGoroutines(t, base)
}

func TestRunConfigErrors(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	good := testConfig(dir, 1, 1, nil)
	tests := []struct {
		Name   string
		Change func(*pipeline.Config)
	}{
		{"NoSource", func(c *pipeline.Config) { c.Source = nil }},
		{"NoRange", func(c *pipeline.Config) { c.Range = archive.Range{} }},
		{"EmptyRange", func(c *pipeline.Config) { c.Range.To = c.Range.From }},
		{"NegativeMargin", func(c *pipeline.Config) { c.Margin = -time.Hour }},
		{"FractionalMargin", func(c *pipeline.Config) { c.Margin = 90 * time.Minute }},
	}
	for _, tt := range tests {
		cfg := good
		tt.Change(&cfg)
		if _, err := pipeline.Run(context.Background(), cfg, newTestHandler(t, nil)); err == nil {
			t.Errorf("%s: Run succeeded", tt.Name)
		}
	}
	// An empty archive is fine: everything is zero, and Complete is still
	// called at the end.
	h := newTestHandler(t, nil)
	counts, err := pipeline.Run(context.Background(), good, h)
	if err != nil {
		t.Fatal(err)
	}
	if counts.HoursListed != testHours || counts.RecordsRead != 0 || len(h.completes) != 1 {
		t.Errorf("empty archive: %+v, completes %v", *counts, h.completes)
	}
}

// TestRunMargin checks the late-arrival margin: with 2h, D's record that
// arrived 3h late still does not count, and with 3h it does.
func TestRunMargin(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	late := canonical(at(10, 15), "C1", "U2", "three hours late")
	if err := dir.Put(context.Background(), archive.ObjectKey("", "s", 1, at(13, 0), uuid(1), false), lines(late)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		Margin  time.Duration
		InRange int64
		Hours   int64
	}{{time.Hour, 0, testHours}, {2 * time.Hour, 0, testHours + 1}, {3 * time.Hour, 1, testHours + 2}} {
		cfg := testConfig(dir, 1, 1, nil)
		cfg.Margin = tt.Margin
		counts, err := pipeline.Run(context.Background(), cfg, newTestHandler(t, nil))
		if err != nil {
			t.Fatal(err)
		}
		if counts.InRange != tt.InRange || counts.OutsideWindow != 1-tt.InRange || counts.HoursListed != tt.Hours {
			t.Errorf("margin %v: in range %d, outside window %d, hours %d; want %d, %d, %d", tt.Margin,
				counts.InRange, counts.OutsideWindow, counts.HoursListed, tt.InRange, 1-tt.InRange, tt.Hours)
		}
	}
}

// TestRunEmptyGzip reads a .gz object of zero bytes: a corrupt object is
// one bad record, not a failed run.
func TestRunEmptyGzip(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	ctx := context.Background()
	if err := dir.Put(ctx, archive.ObjectKey("", "s", 1, at(10, 0), uuid(1), true), nil); err != nil {
		t.Fatal(err)
	}
	if err := dir.Put(ctx, archive.ObjectKey("", "s", 1, at(10, 1), uuid(2), false), nil); err != nil {
		t.Fatal(err)
	}
	counts, err := pipeline.Run(ctx, testConfig(dir, 1, 1, nil), newTestHandler(t, nil))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if counts.ObjectsRead != 2 || counts.Quarantined != 1 || counts.QuarantineReasons["truncated or corrupt gzip"] != 1 {
		t.Errorf("counts: %+v", *counts)
	}
}

// TestRunLookBehind checks records filed under the hour before their
// message hour (an object named after its oldest record, written in the
// next hour): they count, also across the start of the range; records filed
// earlier than that do not.
func TestRunLookBehind(t *testing.T) {
	if archive.LookBehind != time.Hour {
		t.Fatalf("this test assumes LookBehind = 1h, not %v", archive.LookBehind)
	}
	dir := archive.Dir{Root: t.TempDir()}
	ctx := context.Background()
	want := map[[16]byte]schema.Message{}
	add := func(hour time.Time, n int, counted bool, ls ...[]byte) {
		for _, l := range ls {
			if counted {
				m, _ := schema.Decode(l)
				want[m.Key()] = m
			}
		}
		if err := dir.Put(ctx, archive.ObjectKey("", "s", 1, hour.Add(58*time.Minute), uuid(n), false), lines(ls...)); err != nil {
			t.Fatal(err)
		}
	}
	add(at(-1, 0), 1, true, canonical(at(0, 5), "C1", "U1", "filed under the hour before the range"))
	add(at(9, 0), 2, true, canonical(at(10, 2), "C1", "U1", "filed under the hour before"))
	add(at(8, 0), 3, false, canonical(at(10, 3), "C1", "U1", "filed two hours early"))
	add(at(-2, 0), 4, false, canonical(at(0, 6), "C1", "U1", "filed two hours before the range"))
	for _, workers := range []int{1, 2} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		h := newTestHandler(t, want)
		counts, err := pipeline.Run(ctx, testConfig(dir, workers, 1, mem), h)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h.errs {
			t.Error(e)
		}
		if counts.InRange != 2 || counts.OutsideWindow != 1 || counts.ObjectsRead != 3 || len(h.got) != 2 {
			t.Errorf("workers %d: %+v; handed over %d", workers, *counts, len(h.got))
		}
		mem.AssertSize(t, 0)
	}
}

// countingSource counts the bodies it hands out and those closed.
type countingSource struct {
	archive.Source
	opened, closed *atomic.Int64
}

func (c countingSource) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := c.Source.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	c.opened.Add(1)
	return countedBody{rc, c.closed}, nil
}

type countedBody struct {
	io.ReadCloser
	closed *atomic.Int64
}

func (b countedBody) Close() error {
	b.closed.Add(1)
	return b.ReadCloser.Close()
}

// TestRunClosesEveryBody checks that objects opened ahead of their reading
// are closed whether the run succeeds, fails or is cancelled.
func TestRunClosesEveryBody(t *testing.T) {
	dir := bigArchive(t)
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		workers int
		fail    func(calls int, cancel context.CancelFunc) error
		wantErr error
	}{
		{"succeeds", 3, func(int, context.CancelFunc) error { return nil }, nil},
		{"worker fails", 1, func(calls int, _ context.CancelFunc) error {
			if calls >= 3 {
				return boom
			}
			return nil
		}, boom},
		{"worker fails, several", 4, func(calls int, _ context.CancelFunc) error {
			if calls >= 3 {
				return boom
			}
			return nil
		}, boom},
		{"cancelled", 2, func(calls int, cancel context.CancelFunc) error {
			if calls >= 3 {
				cancel()
			}
			return nil
		}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var opened, closed atomic.Int64
			src := countingSource{Source: dir, opened: &opened, closed: &closed}
			h := newTestHandler(t, nil)
			var mu sync.Mutex
			calls := 0
			h.processErr = func(context.Context) error {
				mu.Lock()
				defer mu.Unlock()
				calls++
				return tc.fail(calls, cancel)
			}
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			_, err := runWithin(t, ctx, testConfig(src, tc.workers, 7, mem), h)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Run error = %v, want %v", err, tc.wantErr)
			}
			if opened.Load() == 0 || opened.Load() != closed.Load() {
				t.Errorf("%d bodies opened, %d closed", opened.Load(), closed.Load())
			}
			mem.AssertSize(t, 0)
		})
	}
}
