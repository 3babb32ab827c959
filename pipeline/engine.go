package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"golang.org/x/sync/errgroup"

	"github.com/wiretap-hq/wiretap/privacy"
)

// A Worker consumes the record batches of one reading goroutine. The engine
// never calls one Worker from two goroutines at once, so a Worker keeps its
// partial results without locks.
type Worker interface {
	// Process is given a batch of parsed, deduplicated, in-range records of
	// one object. The batch is released when Process returns: a Worker that
	// keeps it must Retain it, and must not modify it.
	Process(ctx context.Context, rec arrow.RecordBatch) error
	// Flush hands over what the Worker holds for messages before through:
	// all of those have been read, by every worker.
	Flush(ctx context.Context, through time.Time) error
}

// A Handler makes the Workers of a run and hears when a stretch of message
// time is complete.
type Handler interface {
	NewWorker() (Worker, error)
	// Complete is called, never concurrently and with through increasing,
	// once every Worker has flushed all messages before through. The last
	// call, after everything has been read, has through = EndOfTime. It
	// runs on a goroutine of its own while the Workers go on reading.
	Complete(ctx context.Context, through time.Time) error
}

// Config says what a run reads and how.
type Config struct {
	Source archive.Source
	// Locate renders a key for errors and the quarantine; nil leaves keys as
	// they are.
	Locate func(key string) string
	Range  archive.Range
	// Margin is how long after its message hour a record may arrive and
	// still count (see InArrivalWindow). Whole hours; default 1h.
	Margin time.Duration
	// EditWindow is how long after its message hour an edit, a deletion
	// or a reaction may arrive and still apply (see Revisions). Whole
	// hours; default DefaultEditWindow; negative: none (revisions apply
	// only within the margin).
	EditWindow time.Duration
	// Revisions, when set, receives the run's edits, deletions and
	// reactions, for the Workers to apply; nil: the engine keeps its own,
	// for the accounting only.
	Revisions  *Revisions
	Workers    int // default GOMAXPROCS
	BatchRows  int // rows per Arrow batch; default 4096
	BatchBytes int // text bytes per Arrow batch; default 8 MiB
	MaxLine    int // default DefaultMaxLine
	// ListAhead is how many hour prefixes are listed ahead of the readers;
	// default 8.
	ListAhead  int
	Alloc      memory.Allocator // default: one that recycles the buffers of released batches
	Quarantine QuarantineSink   // nil drops the entries (they are still counted)
	// Privacy leaves opted-out people's records out and scrubs or
	// pseudonymises the rest as they are decoded; nil changes nothing.
	Privacy *privacy.Policy
	// Progress, when set, is updated as the run goes; it may be read at any
	// time from another goroutine.
	Progress *Progress
}

// Progress is a live view of a run, for progress bars.
type Progress struct {
	HoursTotal  atomic.Int64
	HoursDone   atomic.Int64
	ObjectsRead atomic.Int64
	BytesRead   atomic.Int64
	RecordsRead atomic.Int64
}

