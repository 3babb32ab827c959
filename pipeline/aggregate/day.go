package aggregate

import "time"

// Day is a UTC calendar day, counted from 1970-01-01. Aggregates are kept per
// message day: the day of the message's own ts, never its arrival.
type Day int32

// DayOf returns the UTC day of t.
func DayOf(t time.Time) Day {
	return Day(t.UTC().Unix() / 86400)
}

// Start is the first instant of d.
func (d Day) Start() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// End is the first instant after d.
func (d Day) End() time.Time { return d.Start().Add(24 * time.Hour) }

// String renders d as YYYY-MM-DD, the form of Hive partition values.
func (d Day) String() string { return d.Start().Format(time.DateOnly) }
