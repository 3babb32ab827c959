package jobs

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// quarantineCollector streams the quarantined records of a run to a
// temporary file as the workers deliver them, and writes them out sorted by
// object key and line, whatever order the workers found them in. Memory
// holds one small index entry per object with bad records, never the
// records: a broken archive's quarantine can be as large as the archive.
type quarantineCollector struct {
	mu     sync.Mutex
	spool  *os.File // created at the first entry
	size   int64
	chunks []spoolChunk
}

// spoolChunk is where the encoded entries of one object key were spooled.
// Entries arrive an object at a time, but a key can come more than once
// (nightly reads the hours between two days twice).
type spoolChunk struct {
	key    string
	off, n int64
}

// Quarantine spools entries. It is called by the readers, concurrently.
func (q *quarantineCollector) Quarantine(entries []pipeline.QuarantineEntry) error {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, compareEntries)
	type group struct {
		key  string
		data []byte
	}
	var groups []group
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j].Key == sorted[i].Key {
			j++
		}
		data, err := encodeEntries(sorted[i:j])
		if err != nil {
			return err
		}
		groups = append(groups, group{sorted[i].Key, data})
		i = j
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.spool == nil {
		f, err := os.CreateTemp("", "wiretap-quarantine-*.ndjson")
		if err != nil {
			return fmt.Errorf("quarantine spool: %w", err)
		}
		q.spool = f
	}
	for _, g := range groups {
		if _, err := q.spool.Write(g.data); err != nil {
			return fmt.Errorf("quarantine spool %s: %w", q.spool.Name(), err)
		}
		q.chunks = append(q.chunks, spoolChunk{key: g.key, off: q.size, n: int64(len(g.data))})
		q.size += int64(len(g.data))
	}
	return nil
}

// writeTo writes the spooled entries to out as name, sorted, streaming
// when out is an output.StreamingOutput. Call it once every reader is
// done.
func (q *quarantineCollector) writeTo(ctx context.Context, out output.Output, name string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	write := func(w io.Writer) error {
		// Stable: chunks of one key keep their spool order, though the
		// entries of a key are sorted together below anyway.
		slices.SortStableFunc(q.chunks, func(a, b spoolChunk) int { return cmp.Compare(a.key, b.key) })
		for i := 0; i < len(q.chunks); {
			j := i + 1
			for j < len(q.chunks) && q.chunks[j].key == q.chunks[i].key {
				j++
			}
			if err := q.writeKey(w, q.chunks[i:j]); err != nil {
				return err
			}
			i = j
		}
		return nil
	}
	if so, ok := out.(output.StreamingOutput); ok {
		return so.WriteFileFunc(ctx, name, write)
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	return out.WriteFile(ctx, name, buf.Bytes())
}

// writeKey copies the entries of one key's chunks to w: a single chunk as
// spooled (it was sorted then), several merged by decoding and sorting
// them together.
func (q *quarantineCollector) writeKey(w io.Writer, chunks []spoolChunk) error {
	if len(chunks) == 1 {
		c := chunks[0]
		if _, err := io.Copy(w, io.NewSectionReader(q.spool, c.off, c.n)); err != nil {
			return fmt.Errorf("quarantine spool %s: %w", q.spool.Name(), err)
		}
		return nil
	}
	var entries []pipeline.QuarantineEntry
	for _, c := range chunks {
		dec := json.NewDecoder(io.NewSectionReader(q.spool, c.off, c.n))
		for dec.More() {
			var e pipeline.QuarantineEntry
			if err := dec.Decode(&e); err != nil {
				return fmt.Errorf("quarantine spool %s at %d: %w", q.spool.Name(), c.off, err)
			}
			entries = append(entries, e)
		}
	}
	slices.SortFunc(entries, compareEntries)
	data, err := encodeEntries(entries)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// close removes the spool.
func (q *quarantineCollector) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.spool != nil {
		q.spool.Close()
		os.Remove(q.spool.Name())
		q.spool = nil
	}
}