func (c *Config) defaults() error {
	if c.Source == nil {
		return errors.New("pipeline: no source")
	}
	if err := c.Range.Validate(); err != nil {
		return err
	}
	if c.Margin == 0 {
		c.Margin = time.Hour
	}
	if c.Margin < 0 || c.Margin%time.Hour != 0 {
		return fmt.Errorf("late-arrival margin %v: want a whole number of hours", c.Margin)
	}
	switch {
	case c.EditWindow == 0:
		c.EditWindow = DefaultEditWindow
	case c.EditWindow < 0:
		c.EditWindow = 0
	case c.EditWindow%time.Hour != 0:
		return fmt.Errorf("edit window %v: want a whole number of hours", c.EditWindow)
	}
	if c.Revisions == nil {
		c.Revisions = NewRevisions()
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.BatchRows <= 0 {
		c.BatchRows = 4096
	}
	if c.BatchBytes <= 0 {
		c.BatchBytes = 8 << 20
	}
	if c.ListAhead <= 0 {
		c.ListAhead = 8
	}
	if c.Alloc == nil {
		c.Alloc = newRecyclingAllocator()
	}
	if c.Locate == nil {
		c.Locate = func(k string) string { return k }
	}
	return nil
}

// Run reads the archive objects of cfg.Range, decodes, accounts for and
// deduplicates their records, and hands in-range records to the Handler's
// Workers as Arrow batches. It returns the run's accounting, checked.
func Run(ctx context.Context, cfg Config, h Handler) (*Counts, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	// Revisions may arrive the edit window later than messages: the run
	// reads that many more hours after the range.
	hours := cfg.Range.ArrivalHours(cfg.Margin + cfg.EditWindow)
	e := &engine{
		cfg:       cfg,
		h:         h,
		dedup:     NewDedup(),
		revDedup:  NewDedup(),
		revisions: cfg.Revisions,
		marks:     newWatermark(hours),
		flushed:   make([]time.Time, cfg.Workers),
		wake:      make(chan struct{}, 1),
	}
	if cfg.Progress != nil {
		cfg.Progress.HoursTotal.Store(int64(len(hours)))
	}
	workers := make([]Worker, cfg.Workers)
	for i := range workers {
		w, err := h.NewWorker()
		if err != nil {
			return nil, err
		}
		workers[i] = w
	}

	g, gctx := errgroup.WithContext(ctx)
	objects := make(chan object, cfg.Workers*4)
	g.Go(func() error {
		defer close(objects)
		return e.list(gctx, hours, objects)
	})
	// Objects are opened ahead of their reading, one per reader, so that
	// an S3 GET's round trip and its body's transfer overlap the decoding
	// of the object before it instead of adding to it.
	ahead := make(chan opened)
	var opening sync.WaitGroup
	for range cfg.Workers {
		opening.Add(1)
		g.Go(func() error {
			defer opening.Done()
			return e.openAhead(gctx, objects, ahead)
		})
	}
	go func() {
		opening.Wait()
		close(ahead)
	}()
	// Bodies opened ahead that no reader took (the run failed) are closed.
	defer func() {
		for o := range ahead {
			if o.body != nil {
				o.body.Close()
			}
		}
	}()
	counts := make([]Counts, cfg.Workers)
	var reading sync.WaitGroup
	for i, w := range workers {
		reading.Add(1)
		g.Go(func() error {
			defer reading.Done()
			r := e.newReader(i, w, &counts[i])
			defer r.release()
			for o := range ahead {
				if err := r.read(gctx, o); err != nil {
					return err
				}
			}
			return nil
		})
	}
	readDone := make(chan struct{})
	go func() {
		reading.Wait()
		close(readDone)
	}()
	g.Go(func() error { return e.completeLoop(gctx, readDone) })
	if err := g.Wait(); err != nil {
		return nil, err
	}

	// Everything has been read: hand over and complete all that is left.
	// The Workers flush at once, each on its own goroutine: what they hold
	// for the last days (the edit window's worth, or a short range whole)
	// may take as long to finish as reading did.
	var fg errgroup.Group
	for _, w := range workers {
		fg.Go(func() error { return w.Flush(ctx, EndOfTime) })
	}
	if err := fg.Wait(); err != nil {
		return nil, err
	}
	if err := h.Complete(ctx, EndOfTime); err != nil {
		return nil, err
	}
	e.revisions.release(EndOfTime)
	total := &Counts{}
	total.RevisionCounts.Add(&e.revisions.counts)
	total.Add(&e.listCounts)
	for i := range counts {
		total.Add(&counts[i])
	}
	if err := total.Check(); err != nil {
		return total, err
	}
	return total, nil
}

// EndOfTime is the through of the last Flush and Complete of a run: nothing
// more will be read.
var EndOfTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

type object struct {
	archive.ObjectInfo
	hour    time.Time
	gzipped bool
}

// opened is an object whose Open was issued before a reader took it: body
// and err are what Open returned.
type opened struct {
	object
	body io.ReadCloser
	err  error
}

// openAhead opens the listed objects in order and hands them to the readers
// as they become free.
func (e *engine) openAhead(ctx context.Context, in <-chan object, out chan<- opened) error {
	for obj := range in {
		o := opened{object: obj}
		o.body, o.err = e.cfg.Source.Open(ctx, obj.Key)
		if o.err == nil && o.body == nil {
			o.err = fmt.Errorf("open %s: the source returned no body", e.cfg.Locate(obj.Key))
		}
		select {
		case out <- o:
		case <-ctx.Done():
			if o.body != nil {
				o.body.Close()
			}
			return ctx.Err()
		}
	}
	return nil
}

type engine struct {
	cfg        Config
	h          Handler
	dedup      *Dedup
	revDedup   *Dedup // of revisions, which are kept the edit window longer
	revisions  *Revisions
	marks      *watermark
	listCounts Counts // written by the lister only

	mu      sync.Mutex // guards flushed and listCounts.KeysSkipped
	flushed []time.Time

	// wake tells completeLoop that the workers may have flushed further.
	// It holds at most one signal: many wake-ups while Complete is busy
	// make one more Complete, through the latest watermark.
	wake      chan struct{}
	completed time.Time // owned by completeLoop
}

// list lists the hour prefixes, ListAhead at a time, and sends their
// Firehose objects to the readers in hour order.
func (e *engine) list(ctx context.Context, hours []time.Time, out chan<- object) error {
	type listing struct {
		hour time.Time
		objs []object
		err  error
		done chan struct{}
	}
	pending := make(chan *listing, e.cfg.ListAhead)
	var wg sync.WaitGroup
	defer wg.Wait()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(pending)
		for _, h := range hours {
			l := &listing{hour: h, done: make(chan struct{})}
			select {
			case pending <- l:
			case <-lctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(l.done)
				prefix := archive.HourPrefix("", h)
				for info, err := range e.cfg.Source.List(lctx, prefix) {
					if err != nil {
						l.err = fmt.Errorf("list %s: %w", e.cfg.Locate(prefix), err)
						return
					}
					fo, ok := archive.ParseObjectKey("", info.Key)
					if !ok || !fo.Hour.Equal(h) {
						e.skipped()
						continue
					}
					l.objs = append(l.objs, object{ObjectInfo: info, hour: h, gzipped: fo.Gzipped})
				}
			}()
		}
	}()
	for l := range pending {
		select {
		case <-l.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if l.err != nil {
			return l.err
		}
		e.listCounts.HoursListed++
		e.listCounts.ObjectsListed += int64(len(l.objs))
		for _, o := range l.objs {
			e.marks.add(o.hour)
			select {
			case out <- o:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if done := e.marks.listed(l.hour); done && e.cfg.Progress != nil {
			e.cfg.Progress.HoursDone.Add(1)
		}
	}
	return ctx.Err()
}

// skipped counts a key that is not a Firehose object; called from listing
// goroutines.
func (e *engine) skipped() {
	e.mu.Lock()
	e.listCounts.KeysSkipped++
	e.mu.Unlock()
}

// objectDone records that a reader finished an object and that its worker
// flushed through the new watermark, and wakes completeLoop.
func (e *engine) objectDone(ctx context.Context, idx int, w Worker, hour time.Time) error {
	hourDone, arrivedThrough := e.marks.done(hour)
	if p := e.cfg.Progress; p != nil && hourDone {
		p.HoursDone.Add(1)
	}
	// Messages before arrivedThrough - margin can no longer arrive: every
	// object they may be in (InArrivalWindow) has been read; their
	// revisions can arrive for the edit window longer. A message is handed
	// over only once it is final.
	e.dedup.Release(arrivedThrough.Add(-e.cfg.Margin))
	through := arrivedThrough.Add(-e.cfg.Margin - e.cfg.EditWindow)
	e.revDedup.Release(through)
	if err := w.Flush(ctx, through); err != nil {
		return err
	}
	e.mu.Lock()
	if through.After(e.flushed[idx]) {
		e.flushed[idx] = through
	}
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	return nil
}

// completeLoop runs Complete through what every worker has flushed, each
// time a reader reports progress, until reading is done. Complete writes
// outputs and takes a while; running it here rather than in the reader
// that noticed the progress keeps every reader reading meanwhile. The
// final Complete, through EndOfTime, is Run's, once this loop has ended.
func (e *engine) completeLoop(ctx context.Context, readDone <-chan struct{}) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-readDone:
			return nil
		case <-e.wake:
		}
		e.mu.Lock()
		all := slices.MinFunc(e.flushed, time.Time.Compare)
		e.mu.Unlock()
		if !all.After(e.completed) || !all.Before(e.cfg.Range.To) {
			continue // nothing new, or the final Complete covers it
		}
		e.completed = all
		if err := e.h.Complete(ctx, all); err != nil {
			return err
		}
		// Every Worker has handed over the days before all.
		e.revisions.release(all)
	}
}
