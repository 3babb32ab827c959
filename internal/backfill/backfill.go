package backfill

import (
	"archive/zip"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path"
	"slices"
	"time"

	"github.com/valyala/fastjson"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// Defaults of Options.
const (
	DefaultStream        = "slack-backfill"
	DefaultMargin        = time.Hour
	DefaultMaxEntryBytes = 256 << 20
)

// Options configure Convert.
type Options struct {
	// Team is the workspace id (T…) of the export. Live records carry it
	// and deduplication needs it to match; "" takes the team_id most
	// users.json entries have, and fails with ErrNoTeam without one.
	Team string
	// Prefix is a custom key prefix before the hour prefix, as in
	// ingest.ArchiveOptions; usually "" with the prefix in dst's location.
	Prefix string
	// Stream names the objects; "" means DefaultStream. Objects of this
	// stream found in the archive are counted as an earlier backfill's.
	Stream string
	// Gzip compresses the objects (keys end in .gz).
	Gzip bool
	// Margin is how many hours after its message hour the archive is
	// searched for a live copy of a message: `wiretap run --margin`, whose
	// default, 1h, is also this one's.
	Margin time.Duration
	// MaxEntryBytes bounds one inflated zip entry; zero means
	// DefaultMaxEntryBytes.
	MaxEntryBytes int64
	// Logger; nil discards logs.
	Logger *slog.Logger
}

// Stats account for a conversion. Every element of a day file ends in
// exactly one of NonMessages, Invalid, Duplicates and Written.
type Stats struct {
	Team        string // the team id used
	Entries     int64  // day files read
	Days        int64  // dates of the export
	Read        int64  // elements of the day files
	NonMessages int64  // elements whose type is not "message": skipped
	Invalid     int64  // messages without a valid ts, channel or field types: skipped
	Duplicates  int64  // messages the archive already has, or repeated in the export: skipped
	InBackfill  int64  // of Duplicates, those found only in backfill objects (an earlier run)
	Written     int64  // records written
	Objects     int64  // objects written
	Bytes       int64  // bytes written
	ObjectsRead int64  // archive objects read to find duplicates
	// SkippedEntries counts day files in folders that no channel list
	// names; their messages have no channel id and are not read.
	SkippedEntries int64
	// First and Last are the message times of the valid messages read.
	First, Last time.Time
}

// Convert reads the Slack workspace export zip in export (size bytes) and
// writes its messages to dst as archive objects filed by message time,
// skipping those the archive already has. See the package documentation.
//
// Errors name the zip entry at fault (EntryError). Objects written before
// an error or a cancellation stay: they are complete, and running Convert
// again resumes without duplicating them. The Stats count what was done
// until then.
func Convert(ctx context.Context, export io.ReaderAt, size int64, dst archive.Store, opts Options) (st Stats, err error) {
	opts.Stream = cmp.Or(opts.Stream, DefaultStream)
	opts.Margin = cmp.Or(opts.Margin, DefaultMargin).Truncate(time.Hour)
	opts.MaxEntryBytes = cmp.Or(opts.MaxEntryBytes, DefaultMaxEntryBytes)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Margin < 0 {
		return st, fmt.Errorf("backfill: negative margin %s", opts.Margin)
	}
	zr, err := zip.NewReader(export, size)
	if err != nil {
		return st, fmt.Errorf("backfill: open export: %w", err)
	}
	m, err := readMeta(zr, opts.MaxEntryBytes)
	if err != nil {
		return st, fmt.Errorf("backfill: %w", err)
	}
	st.Team = cmp.Or(opts.Team, m.teamID)
	if st.Team == "" {
		return st, fmt.Errorf("backfill: %w", ErrNoTeam)
	}
	if opts.Team != "" && m.teamID != "" && opts.Team != m.teamID {
		log.Warn("backfill: the team given differs from the export's users.json: live copies of its messages will not be recognised",
			"team", opts.Team, "users_team", m.teamID)
	}
	c := &converter{opts: &opts, st: &st, dst: dst, log: log,
		idx: newIndex(dst, opts.Prefix, opts.Stream, opts.Margin, log)}
	defer func() { st.ObjectsRead = c.idx.objectsRead }()

	var p fastjson.Parser
	unknown := map[string]bool{}
	for _, date := range slices.Sorted(maps.Keys(m.dayFiles)) {
		hours := map[int64][]schema.Message{}
		for _, f := range m.dayFiles[date] {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			folder := path.Base(path.Dir(f.Name))
			ch, ok := m.folders[folder]
			if !ok {
				st.SkippedEntries++
				if !unknown[folder] {
					unknown[folder] = true
					log.Warn("backfill: folder named by no channel list; its files are skipped", "folder", folder)
				}
				continue
			}
			data, err := readEntry(f, opts.MaxEntryBytes)
			if err != nil {
				return st, fmt.Errorf("backfill: %w", err)
			}
			dc, err := parseDay(&p, data, st.Team, ch, m.users, func(msg *schema.Message) {
				h := msg.Time.Truncate(time.Hour).Unix()
				hours[h] = append(hours[h], *msg)
				if st.First.IsZero() || msg.Time.Before(st.First) {
					st.First = msg.Time
				}
				if msg.Time.After(st.Last) {
					st.Last = msg.Time
				}
			})
			if err != nil {
				return st, fmt.Errorf("backfill: %w", &EntryError{f.Name, err})
			}
			st.Entries++
			st.Read += dc.read
			st.NonMessages += dc.nonMessages
			st.Invalid += dc.invalid
			if dc.invalid > 0 {
				log.Warn("backfill: messages skipped", "entry", f.Name, "invalid", dc.invalid, "first", dc.firstErr.Error())
			}
		}
		before := st
		for _, h := range slices.Sorted(maps.Keys(hours)) {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			if err := c.writeHour(ctx, time.Unix(h, 0).UTC(), hours[h]); err != nil {
				return st, err
			}
		}
		st.Days++
		log.Info("backfill: day converted", "date", date, "written", st.Written-before.Written,
			"duplicates", st.Duplicates-before.Duplicates, "objects", st.Objects-before.Objects)
	}
	return st, nil
}

// converter writes the hours of a conversion.
type converter struct {
	opts *Options
	st   *Stats
	dst  archive.Store
	log  *slog.Logger
	idx  *index
	enc  schema.Encoder
	buf  []byte
	zbuf bytes.Buffer
}

// writeHour writes the messages of hour h that the archive does not have
// as one object, sorted by time so that the same messages make the same
// bytes and key.
func (c *converter) writeHour(ctx context.Context, h time.Time, msgs []schema.Message) error {
	slices.SortFunc(msgs, func(a, b schema.Message) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ChannelID, b.ChannelID), cmp.Compare(a.TS, b.TS),
			cmp.Compare(a.Subtype, b.Subtype), cmp.Compare(a.EditedTS, b.EditedTS), cmp.Compare(a.UserID, b.UserID),
			cmp.Compare(a.Text, b.Text))
	})
	if err := c.idx.window(ctx, h); err != nil {
		return fmt.Errorf("backfill: find duplicates of %s: %w", h.Format("2006-01-02T15"), err)
	}
	c.buf = c.buf[:0]
	var (
		keys  [][16]byte
		seen  = map[[16]byte]bool{}
		first time.Time
	)
	for i := range msgs {
		k := msgs[i].Key()
		if found, bf := c.idx.find(k); found {
			c.st.Duplicates++
			if bf {
				c.st.InBackfill++
			}
			continue
		}
		if seen[k] {
			c.st.Duplicates++
			continue
		}
		seen[k] = true
		if first.IsZero() {
			first = msgs[i].Time
		}
		c.buf = c.enc.AppendNDJSON(c.buf, &msgs[i])
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil
	}
	key := archive.ObjectKey(c.opts.Prefix, c.opts.Stream, 1, first, contentUUID(c.buf), c.opts.Gzip)
	body := c.buf
	if c.opts.Gzip {
		c.zbuf.Reset()
		zw := gzip.NewWriter(&c.zbuf) // no name, no time: the same bytes every run
		_, _ = zw.Write(c.buf)        // a bytes.Buffer does not fail
		if err := zw.Close(); err != nil {
			return err
		}
		body = c.zbuf.Bytes()
	}
	if err := c.dst.Put(ctx, key, body); err != nil {
		return fmt.Errorf("backfill: write %s: %w", c.dst.Locate(key), err)
	}
	c.idx.wrote(h, key, c.opts.Gzip, keys)
	c.st.Written += int64(len(keys))
	c.st.Objects++
	c.st.Bytes += int64(len(body))
	c.log.Debug("backfill: wrote object", "key", key, "records", len(keys), "bytes", len(body))
	return nil
}

// contentUUID derives the uuid of an object's key from its content: a
// version 8 (RFC 9562, custom) UUID made of the first bytes of its
// SHA-256, so that the same records always get the same key.
func contentUUID(content []byte) string {
	sum := sha256.Sum256(content)
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}
