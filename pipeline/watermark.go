package pipeline

import (
	"sync"
	"time"
)

// watermark tracks which arrival hours have been read completely.
type watermark struct {
	mu       sync.Mutex
	hours    []time.Time
	pending  []int  // objects of each hour not yet read
	complete []bool // all objects of each hour have been dispatched
	next     int    // first hour not complete
	index    map[int64]int
}

func newWatermark(hours []time.Time) *watermark {
	w := &watermark{hours: hours, pending: make([]int, len(hours)), complete: make([]bool, len(hours)),
		index: make(map[int64]int, len(hours))}
	for i, h := range hours {
		w.index[h.Unix()] = i
	}
	return w
}

func (w *watermark) add(h time.Time) {
	w.mu.Lock()
	w.pending[w.index[h.Unix()]]++
	w.mu.Unlock()
}

// listed marks all objects of hour h dispatched; it reports whether they
// have all been read already.
func (w *watermark) listed(h time.Time) (hourDone bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := w.index[h.Unix()]
	w.complete[i] = true
	return w.pending[i] == 0
}

// done marks one object of hour h read. It reports whether that finished the
// hour, and the time before which every arrival hour is complete.
func (w *watermark) done(h time.Time) (hourDone bool, through time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := w.index[h.Unix()]
	w.pending[i]--
	hourDone = w.pending[i] == 0 && w.complete[i]
	for w.next < len(w.hours) && w.complete[w.next] && w.pending[w.next] == 0 {
		w.next++
	}
	if w.next == len(w.hours) {
		return hourDone, w.hours[len(w.hours)-1].Add(time.Hour)
	}
	return hourDone, w.hours[w.next]
}
