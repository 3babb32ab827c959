package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/privacy"
	"github.com/wiretap-hq/wiretap/schema"
)

// reader is one reading goroutine's state: its decoder, line reader, batch
// builder and counts, reused from object to object.
type reader struct {
	e       *engine
	idx     int
	w       Worker
	counts  *Counts
	dec     schema.Decoder
	lines   *LineReader
	batch   *BatchBuilder
	msg     schema.Message
	gz      *gzip.Reader
	entries []QuarantineEntry
	// scrub applies the run's privacy policy; nil when it has none.
	scrub *privacy.Scrubber
	// reported is how many of counts.RecordsRead Progress has been told of.
	reported int64
}

func (e *engine) newReader(idx int, w Worker, c *Counts) *reader {
	return &reader{e: e, idx: idx, w: w, counts: c,
		lines: NewLineReader(nil, e.cfg.MaxLine), batch: NewBatchBuilder(e.cfg.Alloc),
		scrub: e.cfg.Privacy.NewScrubber()}
}

func (r *reader) release() { r.batch.Release() }

// countingReader counts the bytes that pass through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// read decodes one opened object; it closes the body.
func (r *reader) read(ctx context.Context, o opened) (err error) {
	obj, body, err := o.object, o.body, o.err
	cfg := &r.e.cfg
	where := cfg.Locate(obj.Key)
	if errors.Is(err, archive.ErrNotExist) {
		// Listed, then deleted (a lifecycle rule, a manual clean-up): there
		// is nothing to read, and it is counted rather than failing a
		// nightly run.
		r.counts.ObjectsVanished++
		return r.e.objectDone(ctx, r.idx, r.w, obj.hour)
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", where, err)
	}
	defer body.Close()
	raw := &countingReader{r: body}
	decoded := &countingReader{r: raw}
	if obj.gzipped {
		if r.gz == nil {
			r.gz, err = gzip.NewReader(raw)
		} else {
			err = r.gz.Reset(raw)
		}
		if err != nil {
			// io.EOF here is an object without even a gzip header (zero
			// bytes): as corrupt as a cut one.
			if !isCorruptGzip(err) && !errors.Is(err, io.EOF) {
				return fmt.Errorf("read %s: %w", where, err)
			}
			// A corrupt stream is one bad record: the rest of the object.
			r.counts.RecordsRead++
			r.quarantine(obj.Key, 0, fmt.Errorf("%w: %v", ErrTruncatedGzip, err), nil)
			return r.finish(ctx, obj, raw.n, 0)
		}
		decoded.r = r.gz
	}
	r.lines.Reset(decoded)
	for {
		line, tooLong, err := r.lines.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if obj.gzipped && isCorruptGzip(err) {
				r.counts.RecordsRead++
				r.quarantine(obj.Key, r.lines.Line()+1, fmt.Errorf("%w: %v", ErrTruncatedGzip, err), nil)
				break
			}
			return fmt.Errorf("read %s: %w", where, err)
		}
		if tooLong {
			r.counts.RecordsRead++
			r.quarantine(obj.Key, r.lines.Line(), fmt.Errorf("%w: over %d bytes", ErrLineTooLong, cfg.MaxLine), line)
			// line is only the first bytes the LineReader kept.
			r.entries[len(r.entries)-1].Truncated = true
			continue
		}
		if err := r.decodeLine(ctx, obj, line); err != nil {
			return err
		}
	}
	return r.finish(ctx, obj, raw.n, decoded.n)
}

func isCorruptGzip(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) ||
		errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt)
}

