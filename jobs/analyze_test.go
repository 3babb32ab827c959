package jobs

import (
	"testing"
	"time"
)

// TestHeldHours checks that final hours are claimed earliest first, each by
// one claimant, the owner of its day, into the day's one share, one hour at
// a time; that hours not yet final stay held; that a day's share is handed
// over once, after its last hour and when no worker is adding to it; and
// that no worker joins once claims have begun.
func TestHeldHours(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	late := msgHourOf(at("2016-11-14 23:10:00"))   // the last hour of day 1
	early := msgHourOf(at("2016-11-15 00:59:59"))  // the first of day 2
	second := msgHourOf(at("2016-11-15 01:00:00")) // the second of day 2
	third := msgHourOf(at("2016-11-15 02:00:00"))
	day1, day2 := late.day, early.day
	if day2 != day1+1 || second.hour != early.hour+1 || third.hour != second.hour+1 {
		t.Fatalf("hours %v %v %v %v: not consecutive", late, early, second, third)
	}

	h := newHeldHours()
	for want := range 2 {
		if got, err := h.join(); got != want || err != nil {
			t.Fatalf("join = %d, %v; want %d", got, err, want)
		}
	}
	// Consecutive days have different owners.
	w1, w2 := h.owner(day1), h.owner(day2)
	if w1 == w2 {
		t.Fatalf("days %v and %v both owned by worker %d", day1, day2, w1)
	}
	// An object spanning midnight has a chunk in each hour.
	midnightEarly, midnightLate, next, last := &heldChunk{}, &heldChunk{}, &heldChunk{}, &heldChunk{}
	h.hold([]msgHour{early, late}, []*heldChunk{midnightEarly, midnightLate})
	h.hold([]msgHour{second}, []*heldChunk{next})
	h.hold([]msgHour{third}, []*heldChunk{last})

	if w, ok := h.claim(late.start().Add(time.Hour-time.Nanosecond), w1); ok {
		t.Fatalf("claimed %+v before its hour is final", w)
	}
	claim := func(through time.Time, worker int, want msgHour, chunks ...*heldChunk) *openDay {
		t.Helper()
		w, ok := h.claim(through, worker)
		if !ok || w.done != nil || w.hour != want || len(w.chunks) != len(chunks) || w.day.day != want.day || !w.day.busy {
			t.Fatalf("claim through %v: %+v, ok %v; want hour %v with %d chunks, its day busy", through, w, ok, want, len(chunks))
		}
		for i, c := range w.chunks {
			if c != chunks[i] {
				t.Errorf("hour %v: chunk %d is not the one held", want, i)
			}
		}
		return w.day
	}
	handOver := func(through time.Time, worker int, want *openDay) {
		t.Helper()
		w, ok := h.claim(through, worker)
		if !ok || w.done != want {
			t.Fatalf("claim through %v: %+v, ok %v; want day %v handed over", through, w, ok, want.day)
		}
	}
	none := func(through time.Time, worker int, why string) {
		t.Helper()
		if w, ok := h.claim(through, worker); ok {
			t.Fatalf("claim through %v: %+v; want nothing, %s", through, w, why)
		}
	}
	t1 := second.start().Add(time.Hour)
	// Each worker is given the hours of its own days only.
	a := claim(t1, w2, early, midnightEarly)
	d1 := claim(t1, w1, late, midnightLate)
	none(t1, w1, "the final hour left is of day 2, worker 1's")
	h.finished(a)
	// A day has one aggregate, its owner's.
	if s := claim(t1, w2, second, next); s != a {
		t.Fatal("a second aggregate was made for day 2")
	}
	h.finished(a)
	none(t1, w2, "day 1 is busy and hour 3 not final")
	h.finished(d1)
	handOver(t1, w2, d1) // any worker hands a finished day over
	none(third.start().Add(time.Hour), w1, "hour 3 is of day 2, worker 1's")
	if s := claim(third.start().Add(time.Hour), w2, third, last); s != a {
		t.Fatal("a second aggregate was made for day 2")
	}
	none(day2.End(), w1, "day 2 is busy")
	h.finished(a)
	handOver(day2.End(), w1, a)
	none(day2.End(), w1, "every day was handed over")
	if _, err := h.join(); err == nil {
		t.Error("a worker joined after the first claim")
	}

	h.hold([]msgHour{msgHourOf(day2.End())}, []*heldChunk{{}})
	h.release() // never final: a failed run
	if len(h.hours) != 0 {
		t.Error("release kept held hours")
	}
}

// TestMsgHourOf checks that a message's hour holds its ts and ends no
// later than its day, ts before 1970 included (whose day, rounded towards
// zero, is a later one): an hour final by through never has a day still
// open after it.
func TestMsgHourOf(t *testing.T) {
	for _, ts := range []int64{0, 1, 3599, 3600, 86399, 86400, 1479081600, -1, -1800, -3600, -3601, -86400, -86401, -90000} {
		at := time.Unix(ts, 0).UTC()
		h := msgHourOf(at)
		if start := h.start(); at.Before(start) || !at.Before(start.Add(time.Hour)) {
			t.Errorf("ts %d: hour [%v, +1h) does not hold %v", ts, start, at)
		}
		if end := h.start().Add(time.Hour); end.After(h.day.End()) {
			t.Errorf("ts %d: hour ends %v, after its day %v", ts, end, h.day.End())
		}
		if !h.final(h.start().Add(time.Hour)) || h.final(h.start().Add(time.Hour-time.Nanosecond)) {
			t.Errorf("ts %d: final is not the end of the hour", ts)
		}
	}
}
