package dashboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// Query names one answer: a range of whole UTC days and, optionally, an
// office.
type Query struct {
	From, To time.Time // [From, To), UTC midnights
	Office   string
}

func (q Query) key() string {
	return q.From.Format(time.DateOnly) + "/" + q.To.Format(time.DateOnly) + "/" + q.Office
}

// Answer is what a query computed: the summary's bytes exactly as `wiretap
// query --format json` prints them, the summary, the per-day series and
// the merged aggregate (for the slash command's questions about one person
// or topic). An Answer is shared between requests and never changed.
type Answer struct {
	JSON      []byte
	Summary   *jobs.Summary
	Series    *Series
	Aggregate *aggregate.Aggregate
	// ETag is strong: it changes with the published manifest and the
	// parameters, and the bytes are a function of both.
	ETag string
}

// Source answers queries over published outputs through jobs.Query and keeps
// the last answers in a bounded cache. It notices a newly published
// manifest (checked at most every ManifestTTL) and drops what it cached for
// the old one. Safe for concurrent use.
type Source struct {
	Out archive.Location // the published outputs: a folder or an S3 prefix
	S3  archive.S3Options
	// ManifestTTL is how long a read of the manifest is trusted; zero
	// means one second.
	ManifestTTL time.Duration
	// MaxEntries bounds the cache; zero means 32 answers.
	MaxEntries int
	// MinGroup suppresses figures about groups of fewer distinct authors,
	// as `wiretap query --min-group` does (jobs.SuppressSmallGroups), so
	// that the JSON feed keeps query's bytes; zero shows everything.
	MinGroup int

	mu       sync.Mutex
	version  string    // hash of the published manifest
	checked  time.Time // when version was read
	covered  []aggregate.Day
	entries  map[string]*Answer
	order    []string // least recently used first
	inflight singleflight.Group
}

// ErrNotPublished means the output has no published manifest yet.
var ErrNotPublished = errors.New("no published outputs yet (no manifest.json): run wiretap run or nightly first")

// Version returns the hash of the published manifest, rereading it when
// the last read is older than ManifestTTL.
func (s *Source) Version(ctx context.Context) (string, error) {
	ttl := s.ManifestTTL
	if ttl <= 0 {
		ttl = time.Second
	}
	s.mu.Lock()
	if s.version != "" && time.Since(s.checked) < ttl {
		v := s.version
		s.mu.Unlock()
		return v, nil
	}
	s.mu.Unlock()
	data, err := readManifest(ctx, s.Out, s.S3)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	v := hex.EncodeToString(sum[:16])
	s.mu.Lock()
	defer s.mu.Unlock()
	if v != s.version {
		s.version, s.entries, s.order, s.covered = v, map[string]*Answer{}, nil, nil
	}
	s.checked = time.Now()
	return v, nil
}

// Covered returns the days that have partitions, oldest first.
func (s *Source) Covered(ctx context.Context) ([]aggregate.Day, error) {
	v, err := s.Version(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.covered != nil && s.version == v {
		c := s.covered
		s.mu.Unlock()
		return c, nil
	}
	s.mu.Unlock()
	st, err := jobs.GetStatus(ctx, jobs.StatusOptions{Out: s.Out, S3: s.S3})
	if err != nil {
		return nil, fmt.Errorf("covered days of %s: %w", s.Out, err)
	}
	days := st.Days
	if days == nil {
		days = []aggregate.Day{}
	}
	s.mu.Lock()
	if s.version == v {
		s.covered = days
	}
	s.mu.Unlock()
	return days, nil
}

// Answer returns the answer to q, from the cache when the manifest has not
// changed since it was computed. Concurrent requests for the same answer
// compute it once.
func (s *Source) Answer(ctx context.Context, q Query) (*Answer, error) {
	v, err := s.Version(ctx)
	if err != nil {
		return nil, err
	}
	key := v + "/" + q.key()
	s.mu.Lock()
	if a := s.entries[key]; a != nil {
		s.touch(key)
		s.mu.Unlock()
		return a, nil
	}
	s.mu.Unlock()
	res, err, _ := s.inflight.Do(key, func() (any, error) {
		a, err := compute(context.WithoutCancel(ctx), s.Out, s.S3, s.MinGroup, q)
		if err != nil {
			return nil, err
		}
		a.ETag = `"` + v + "-" + etagPart(q) + `"`
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.version == v {
			s.put(key, a)
		}
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*Answer), nil
}

func etagPart(q Query) string {
	sum := sha256.Sum256([]byte(q.key()))
	return hex.EncodeToString(sum[:8])
}

// touch and put keep the cache in least-recently-used order; s.mu is held.
func (s *Source) touch(key string) {
	for i, k := range s.order {
		if k == key {
			s.order = append(append(s.order[:i:i], s.order[i+1:]...), key)
			return
		}
	}
}

func (s *Source) put(key string, a *Answer) {
	limit := s.MaxEntries
	if limit <= 0 {
		limit = 32
	}
	if s.entries == nil {
		s.entries = map[string]*Answer{}
	}
	s.entries[key] = a
	s.order = append(s.order, key)
	for len(s.order) > limit {
		delete(s.entries, s.order[0])
		s.order = s.order[1:]
	}
}

// Len reports how many answers are cached.
func (s *Source) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

func compute(ctx context.Context, out archive.Location, s3 archive.S3Options, minGroup int, q Query) (*Answer, error) {
	series := newSeries(minGroup)
	res, err := jobs.Query(ctx, jobs.QueryOptions{
		Out: out, From: q.From, To: q.To, Office: q.Office, S3: s3, EachDay: series.add, MinGroup: minGroup,
	})
	if err != nil {
		return nil, err
	}
	for _, o := range res.Summary.Offices {
		if o.Suppressed {
			series.drop(o.Office)
		}
	}
	data, err := res.Summary.JSON()
	if err != nil {
		return nil, err
	}
	return &Answer{JSON: data, Summary: res.Summary, Series: series, Aggregate: res.Aggregate}, nil
}

// readManifest reads the published manifest's bytes: the commit point of
// both local and S3 outputs, so its hash names one publication.
func readManifest(ctx context.Context, out archive.Location, opts archive.S3Options) ([]byte, error) {
	data, err := output.ReadSide(ctx, output.SideLocation(out, output.ManifestName), opts)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", out, ErrNotPublished)
	}
	if err != nil {
		return nil, fmt.Errorf("read the manifest of %s: %w", out, err)
	}
	return data, nil
}