// decodeLine accounts for every record of one line.
func (r *reader) decodeLine(ctx context.Context, obj object, line []byte) error {
	if len(line) == 0 || isBlank(line) {
		return nil
	}
	cfg := &r.e.cfg
	r.dec.Reset(line)
	for {
		err := r.dec.Next(&r.msg)
		if err == io.EOF {
			return nil
		}
		r.counts.RecordsRead++
		if err != nil {
			r.quarantine(obj.Key, r.lines.Line(), err, line)
			continue
		}
		m := &r.msg
		// Opted-out people are left out here, before anything (the
		// deduplication state, a batch, the quarantine) holds their
		// record; everyone else's records lose every trace of them.
		if r.scrub.OptedOut(m) {
			r.counts.OptedOut++
			continue
		}
		r.scrub.Scrub(m)
		if m.Time.After(obj.hour.Add(24 * time.Hour)) {
			r.quarantine(obj.Key, r.lines.Line(), fmt.Errorf("%w: ts %s", ErrFutureTS, m.TS), line)
			continue
		}
		// A revision (an edit, a deletion, a reaction) belongs to the
		// message it points at: its window and range are that message's,
		// widened by the edit window, and it is deduplicated on its own.
		at, window, dedup := m.Time, cfg.Margin, r.e.dedup
		targetTS, revision := m.Target()
		if revision {
			if targetTS != m.TS {
				t, err := schema.ParseTS(targetTS)
				if err != nil {
					r.quarantine(obj.Key, r.lines.Line(), fmt.Errorf("item_ts: %w", err), line)
					continue
				}
				at = t
			}
			window, dedup = cfg.Margin+cfg.EditWindow, r.e.revDedup
		}
		if !archive.InArrivalWindow(at, obj.hour, window) {
			r.counts.Parsed++
			r.counts.OutOfRange++
			r.counts.OutsideWindow++
			if revision && cfg.Range.Contains(at) {
				r.countLate(m)
			}
			continue
		}
		cand := Candidate{Hour: at.Truncate(time.Hour), Key: m.Key()}
		cand.EventKey, cand.HasEvent = m.EventKey()
		if dedup.Seen(cand) {
			r.counts.Duplicates++
			continue
		}
		r.counts.Parsed++
		switch {
		case at.Before(cfg.Range.From):
			r.counts.OutOfRange++
			r.counts.BeforeRange++
			continue
		case !at.Before(cfg.Range.To):
			r.counts.OutOfRange++
			r.counts.AfterRange++
			continue
		}
		if revision {
			r.e.revisions.add(m, at, schema.MessageKey(m.Team, m.ChannelID, targetTS))
		}
		r.counts.InRange++
		r.countKind(m)
		r.batch.Append(m)
		if r.batch.Len() >= cfg.BatchRows || r.batch.Bytes() >= cfg.BatchBytes {
			if err := r.emit(ctx); err != nil {
				return err
			}
		}
	}
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

func (r *reader) countKind(m *schema.Message) {
	c := r.counts
	switch {
	case m.IsAuthored():
		c.Authored++
	case m.Kind != schema.KindMessage:
		c.Reactions++
	case m.Subtype == "message_changed":
		c.Edits++
	case m.Subtype == "message_deleted":
		c.Deletions++
	case m.BotID != "" || m.Subtype == "bot_message":
		c.Bots++
	default:
		c.Other++
	}
}

// countLate counts a revision of a message in the range that arrived after
// the edit window: read, but not applied.
func (r *reader) countLate(m *schema.Message) {
	c := &r.counts.RevisionCounts
	switch {
	case m.Kind != schema.KindMessage:
		c.ReactionsLate++
	case m.Subtype == "message_deleted":
		c.DeletesLate++
	default:
		c.EditsLate++
	}
}

// quarantine records a bad record; the caller has counted it read.
func (r *reader) quarantine(key string, line int, err error, record []byte) {
	r.counts.Quarantined++
	r.counts.quarantine(reasonCategory(err), 1)
	if !r.scrub.KeepRaw(string(record)) || !r.scrub.KeepRaw(err.Error()) {
		r.entries = append(r.entries, scrubbedEntry(r.e.cfg.Locate(key), line, err))
		return
	}
	r.entries = append(r.entries, newEntry(r.e.cfg.Locate(key), line, err, record))
}

// emit hands the batch built so far to the worker.
func (r *reader) emit(ctx context.Context) error {
	if r.batch.Len() == 0 {
		return nil
	}
	rec := r.batch.NewBatch()
	defer rec.Release()
	return r.w.Process(ctx, rec)
}

// finish emits what is left of the object, delivers its quarantine entries
// and reports it read. Batches never span objects: a batch is complete when
// its object is, which is what lets the watermark advance.
func (r *reader) finish(ctx context.Context, obj object, raw, decoded int64) error {
	if err := r.emit(ctx); err != nil {
		return err
	}
	if len(r.entries) > 0 {
		if q := r.e.cfg.Quarantine; q != nil {
			if err := q.Quarantine(r.entries); err != nil {
				return fmt.Errorf("quarantine: %w", err)
			}
		}
		r.entries = r.entries[:0]
	}
	r.counts.ObjectsRead++
	r.counts.BytesRead += raw
	r.counts.BytesDecoded += decoded
	if p := r.e.cfg.Progress; p != nil {
		p.ObjectsRead.Add(1)
		p.BytesRead.Add(raw)
		p.RecordsRead.Add(r.counts.RecordsRead - r.reported)
		r.reported = r.counts.RecordsRead
	}
	return r.e.objectDone(ctx, r.idx, r.w, obj.hour)
}
