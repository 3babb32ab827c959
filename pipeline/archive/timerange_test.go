package archive_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

func date(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		Input  string
		Output time.Time
		Error  bool
	}{
		{"2016-11-18", date(2016, 11, 18, 0, 0), false},
		{"2016-11-18T10", date(2016, 11, 18, 10, 0), false},
		{"2016-11-18T10Z", date(2016, 11, 18, 10, 0), false},
		{"2016-11-18T10:30:00Z", date(2016, 11, 18, 10, 30), false},
		{"2016-11-18T11:30:00+01:00", date(2016, 11, 18, 10, 30), false},
		{"2016-11-18T05:30:00-05:00", date(2016, 11, 18, 10, 30), false},
		{"2016-11-18T10:30:00.25Z", time.Date(2016, 11, 18, 10, 30, 0, 250000000, time.UTC), false},
		{"2016-12-31T23", date(2016, 12, 31, 23, 0), false},

		{"", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"2016-11-31", time.Time{}, true},
		{"2016-11-18T24", time.Time{}, true},
		{"2016-11-18T10:30", time.Time{}, true},
		{"2016-11-18 10:30:00Z", time.Time{}, true},
		{"18/11/2016", time.Time{}, true},
		{"2016-11-18T10:30:00", time.Time{}, true}, // RFC 3339 needs a zone
		{"1479463495", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.Input, func(t *testing.T) {
			got, err := archive.ParseTime(tt.Input)
			if (err != nil) != tt.Error {
				t.Fatalf("ParseTime(%q) error = %v, want error %v", tt.Input, err, tt.Error)
			}
			if err != nil {
				return
			}
			if !got.Equal(tt.Output) || got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) = %v, want %v in UTC", tt.Input, got, tt.Output)
			}
		})
	}
}

func TestRangeValidateContains(t *testing.T) {
	from, to := date(2016, 11, 18, 0, 0), date(2016, 11, 19, 0, 0)
	for _, r := range []archive.Range{{}, {From: from}, {To: to}, {From: to, To: from}, {From: from, To: from}} {
		if err := r.Validate(); err == nil {
			t.Errorf("Validate(%v) = nil, want an error", r)
		}
	}
	r := archive.Range{From: from, To: to}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		T    time.Time
		Want bool
	}{
		{from.Add(-time.Nanosecond), false},
		{from, true},
		{from.Add(12 * time.Hour), true},
		{to.Add(-time.Nanosecond), true},
		{to, false},
	}
	for _, tt := range tests {
		if got := r.Contains(tt.T); got != tt.Want {
			t.Errorf("Contains(%v) = %v, want %v", tt.T, got, tt.Want)
		}
	}
}

func hours(from time.Time, n int) []time.Time {
	var hs []time.Time
	for i := range n {
		hs = append(hs, from.Add(time.Duration(i)*time.Hour))
	}
	return hs
}

func TestArrivalHours(t *testing.T) {
	d := date(2016, 11, 18, 0, 0)
	// Objects filed up to LookBehind before a message's hour can hold it.
	lb := int(archive.LookBehind / time.Hour)
	before := func(t time.Time) time.Time { return t.Add(-archive.LookBehind) }
	tests := []struct {
		Name   string
		Range  archive.Range
		Margin time.Duration
		Want   []time.Time
	}{
		{"HourMargin0", archive.Range{From: d.Add(10 * time.Hour), To: d.Add(11 * time.Hour)}, 0, hours(before(d.Add(10*time.Hour)), lb+1)},
		{"HourMargin1", archive.Range{From: d.Add(10 * time.Hour), To: d.Add(11 * time.Hour)}, time.Hour, hours(before(d.Add(10*time.Hour)), lb+2)},
		{"HourMargin2", archive.Range{From: d.Add(10 * time.Hour), To: d.Add(11 * time.Hour)}, 2 * time.Hour, hours(before(d.Add(10*time.Hour)), lb+3)},
		{"DayMargin0", archive.Range{From: d, To: d.Add(24 * time.Hour)}, 0, hours(before(d), lb+24)},
		{"DayMargin1", archive.Range{From: d, To: d.Add(24 * time.Hour)}, time.Hour, hours(before(d), lb+25)},
		{"DayMargin2", archive.Range{From: d, To: d.Add(24 * time.Hour)}, 2 * time.Hour, hours(before(d), lb+26)},
		// Unaligned bounds: the hours that hold any of the range.
		{"UnalignedMargin0", archive.Range{From: d.Add(10*time.Hour + 30*time.Minute), To: d.Add(11*time.Hour + 30*time.Minute)}, 0, hours(before(d.Add(10*time.Hour)), lb+2)},
		{"UnalignedMargin1", archive.Range{From: d.Add(10*time.Hour + 30*time.Minute), To: d.Add(11*time.Hour + 30*time.Minute)}, time.Hour, hours(before(d.Add(10*time.Hour)), lb+3)},
		{"ShortUnaligned", archive.Range{From: d.Add(10*time.Hour + 10*time.Minute), To: d.Add(10*time.Hour + 20*time.Minute)}, 0, hours(before(d.Add(10*time.Hour)), lb+1)},
		{"OtherZone", archive.Range{From: d.In(time.FixedZone("X", 3600*5+1800)), To: d.Add(time.Hour)}, 0, hours(before(d), lb+1)},
		{"AcrossYear", archive.Range{From: date(2016, 12, 31, 23, 0), To: date(2017, 1, 1, 1, 0)}, time.Hour, hours(before(date(2016, 12, 31, 23, 0)), lb+3)},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got := tt.Range.ArrivalHours(tt.Margin)
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("ArrivalHours(%v) =\n%v\nwant\n%v", tt.Margin, got, tt.Want)
			}
			for _, h := range got {
				if h.Location() != time.UTC {
					t.Errorf("hour %v is not in UTC", h)
				}
			}
		})
	}
}

