package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// readArchive lists every object under prefix in dir, checks that its key
// is a Firehose key, and decodes every record with schema.Decoder, the way
// the batch engine reads.
func readArchive(t *testing.T, dir archive.Dir, prefix string) (keys []string, msgs []schema.Message) {
	t.Helper()
	ctx := context.Background()
	for info, err := range dir.List(ctx, prefix) {
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := archive.ParseObjectKey(prefix, info.Key); !ok {
			t.Fatalf("key %q is not a Firehose object key", info.Key)
		}
		keys = append(keys, info.Key)
		rc, err := dir.Open(ctx, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			t.Errorf("object %s does not end with a newline", info.Key)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 2<<20)
		var dec schema.Decoder
		for sc.Scan() {
			dec.Reset(sc.Bytes())
			for {
				var m schema.Message
				err := dec.Next(&m)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("object %s: %v", info.Key, err)
				}
				msgs = append(msgs, m.Clone())
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return keys, msgs
}

// testMessage is message i of a test: a distinct ts and text.
func testMessage(i int) schema.Message {
	ts := fmt.Sprintf("1700000000.%06d", i)
	tm, _ := schema.ParseTS(ts)
	return schema.Message{
		Team: "T1", ChannelID: "C1", UserID: "U1", TS: ts, Time: tm,
		Text: fmt.Sprintf("message %d <@U2> &amp; é 👋", i), EventID: fmt.Sprintf("Ev%d", i),
		Source: schema.SourceEventsAPI,
	}
}

func testRecords(from, n int) [][]byte {
	recs := make([][]byte, n)
	for i := range recs {
		m := testMessage(from + i)
		recs[i] = schema.AppendNDJSON(nil, &m)
	}
	return recs
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func checkMessages(t *testing.T, got []schema.Message, want []int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("archive holds %d messages, want %d", len(got), len(want))
	}
	seen := map[string]bool{}
	for _, m := range got {
		seen[m.TS] = true
	}
	for _, i := range want {
		w := testMessage(i)
		if !seen[w.TS] {
			t.Fatalf("message %d (ts %s) missing", i, w.TS)
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("%d distinct messages, want %d", len(seen), len(want))
	}
}

func seq(from, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = from + i
	}
	return s
}

func TestArchiveSinkFlushBySize(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	recs := testRecords(0, 20)
	one := len(recs[0])
	s := NewArchiveSink(dir, ArchiveOptions{FlushBytes: 5 * one, FlushInterval: time.Hour})
	defer s.Close(context.Background())
	if err := s.Put(context.Background(), recs[:4]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if st := s.Stats(); st.Objects != 0 {
		t.Fatalf("flushed below the size threshold: %+v", st)
	}
	if err := s.Put(context.Background(), recs[4:6]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a flush by size", func() bool { return s.Stats().Objects == 1 })
	keys, msgs := readArchive(t, dir, "")
	if len(keys) != 1 {
		t.Fatalf("keys %v", keys)
	}
	checkMessages(t, msgs, seq(0, 6))
	// The decoded messages are the ones that were put.
	for _, m := range msgs {
		var i int
		fmt.Sscanf(m.TS, "1700000000.%06d", &i)
		if want := testMessage(i); m != want {
			t.Errorf("decoded %+v, want %+v", m, want)
		}
	}
}

func TestArchiveSinkFlushByTime(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	s := NewArchiveSink(dir, ArchiveOptions{Prefix: "slack/", Stream: "my-stream", FlushInterval: 30 * time.Millisecond})
	defer s.Close(context.Background())
	if err := s.Put(context.Background(), testRecords(0, 3)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a flush by time", func() bool { return s.Stats().Objects == 1 })
	if err := s.Put(context.Background(), testRecords(3, 2)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a second flush by time", func() bool { return s.Stats().Objects == 2 })
	keys, msgs := readArchive(t, dir, "slack/")
	if len(keys) != 2 {
		t.Fatalf("keys %v", keys)
	}
	for _, k := range keys {
		obj, _ := archive.ParseObjectKey("slack/", k)
		if obj.Stream != "my-stream" || obj.Gzipped {
			t.Errorf("key %s parsed as %+v", k, obj)
		}
	}
	checkMessages(t, msgs, seq(0, 5))
}

func TestArchiveSinkFlushOnClose(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	s := NewArchiveSink(dir, ArchiveOptions{FlushInterval: time.Hour})
	if err := s.Put(context.Background(), testRecords(0, 7)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, msgs := readArchive(t, dir, "")
	checkMessages(t, msgs, seq(0, 7))
	if err := s.Put(context.Background(), testRecords(7, 1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Put after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestArchiveSinkKeyHour checks that an object is filed under the arrival
// hour of its oldest record, with a key the batch side accepts.
func TestArchiveSinkKeyHour(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	var now atomic.Int64
	now.Store(time.Date(2016, 11, 18, 10, 59, 59, 0, time.UTC).UnixNano())
	s := NewArchiveSink(dir, ArchiveOptions{FlushInterval: time.Hour, Now: func() time.Time { return time.Unix(0, now.Load()) }})
	s.Put(context.Background(), testRecords(0, 1))
	now.Add(int64(2 * time.Second)) // 11:00:01
	s.Put(context.Background(), testRecords(1, 1))
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys, msgs := readArchive(t, dir, "")
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "2016/11/18/10/slack-wiretap-1-2016-11-18-10-59-59-") {
		t.Fatalf("keys %v", keys)
	}
	checkMessages(t, msgs, seq(0, 2))
}

// flakyStore fails its first failures Puts.
type flakyStore struct {
	archive.Dir
	failures atomic.Int64
}

func (f *flakyStore) Put(ctx context.Context, key string, body []byte) error {
	if f.failures.Add(-1) >= 0 {
		return errors.New("disk full")
	}
	return f.Dir.Put(ctx, key, body)
}

func TestArchiveSinkWriteFailureKeepsRecords(t *testing.T) {
	store := &flakyStore{Dir: archive.Dir{Root: t.TempDir()}}
	store.failures.Store(3)
	s := NewArchiveSink(store, ArchiveOptions{FlushInterval: 10 * time.Millisecond})
	s.Put(context.Background(), testRecords(0, 2))
	waitFor(t, "a failed flush", func() bool { return s.Stats().FlushErrors >= 1 })
	s.Put(context.Background(), testRecords(2, 2))
	waitFor(t, "a write after the failures", func() bool { return s.Stats().Objects >= 1 })
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, msgs := readArchive(t, store.Dir, "")
	checkMessages(t, msgs, seq(0, 4))
	if st := s.Stats(); st.FlushErrors != 3 || st.Records != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestArchiveSinkCloseFailure(t *testing.T) {
	store := &flakyStore{Dir: archive.Dir{Root: t.TempDir()}}
	store.failures.Store(1)
	s := NewArchiveSink(store, ArchiveOptions{FlushInterval: time.Hour})
	s.Put(context.Background(), testRecords(0, 3))
	err := s.Close(context.Background())
	if err == nil || !strings.Contains(err.Error(), "3 records not written") {
		t.Fatalf("Close = %v", err)
	}
	// A second Close retries.
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, msgs := readArchive(t, store.Dir, "")
	checkMessages(t, msgs, seq(0, 3))
}

func TestArchiveSinkBufferFull(t *testing.T) {
	store := &flakyStore{Dir: archive.Dir{Root: t.TempDir()}}
	store.failures.Store(1 << 30)
	recs := testRecords(0, 10)
	s := NewArchiveSink(store, ArchiveOptions{FlushBytes: len(recs[0]), MaxBufferBytes: 4 * len(recs[0]), FlushInterval: time.Hour})
	defer s.Close(context.Background())
	var err error
	n := 0
	for ; n < len(recs) && err == nil; n++ {
		err = s.Put(context.Background(), recs[n:n+1])
	}
	if !errors.Is(err, ErrBufferFull) {
		t.Fatalf("err = %v after %d puts, want ErrBufferFull", err, n)
	}
	if n != 5 {
		t.Errorf("buffer grew to %d records", n)
	}
}

func TestArchiveSinkOversize(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	s := NewArchiveSink(dir, ArchiveOptions{})
	big := append(bytes.Repeat([]byte("x"), MaxRecordBytes), '\n')
	if err := s.Put(context.Background(), append(testRecords(0, 1), big)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, msgs := readArchive(t, dir, "")
	checkMessages(t, msgs, seq(0, 1))
	if st := s.Stats(); st.Dropped != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestArchiveSinkConcurrent(t *testing.T) {
	dir := archive.Dir{Root: t.TempDir()}
	s := NewArchiveSink(dir, ArchiveOptions{FlushBytes: 4 << 10, FlushInterval: 5 * time.Millisecond})
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := s.Put(context.Background(), testRecords(w*each+i, 1)); err != nil {
					t.Error(err)
					return
				}
				// Explicit flushes race the flusher and the other writers;
				// the flusher alone may not be scheduled before the last Put.
				if i%50 == 49 {
					if err := s.Flush(context.Background()); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys, msgs := readArchive(t, dir, "")
	checkMessages(t, msgs, seq(0, workers*each))
	if st := s.Stats(); st.Records != workers*each || st.Objects != int64(len(keys)) {
		t.Errorf("stats %+v, %d keys", st, len(keys))
	}
}

func TestNewUUID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		u := newUUID()
		if len(u) != 36 || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) || seen[u] {
			t.Fatalf("bad uuid %q", u)
		}
		seen[u] = true
	}
}
