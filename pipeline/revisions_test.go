package pipeline_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// revision renders an edit, deletion or reaction of the message of channel
// C1 at msg, as the canonical record (no newline).
func revision(kind string, msg, event time.Time, text string) []byte {
	m := schema.Message{Team: "T1", ChannelID: "C1", UserID: "U1", Source: schema.SourceCanonical,
		EventID: "Ev" + kind + schema.FormatTS(event)}
	switch kind {
	case "edit":
		m.Subtype, m.TS, m.EditedTS, m.Text = "message_changed", schema.FormatTS(msg), schema.FormatTS(event), text
	case "delete":
		m.Subtype, m.TS, m.EditedTS = "message_deleted", schema.FormatTS(msg), schema.FormatTS(event)
	case "add", "remove":
		m.Kind, m.TS, m.ItemTS, m.Reaction, m.UserID = schema.KindReactionAdded, schema.FormatTS(event), schema.FormatTS(msg), text, "U2"
		if kind == "remove" {
			m.Kind = schema.KindReactionRemoved
		}
	}
	return bytes.TrimSuffix(schema.AppendNDJSON(nil, &m), []byte("\n"))
}

// revisionWorker records, for every message it is handed at Flush, the
// revision the run's Revisions has for it then.
type revisionWorker struct {
	revs *pipeline.Revisions
	mu   *sync.Mutex
	seen map[string]string // message ts -> what became of it
	held []arrow.RecordBatch
}

func (w *revisionWorker) Process(_ context.Context, rec arrow.RecordBatch) error {
	rec.Retain()
	w.held = append(w.held, rec)
	return nil
}

func (w *revisionWorker) Flush(_ context.Context, through time.Time) error {
	keep := w.held[:0]
	for _, rec := range w.held {
		rows, err := pipeline.NewRows(rec)
		if err != nil {
			return err
		}
		done := true
		for i := range rows.Len() {
			var m schema.Message
			rows.Message(i, &m)
			if !m.IsAuthored() {
				continue
			}
			hour := m.Time.Truncate(time.Hour)
			if hour.Add(time.Hour).After(through) {
				done = false
				continue
			}
			rev := w.revs.Hour(hour)[schema.MessageKey(m.Team, m.ChannelID, m.TS)]
			rev.Take()
			what := "as written"
			if rev != nil {
				what = fmt.Sprintf("deleted %v edited %q", rev.Deleted, rev.Text)
				for e, n := range rev.NetReactions {
					what += fmt.Sprintf(" %s:%d", e, n)
				}
			}
			w.mu.Lock()
			w.seen[m.TS] = what
			w.mu.Unlock()
		}
		if done {
			rec.Release()
		} else {
			keep = append(keep, rec)
		}
	}
	w.held = keep
	return nil
}

type revisionHandler struct {
	revs    *pipeline.Revisions
	mu      sync.Mutex
	seen    map[string]string
	workers []*revisionWorker
}

func (h *revisionHandler) NewWorker() (pipeline.Worker, error) {
	w := &revisionWorker{revs: h.revs, mu: &h.mu, seen: h.seen}
	h.workers = append(h.workers, w)
	return w, nil
}

func (h *revisionHandler) Complete(context.Context, time.Time) error { return nil }

// TestRunEditWindow checks that a message reaches its Worker only in its
// final form: with every edit, deletion and reaction that arrived within
// the edit window after its hour, whatever object and hour they were filed
// under, applied once however often delivered, and none that came later.
func TestRunEditWindow(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	ctx := context.Background()
	m1, m2, m3, m4 := at(10, 5), at(10, 6), at(10, 7), at(23, 30)
	put := func(n int, hour time.Time, ls ...[]byte) {
		t.Helper()
		if err := dir.Put(ctx, archive.ObjectKey("", "s", 1, hour, uuid(n), false), lines(ls...)); err != nil {
			t.Fatal(err)
		}
	}
	put(1, at(10, 0), canonical(m1, "C1", "U1", "first"), canonical(m2, "C1", "U1", "second"),
		canonical(m3, "C1", "U1", "third"))
	put(2, at(23, 31), canonical(m4, "C1", "U1", "late evening"))
	// Within the window (margin 1h + 24h after hour 10): two edits of m1,
	// the later one delivered twice, in objects read in either order; a
	// reaction added twice by one delivery duplicated, and one removed.
	put(3, at(20, 0), revision("edit", m1, at(20, 1), "second try"),
		revision("add", m1, at(20, 2), "tada"), revision("add", m1, at(20, 2), "tada"))
	put(4, at(12, 0), revision("edit", m1, at(12, 1), "first try"), revision("add", m1, at(12, 2), "eyes"))
	put(5, at(34, 0), revision("edit", m1, at(20, 1), "second try"), revision("remove", m1, at(34, 1), "eyes"),
		revision("delete", m2, at(34, 59), ""))
	// After it: a deletion of m3 filed at hour 36 (10 + 1 + 24 + 1), and
	// a reaction to m3 then too.
	put(6, at(36, 0), revision("delete", m3, at(36, 1), ""), revision("add", m3, at(36, 2), "fire"))
	// An edit of a message nobody wrote (in the range, never archived).
	put(7, at(11, 0), revision("edit", at(11, 0), at(11, 1), "ghost"))

	for _, workers := range []int{1, 3} {
		h := &revisionHandler{revs: pipeline.NewRevisions(), seen: map[string]string{}}
		cfg := testConfig(dir, workers, 1, nil)
		cfg.Range = archive.Range{From: day0, To: day0.Add(24 * time.Hour)}
		cfg.EditWindow, cfg.Revisions = 24*time.Hour, h.revs
		counts, err := pipeline.Run(ctx, cfg, h)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			schema.FormatTS(m1): `deleted false edited "second try" tada:1`,
			schema.FormatTS(m2): `deleted true edited ""`,
			schema.FormatTS(m3): "as written",
			schema.FormatTS(m4): "as written",
		}
		if !maps.Equal(h.seen, want) {
			for _, k := range slices.Sorted(maps.Keys(want)) {
				t.Logf("%s: got %s, want %s", k, h.seen[k], want[k])
			}
			t.Errorf("workers=%d: messages were not handed over in their final form", workers)
		}
		wantRev := pipeline.RevisionCounts{EditsApplied: 2, EditsNotSeen: 1, DeletesApplied: 1, DeletesLate: 1,
			ReactionsApplied: 3, ReactionsLate: 1}
		if counts.RevisionCounts != wantRev || counts.Duplicates != 2 || counts.HoursListed != 24+1+1+24 {
			t.Errorf("workers=%d: revisions %+v, duplicates %d, hours %d; want %+v, 2, 50", workers,
				counts.RevisionCounts, counts.Duplicates, counts.HoursListed, wantRev)
		}
		if err := counts.Check(); err != nil {
			t.Error(err)
		}
	}
}
