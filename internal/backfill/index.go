package backfill

import (
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// day is one UTC day.
const day = 24 * time.Hour

// archived is a Firehose object of the archive.
type archived struct {
	key      string
	gzipped  bool
	backfill bool // written by a backfill (its stream is ours)
}

// index knows the message keys the archive already holds in the arrival
// hours around the hour being written. Arrival hours are loaded when they
// enter the window and dropped when they leave it; their objects are found
// with one listing per UTC day. An index is not safe for concurrent use.
type index struct {
	src    archive.Store
	prefix string
	stream string
	margin time.Duration
	log    *slog.Logger

	days  map[int64]map[int64][]archived // listed days → arrival hour → objects
	hours map[int64]map[[16]byte]bool    // loaded arrival hours → key → only in backfill objects

	objectsRead int64
	lines       *pipeline.LineReader
	dec         schema.Decoder
	msg         schema.Message
}

func newIndex(src archive.Store, prefix, stream string, margin time.Duration, log *slog.Logger) *index {
	return &index{
		src: src, prefix: prefix, stream: stream, margin: margin, log: log,
		days: map[int64]map[int64][]archived{}, hours: map[int64]map[[16]byte]bool{},
	}
}

// window loads the keys of the arrival hours in which `wiretap run` looks
// for messages of hour h, [h-LookBehind, h+margin], and drops the others.
func (x *index) window(ctx context.Context, h time.Time) error {
	lo, hi := h.Add(-archive.LookBehind), h.Add(x.margin)
	for u := range x.hours {
		if t := time.Unix(u, 0); t.Before(lo) || t.After(hi) {
			delete(x.hours, u)
		}
	}
	for u := range x.days {
		if t := time.Unix(u, 0); !t.Add(day).After(lo) || t.After(hi) {
			delete(x.days, u)
		}
	}
	for p := lo; !p.After(hi); p = p.Add(time.Hour) {
		if _, ok := x.hours[p.Unix()]; ok {
			continue
		}
		if err := x.load(ctx, p.UTC()); err != nil {
			return err
		}
	}
	return nil
}

// find reports whether a message with key is in the window, and whether
// only backfill objects hold it.
func (x *index) find(key [16]byte) (found, backfill bool) {
	backfill = true
	for _, set := range x.hours {
		if bf, ok := set[key]; ok {
			found = true
			backfill = backfill && bf
		}
	}
	return found, found && backfill
}

// wrote records an object just written to arrival hour h.
func (x *index) wrote(h time.Time, key string, gzipped bool, keys [][16]byte) {
	if listing := x.days[h.Truncate(day).Unix()]; listing != nil {
		listing[h.Unix()] = append(listing[h.Unix()], archived{key: key, gzipped: gzipped, backfill: true})
	}
	set := x.hours[h.Unix()]
	if set == nil {
		set = map[[16]byte]bool{}
		x.hours[h.Unix()] = set
	}
	for _, k := range keys {
		if _, ok := set[k]; !ok {
			set[k] = true
		}
	}
}

// load reads the message keys of the objects filed under arrival hour p.
func (x *index) load(ctx context.Context, p time.Time) error {
	d := p.Truncate(day)
	listing, ok := x.days[d.Unix()]
	if !ok {
		listing = map[int64][]archived{}
		for info, err := range x.src.List(ctx, x.prefix+d.Format("2006/01/02/")) {
			if err != nil {
				return fmt.Errorf("list the archive: %w", err)
			}
			obj, ok := archive.ParseObjectKey(x.prefix, info.Key)
			if !ok {
				continue
			}
			h := obj.Hour.Unix()
			listing[h] = append(listing[h], archived{key: info.Key, gzipped: obj.Gzipped, backfill: obj.Stream == x.stream})
		}
		x.days[d.Unix()] = listing
	}
	set := map[[16]byte]bool{}
	for _, obj := range listing[p.Unix()] {
		if err := x.read(ctx, obj, set); err != nil {
			return err
		}
	}
	x.hours[p.Unix()] = set
	return nil
}

// read adds the keys of obj's messages to set. Bad records are skipped
// (`wiretap run` quarantines them); a corrupt gzip stream keeps what was
// read before it; a read error of the store fails, since going on could
// write duplicates.
func (x *index) read(ctx context.Context, obj archived, set map[[16]byte]bool) error {
	rc, err := x.src.Open(ctx, obj.key)
	if errors.Is(err, archive.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", x.src.Locate(obj.key), err)
	}
	defer rc.Close()
	x.objectsRead++
	var r io.Reader = rc
	if obj.gzipped {
		gz, err := gzip.NewReader(rc)
		if err != nil {
			if corrupt(err) {
				x.log.Warn("backfill: corrupt gzip object in the archive; not checked for duplicates",
					"key", x.src.Locate(obj.key), "err", err.Error())
				return nil
			}
			return fmt.Errorf("read %s: %w", x.src.Locate(obj.key), err)
		}
		defer gz.Close()
		r = gz
	}
	if x.lines == nil {
		x.lines = pipeline.NewLineReader(r, 0)
	} else {
		x.lines.Reset(r)
	}
	for {
		line, tooLong, err := x.lines.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if obj.gzipped && corrupt(err) {
				x.log.Warn("backfill: corrupt gzip object in the archive; checked up to the damage",
					"key", x.src.Locate(obj.key), "line", x.lines.Line()+1, "err", err.Error())
				return nil
			}
			return fmt.Errorf("read %s: %w", x.src.Locate(obj.key), err)
		}
		if tooLong {
			continue
		}
		x.dec.Reset(line)
		for {
			err := x.dec.Next(&x.msg)
			if err == io.EOF {
				break
			}
			if err != nil {
				continue
			}
			k := x.msg.Key()
			if bf, ok := set[k]; !ok || bf {
				set[k] = obj.backfill
			}
		}
	}
}

// corrupt reports whether err is damage in a gzip stream, not a failing
// store.
func corrupt(err error) bool {
	var ce flate.CorruptInputError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) ||
		errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.EOF) || errors.As(err, &ce)
}
