package archive

import (
	"fmt"
	"time"
)

// ParseTime parses a range bound given on the command line, in UTC: a day
// ("2016-11-18"), an hour ("2016-11-18T10"), or RFC 3339
// ("2016-11-18T10:30:00Z", "2016-11-18T11:30:00+01:00").
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "2006-01-02T15", "2006-01-02T15Z"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: want YYYY-MM-DD, YYYY-MM-DDTHH or RFC 3339", s)
	}
	return t.UTC(), nil
}

// Range is a half-open interval of message time, [From, To).
type Range struct {
	From, To time.Time
}

// Contains reports whether t falls in r.
func (r Range) Contains(t time.Time) bool {
	return !t.Before(r.From) && t.Before(r.To)
}

// Validate rejects empty and inverted ranges.
func (r Range) Validate() error {
	if r.From.IsZero() || r.To.IsZero() {
		return fmt.Errorf("time range needs both --from and --to")
	}
	if !r.From.Before(r.To) {
		return fmt.Errorf("time range is empty: --from %s is not before --to %s",
			r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	}
	return nil
}

// LookBehind is how long before its message hour a record may be filed.
// Firehose names an object after the arrival hour of its oldest record and
// buffers for at most 15 minutes, so an object filed under hour H can hold
// records that arrived, and were written, in hour H+1: a record's hour
// prefix is at most one hour before its message hour.
const LookBehind = time.Hour

// ArrivalHours returns the hour prefixes whose objects can hold messages of
// r: the hour before the range (LookBehind), the hours of the range, and
// margin more hours after it.
func (r Range) ArrivalHours(margin time.Duration) []time.Time {
	start := r.From.UTC().Truncate(time.Hour).Add(-LookBehind)
	end := r.To.UTC().Add(margin)
	var hours []time.Time
	for h := start; h.Before(end); h = h.Add(time.Hour) {
		hours = append(hours, h)
	}
	return hours
}

// InArrivalWindow reports whether a record whose message time is msg, read
// from the object filed under arrival hour prefix, is one the engine counts.
//
// The rule that makes every range agree with every other: a record counts
// only when its object is filed under its message's hour, the hour before
// (LookBehind), or within margin after it. A run over a single hour and a run
// over a whole year then count exactly the same records for that hour, so
// daily partitions merge into ranges, and shards into runs, without double
// counting or gaps. Records that arrived later (or, with a badly skewed
// clock, earlier) are parsed and counted out of range.
func InArrivalWindow(msg, prefix time.Time, margin time.Duration) bool {
	m := msg.Truncate(time.Hour)
	return !prefix.Before(m.Add(-LookBehind)) && !prefix.After(m.Add(margin))
}
