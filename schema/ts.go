package schema

import (
	"fmt"
	"time"
)

// Epoch is the earliest plausible message time. Slack's ts values count from
// the Unix epoch; a record dated before 2009 is a producer bug (a zero or a
// milliseconds-as-seconds mix-up), not a message.
var Epoch = time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)

// ParseTS parses a Slack ts ("1355517523.000005": Unix seconds, a dot and up
// to six digits of microseconds) into a UTC time. It rejects anything else,
// and times before Epoch.
func ParseTS(ts string) (time.Time, error) {
	if ts == "" {
		return time.Time{}, fmt.Errorf("%w: empty", ErrBadTS)
	}
	var sec, usec int64
	i := 0
	for ; i < len(ts) && ts[i] != '.'; i++ {
		c := ts[i]
		if c < '0' || c > '9' || i >= 12 {
			return time.Time{}, fmt.Errorf("%w: %q", ErrBadTS, ts)
		}
		sec = sec*10 + int64(c-'0')
	}
	if i == 0 {
		return time.Time{}, fmt.Errorf("%w: %q", ErrBadTS, ts)
	}
	if i < len(ts) {
		frac := ts[i+1:]
		if len(frac) == 0 || len(frac) > 6 {
			return time.Time{}, fmt.Errorf("%w: %q", ErrBadTS, ts)
		}
		for j := 0; j < 6; j++ {
			usec *= 10
			if j < len(frac) {
				c := frac[j]
				if c < '0' || c > '9' {
					return time.Time{}, fmt.Errorf("%w: %q", ErrBadTS, ts)
				}
				usec += int64(c - '0')
			}
		}
	}
	t := time.Unix(sec, usec*1000).UTC()
	if t.Before(Epoch) {
		return time.Time{}, fmt.Errorf("%w: %q is before %d", ErrImplausibleTS, ts, Epoch.Year())
	}
	return t, nil
}

// FormatTS is the inverse of ParseTS: it renders t the way Slack writes ts,
// with six digits of microseconds.
func FormatTS(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}