func TestInArrivalWindow(t *testing.T) {
	if archive.LookBehind != time.Hour {
		t.Fatalf("the table below assumes LookBehind = 1h, not %v", archive.LookBehind)
	}
	msg := date(2016, 11, 18, 10, 37)
	h := func(n int) time.Time { return date(2016, 11, 18, 10, 0).Add(time.Duration(n) * time.Hour) }
	tests := []struct {
		Prefix time.Time
		Margin time.Duration
		Want   bool
	}{
		{h(-2), 0, false}, // filed two hours before its message: a skewed clock
		{h(-1), 0, true},  // filed under the hour before (LookBehind)
		{h(0), 0, true},
		{h(1), 0, false},
		{h(-2), time.Hour, false},
		{h(-1), time.Hour, true},
		{h(0), time.Hour, true},
		{h(1), time.Hour, true},
		{h(2), time.Hour, false},
		{h(0), 2 * time.Hour, true},
		{h(1), 2 * time.Hour, true},
		{h(2), 2 * time.Hour, true},
		{h(3), 2 * time.Hour, false},
		{h(3), 3 * time.Hour, true},
	}
	for _, tt := range tests {
		if got := archive.InArrivalWindow(msg, tt.Prefix, tt.Margin); got != tt.Want {
			t.Errorf("InArrivalWindow(%v, %v, %v) = %v, want %v", msg, tt.Prefix, tt.Margin, got, tt.Want)
		}
	}
	// Boundaries of the message hour.
	for _, m := range []time.Time{h(0), h(1).Add(-time.Microsecond)} {
		if !archive.InArrivalWindow(m, h(0), 0) {
			t.Errorf("InArrivalWindow(%v, %v, 0) = false", m, h(0))
		}
		if !archive.InArrivalWindow(m, h(1), time.Hour) || archive.InArrivalWindow(m, h(2), time.Hour) {
			t.Errorf("InArrivalWindow(%v, ..., 1h) wrong at the margin's end", m)
		}
		if !archive.InArrivalWindow(m, h(-1), 0) || archive.InArrivalWindow(m, h(-2), 0) {
			t.Errorf("InArrivalWindow(%v, ..., 0) wrong at the look-behind's start", m)
		}
	}
	if archive.InArrivalWindow(h(2), h(0), time.Hour) {
		t.Error("a message two hours on counts in this hour's objects")
	}
}

// TestArrivalWindowAgreesWithRanges checks the rule that makes ranges
// compose: for any message time, the arrival hours whose records count are
// all listed by ArrivalHours of any range holding that time.
func TestArrivalWindowAgreesWithRanges(t *testing.T) {
	d := date(2016, 11, 18, 0, 0)
	for _, margin := range []time.Duration{0, time.Hour, 2 * time.Hour} {
		for _, r := range []archive.Range{
			{From: d, To: d.Add(time.Hour)},
			{From: d, To: d.Add(24 * time.Hour)},
			{From: d.Add(23 * time.Hour), To: d.Add(25 * time.Hour)},
		} {
			listed := map[time.Time]bool{}
			for _, h := range r.ArrivalHours(margin) {
				listed[h] = true
			}
			for m := r.From; m.Before(r.To); m = m.Add(17 * time.Minute) {
				for p := m.Truncate(time.Hour).Add(-3 * time.Hour); p.Before(m.Add(5 * time.Hour)); p = p.Add(time.Hour) {
					if archive.InArrivalWindow(m, p, margin) && !listed[p] {
						t.Errorf("range %v margin %v: message %v counts in hour %v, which is not listed", r, margin, m, p)
					}
				}
			}
		}
	}
}
