package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// ArchiveSink defaults, Firehose's own buffering hints scaled for a laptop.
const (
	DefaultStream        = "slack-wiretap"
	DefaultFlushBytes    = 5 << 20
	DefaultFlushInterval = 60 * time.Second
)

// Errors an ArchiveSink's Put returns; the Handler answers them with 503,
// so that Slack retries.
var (
	ErrClosed     = errors.New("ingest: sink closed")
	ErrBufferFull = errors.New("ingest: archive buffer full (writes are failing or too slow)")
)

// ArchiveOptions configure an ArchiveSink.
type ArchiveOptions struct {
	// Prefix is the stream's custom key prefix, before the hour prefix;
	// "" files objects directly under YYYY/MM/dd/HH/, as `wiretap run`
	// expects of a local archive.
	Prefix string
	// Stream is the delivery stream name in the object names; "" means
	// DefaultStream.
	Stream string
	// FlushBytes is the buffer size that triggers a write; zero means
	// DefaultFlushBytes.
	FlushBytes int
	// MaxBufferBytes bounds the buffer while writes are slow or failing;
	// Put fails with ErrBufferFull beyond it. Zero means four times
	// FlushBytes, and at least 64 MiB.
	MaxBufferBytes int
	// FlushInterval is the age of the oldest buffered record that
	// triggers a write; zero means DefaultFlushInterval.
	FlushInterval time.Duration
	// Logger; nil discards logs.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ArchiveStats are an ArchiveSink's counters.
type ArchiveStats struct {
	Objects     int64 // objects written
	Records     int64 // records in them
	Bytes       int64 // bytes in them
	Dropped     int64 // records over MaxRecordBytes, dropped
	FlushErrors int64 // failed writes (their records stay buffered)
}

// An ArchiveSink buffers records the way Firehose does and writes them as
// objects of a local (or S3) archive, under real Firehose keys:
//
//	<Prefix>YYYY/MM/dd/HH/<Stream>-1-YYYY-MM-dd-HH-mm-ss-<uuid>
//
// where the time is the arrival of the oldest record in the object, so that
// `wiretap run` reads the archive exactly as it reads one that Firehose
// wrote. Records are concatenated as given (the Handler's end in a newline).
//
// A record is in the buffer when Put returns nil, and the buffer is written
// when it reaches FlushBytes, when its oldest record is FlushInterval old,
// on Flush and on Close. A failed write keeps the records buffered and is
// tried again at the next tick. An ArchiveSink is safe for concurrent use;
// Close it to write what is buffered.
type ArchiveSink struct {
	store    archive.Putter
	prefix   string
	stream   string
	maxBytes int
	maxBuf   int
	interval time.Duration
	log      *slog.Logger
	now      func() time.Time

	mu     sync.Mutex // guards the fields below
	buf    []byte
	n      int       // records in buf
	oldest time.Time // arrival of buf's first record
	closed bool
	stats  ArchiveStats

	flushMu sync.Mutex // one write at a time, in arrival order
	nudge   chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

var _ Sink = (*ArchiveSink)(nil)

// NewArchiveSink returns a sink writing to store and starts its flusher;
// call Close to stop it.
func NewArchiveSink(store archive.Putter, opts ArchiveOptions) *ArchiveSink {
	s := &ArchiveSink{
		store: store, prefix: opts.Prefix, stream: opts.Stream,
		maxBytes: opts.FlushBytes, maxBuf: opts.MaxBufferBytes, interval: opts.FlushInterval, log: opts.Logger, now: opts.Now,
		nudge: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	if s.stream == "" {
		s.stream = DefaultStream
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultFlushBytes
	}
	if s.maxBuf <= 0 {
		s.maxBuf = max(4*s.maxBytes, 64<<20)
	}
	if s.interval <= 0 {
		s.interval = DefaultFlushInterval
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	go s.run()
	return s
}

// Put appends records to the buffer. It does not write: the flusher does,
// so a request never waits for the archive.
func (s *ArchiveSink) Put(ctx context.Context, records [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	size := 0
	for _, r := range records {
		size += len(r)
	}
	if len(s.buf) > 0 && len(s.buf)+size > s.maxBuf {
		return ErrBufferFull
	}
	for _, r := range records {
		if len(r) > MaxRecordBytes {
			s.stats.Dropped++
			s.log.Error("ingest: record over the Firehose limit; dropped",
				"bytes", len(r), "limit", MaxRecordBytes)
			continue
		}
		if s.n == 0 {
			s.oldest = s.now()
		}
		s.buf = append(s.buf, r...)
		s.n++
	}
	if len(s.buf) >= s.maxBytes {
		select {
		case s.nudge <- struct{}{}:
		default:
		}
	}
	return nil
}

// Flush writes whatever is buffered now.
func (s *ArchiveSink) Flush(ctx context.Context) error {
	return s.flush(ctx, true)
}

// Close stops the flusher, writes the buffer and makes further Puts fail
// with ErrClosed. Records that cannot be written are reported in the error
// (and the log); Close may be called again to retry with a new context.
func (s *ArchiveSink) Close(ctx context.Context) error {
	s.mu.Lock()
	wasClosed := s.closed
	s.closed = true
	s.mu.Unlock()
	if !wasClosed {
		close(s.stop)
	}
	<-s.done
	if err := s.flush(ctx, true); err != nil {
		s.mu.Lock()
		n := s.n
		s.mu.Unlock()
		s.log.Error("ingest: archive not written on close; buffered records lost",
			"records", n, "err", err.Error())
		return fmt.Errorf("close archive sink: %d records not written: %w", n, err)
	}
	return nil
}

// Stats returns a snapshot of the counters.
func (s *ArchiveSink) Stats() ArchiveStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// run is the flusher: it writes the buffer when it is full or old enough.
func (s *ArchiveSink) run() {
	defer close(s.done)
	tick := min(max(s.interval/10, 5*time.Millisecond), time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-s.nudge:
		case <-t.C:
		}
		// A failure is logged and counted by flush and retried next tick.
		_ = s.flush(context.Background(), false)
	}
}

// flush writes the buffer as one object when force is set or it is due.
// On failure the records go back to the front of the buffer.
func (s *ArchiveSink) flush(ctx context.Context, force bool) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	due := s.n > 0 && (force || len(s.buf) >= s.maxBytes || s.now().Sub(s.oldest) >= s.interval)
	if !due {
		s.mu.Unlock()
		return nil
	}
	data, n, oldest := s.buf, s.n, s.oldest
	s.buf, s.n = nil, 0
	s.mu.Unlock()

	key := archive.ObjectKey(s.prefix, s.stream, 1, oldest, newUUID(), false)
	err := s.store.Put(ctx, key, data)

	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.stats.FlushErrors++
		// Put the records back in front of what arrived meanwhile.
		s.buf = append(data, s.buf...)
		s.n += n
		s.oldest = oldest
		s.log.Error("ingest: archive write failed; records kept for the next try",
			"key", key, "records", n, "err", err.Error())
		return fmt.Errorf("write %s: %w", key, err)
	}
	s.stats.Objects++
	s.stats.Records += int64(n)
	s.stats.Bytes += int64(len(data))
	s.log.Info("ingest: wrote archive object", "key", key, "records", n, "bytes", len(data))
	return nil
}

// newUUID returns a random (version 4) UUID, as Firehose puts in its keys.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b bytes.Buffer
	for i, part := range [][]byte{u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]} {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(hex.EncodeToString(part))
	}
	return b.String()
}
