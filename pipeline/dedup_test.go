package pipeline_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/schema"
)

// date is a UTC time to the minute.
func date(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func candidate(m *schema.Message) pipeline.Candidate {
	c := pipeline.Candidate{Hour: m.Time.Truncate(time.Hour), Key: m.Key()}
	c.EventKey, c.HasEvent = m.EventKey()
	return c
}

func msgAt(t time.Time, ts, event string) *schema.Message {
	return &schema.Message{Team: "T1", ChannelID: "C1", TS: ts, Time: t, EventID: event}
}

func TestDedup(t *testing.T) {
	h10 := date(2016, 11, 18, 10, 0)
	d := pipeline.NewDedup()
	if d.Len() != 0 {
		t.Fatalf("new Dedup Len = %d", d.Len())
	}
	a := msgAt(h10.Add(time.Minute), "1479463260.000000", "")
	steps := []struct {
		Name string
		C    pipeline.Candidate
		Seen bool
		Len  int
	}{
		{"First", candidate(a), false, 1},
		{"Again", candidate(a), true, 1},
		{"OtherTS", candidate(msgAt(h10.Add(2*time.Minute), "1479463320.000000", "")), false, 2},
		{"WithEvent", candidate(msgAt(h10.Add(3*time.Minute), "1479463380.000000", "Ev1")), false, 4},
		// A Slack retry: same event id. Here the key differs too (another
		// ts), so only the event key can tell.
		{"EventKeyOnly", candidate(msgAt(h10.Add(4*time.Minute), "1479463440.000000", "Ev1")), true, 5},
		// Same message, new event id (a Firehose redelivery of a
		// re-sent event): the key tells.
		{"KeyOnly", candidate(msgAt(h10.Add(3*time.Minute), "1479463380.000000", "Ev2")), true, 6},
		{"NextHour", candidate(msgAt(h10.Add(61*time.Minute), "1479466860.000000", "")), false, 7},
	}
	for _, s := range steps {
		if got := d.Seen(s.C); got != s.Seen {
			t.Errorf("%s: Seen = %v, want %v", s.Name, got, s.Seen)
		}
		if got := d.Len(); got != s.Len {
			t.Errorf("%s: Len = %d, want %d", s.Name, got, s.Len)
		}
	}

	// Release drops the hours that end at or before through, and only those.
	d.Release(h10.Add(59 * time.Minute))
	if d.Len() != 7 {
		t.Errorf("Release before the hour's end: Len = %d, want 7", d.Len())
	}
	d.Release(h10.Add(time.Hour))
	if d.Len() != 1 {
		t.Errorf("Release(hour end): Len = %d, want 1", d.Len())
	}
	// A released hour starts afresh.
	if d.Seen(candidate(a)) {
		t.Error("released key still seen")
	}
	d.Release(pipeline.EndOfTime)
	if d.Len() != 0 {
		t.Errorf("Release(EndOfTime): Len = %d", d.Len())
	}
}

// TestDedupHours checks that state is per message hour: the same key in
// two hours is two messages (it cannot happen with real keys, whose ts
// fixes the hour, but the bookkeeping must not mix hours).
func TestDedupHours(t *testing.T) {
	d := pipeline.NewDedup()
	c := candidate(msgAt(date(2016, 11, 18, 10, 5), "1", ""))
	if d.Seen(c) {
		t.Fatal("first Seen = true")
	}
	c.Hour = c.Hour.Add(time.Hour)
	if d.Seen(c) {
		t.Error("the same key in another hour is seen")
	}
}

// TestDedupReuse checks that a released hour's set, reused for a later
// hour, starts empty.
func TestDedupReuse(t *testing.T) {
	d := pipeline.NewDedup()
	c := candidate(msgAt(date(2016, 11, 18, 10, 5), "1", ""))
	if d.Seen(c) {
		t.Fatal("first Seen = true")
	}
	d.Release(c.Hour.Add(time.Hour))
	if d.Len() != 0 {
		t.Fatalf("Len after Release = %d, want 0", d.Len())
	}
	c.Hour = c.Hour.Add(5 * time.Hour)
	if d.Seen(c) {
		t.Error("a key of a released hour is seen in the hour that reuses its set")
	}
	if !d.Seen(c) {
		t.Error("second Seen in the reused set = false")
	}
}

func TestDedupConcurrent(t *testing.T) {
	d := pipeline.NewDedup()
	h := date(2016, 11, 18, 10, 0)
	const workers, per = 8, 500
	var wg sync.WaitGroup
	seen := make([]int, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				m := msgAt(h.Add(time.Duration(i)*time.Second), fmt.Sprint(i), "")
				if !d.Seen(candidate(m)) {
					seen[w]++
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, n := range seen {
		total += n
	}
	if total != per || d.Len() != per {
		t.Errorf("%d first sightings, Len %d; want %d each", total, d.Len(), per)
	}
}

func TestCountsCheck(t *testing.T) {
	good := func() pipeline.Counts {
		return pipeline.Counts{
			RecordsRead: 20, Parsed: 14, Quarantined: 4, Duplicates: 2,
			InRange: 10, OutOfRange: 4, BeforeRange: 1, AfterRange: 2, OutsideWindow: 1,
			Authored: 4, Bots: 1, Edits: 1, Deletions: 1, Reactions: 2, Other: 1,
			RevisionCounts: pipeline.RevisionCounts{EditsApplied: 1, DeletesNotSeen: 1, ReactionsApplied: 1,
				ReactionsNotSeen: 1, EditsLate: 1},
			QuarantineReasons: map[string]int64{"malformed JSON": 3, "invalid UTF-8": 1},
		}
	}
	tests := []struct {
		Name   string
		Change func(*pipeline.Counts)
		Error  string // a substring of the error, "" for none
	}{
		{"Good", func(*pipeline.Counts) {}, ""},
		{"Zero", func(c *pipeline.Counts) { *c = pipeline.Counts{} }, ""},
		{"RecordsRead", func(c *pipeline.Counts) { c.RecordsRead++ }, "records_read 21 != parsed 14 + quarantined 4 + duplicates 2"},
		{"Parsed", func(c *pipeline.Counts) { c.Parsed++; c.RecordsRead++ }, "parsed 15 != in_range 10 + out_of_range 4"},
		{"OutOfRange", func(c *pipeline.Counts) { c.BeforeRange++ }, "out_of_range 4 != before 2 + after 2 + outside window 1"},
		{"Kinds", func(c *pipeline.Counts) { c.Other++ }, "in_range 10 != sum of kinds"},
		{"Reasons", func(c *pipeline.Counts) { c.QuarantineReasons["other"] = 1 }, "quarantined 4 != sum of reasons 5"},
		{"NoReasons", func(c *pipeline.Counts) { c.QuarantineReasons = nil }, "quarantined 4 != sum of reasons 0"},
		{"Several", func(c *pipeline.Counts) { c.RecordsRead++; c.Other++ }, "; in_range"},
		{"Revisions", func(c *pipeline.Counts) { c.EditsApplied++ }, "edits 1, deletions 1, reactions 2 != applied + not seen (2+0, 0+1, 1+1)"},
		{"Late", func(c *pipeline.Counts) { c.DeletesLate++ }, "outside_window 1 < late edits, deletions and reactions"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			c := good()
			tt.Change(&c)
			err := c.Check()
			switch {
			case tt.Error == "" && err != nil:
				t.Errorf("Check() = %v, want nil", err)
			case tt.Error != "" && (err == nil || !strings.Contains(err.Error(), tt.Error)):
				t.Errorf("Check() = %v, want an error containing %q", err, tt.Error)
			}
		})
	}
}

func TestCountsAdd(t *testing.T) {
	a := pipeline.Counts{RecordsRead: 3, Parsed: 2, Quarantined: 1, InRange: 2, Authored: 2, ObjectsRead: 1,
		BytesRead: 10, QuarantineReasons: map[string]int64{"x": 1}}
	b := pipeline.Counts{RecordsRead: 2, Parsed: 1, Duplicates: 1, InRange: 1, Reactions: 1, ObjectsRead: 2,
		RevisionCounts:  pipeline.RevisionCounts{ReactionsNotSeen: 1},
		ObjectsVanished: 1, KeysSkipped: 4, HoursListed: 5, ObjectsListed: 3, BytesDecoded: 7}
	c := pipeline.Counts{QuarantineReasons: map[string]int64{"x": 2, "y": 1}, Quarantined: 3, RecordsRead: 3}
	var sum pipeline.Counts
	sum.Add(&a)
	sum.Add(&b)
	sum.Add(&c)
	want := pipeline.Counts{RecordsRead: 8, Parsed: 3, Quarantined: 4, Duplicates: 1, InRange: 3, Authored: 2,
		Reactions: 1, RevisionCounts: pipeline.RevisionCounts{ReactionsNotSeen: 1}, ObjectsRead: 3, ObjectsVanished: 1, KeysSkipped: 4, HoursListed: 5, ObjectsListed: 3,
		BytesRead: 10, BytesDecoded: 7, QuarantineReasons: map[string]int64{"x": 3, "y": 1}}
	if fmt.Sprintf("%+v", sum) != fmt.Sprintf("%+v", want) {
		t.Errorf("sum =\n%+v\nwant\n%+v", sum, want)
	}
	if err := sum.Check(); err != nil {
		t.Error(err)
	}
	// Add does not alias the other's map.
	a.QuarantineReasons["x"] = 100
	if sum.QuarantineReasons["x"] != 3 {
		t.Error("Add aliases the added Counts' reasons")
	}
}

func TestReasonSummary(t *testing.T) {
	tests := []struct {
		Reasons map[string]int64
		Want    string
	}{
		{nil, ""},
		{map[string]int64{"malformed JSON": 1}, "malformed JSON: 1"},
		{map[string]int64{"b": 2, "a": 2, "c": 5, "d": 1}, "c: 5, a: 2, b: 2, d: 1"},
	}
	for _, tt := range tests {
		c := pipeline.Counts{QuarantineReasons: tt.Reasons}
		for range 3 { // map order must not show
			if got := c.ReasonSummary(); got != tt.Want {
				t.Errorf("ReasonSummary(%v) = %q, want %q", tt.Reasons, got, tt.Want)
			}
		}
	}
}

func TestBadRatio(t *testing.T) {
	if r := (&pipeline.Counts{}).BadRatio(); r != 0 {
		t.Errorf("BadRatio of nothing = %v", r)
	}
	if r := (&pipeline.Counts{RecordsRead: 8, Quarantined: 2}).BadRatio(); r != 0.25 {
		t.Errorf("BadRatio = %v, want 0.25", r)
	}
}
