package pipeline

import (
	"sync"
	"time"
)

// Dedup remembers which messages have been seen, so that each is counted
// once however often Slack retried or Firehose redelivered it.
//
// State is kept per message hour. A record counts only if it arrived within
// the margin after its message hour (InArrivalWindow), so once every object
// of those arrival hours has been read, nothing can collide with that hour
// again and its state is dropped: memory is bounded by the traffic of the
// hours in flight, not by the size of the archive.
//
// Keys are 128-bit hashes (schema.Message.Key); a false duplicate needs a
// hash collision, about 1 in 10^29 for a billion messages. Dedup is safe for
// concurrent use.
type Dedup struct {
	mu    sync.Mutex
	hours map[int64]map[[16]byte]struct{}
	// hint is the size of the largest hour released so far: new hours
	// start with that much room instead of growing through rehashes.
	hint int
	// free are released hours' sets, cleared: a cleared map keeps its
	// room, so a new hour reuses it rather than allocating as much again.
	free []map[[16]byte]struct{}
}

// maxFree bounds the sets kept for reuse: about as many hours as are in
// flight at once.
const maxFree = 8

// NewDedup returns an empty Dedup.
func NewDedup() *Dedup {
	return &Dedup{hours: make(map[int64]map[[16]byte]struct{})}
}

// Candidate is one record to check: its message hour and its keys.
type Candidate struct {
	Hour     time.Time
	Key      [16]byte
	EventKey [16]byte
	HasEvent bool
}

// Seen marks c seen and reports whether it had been seen before, by either
// key.
func (d *Dedup) Seen(c Candidate) bool {
	h := c.Hour.Unix()
	d.mu.Lock()
	defer d.mu.Unlock()
	set := d.hours[h]
	if set == nil {
		if n := len(d.free); n > 0 {
			set, d.free = d.free[n-1], d.free[:n-1]
		} else {
			set = make(map[[16]byte]struct{}, d.hint)
		}
		d.hours[h] = set
	}
	// An insert that does not grow the set found the key already there:
	// one map operation per key instead of a lookup and an insert.
	n := len(set)
	set[c.Key] = struct{}{}
	seen := len(set) == n
	if c.HasEvent {
		n = len(set)
		set[c.EventKey] = struct{}{}
		seen = seen || len(set) == n
	}
	return seen
}

// Release drops the state of message hours that end at or before through.
func (d *Dedup) Release(through time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for h := range d.hours {
		if time.Unix(h, 0).Add(time.Hour).Compare(through) <= 0 {
			set := d.hours[h]
			d.hint = max(d.hint, len(set))
			delete(d.hours, h)
			if len(d.free) < maxFree {
				clear(set)
				d.free = append(d.free, set)
			}
		}
	}
}

// Len is the number of keys held, for tests and memory reporting.
func (d *Dedup) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, s := range d.hours {
		n += len(s)
	}
	return n
}
