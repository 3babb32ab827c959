package jobs

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/wiretap-hq/wiretap/nlp"
	"github.com/wiretap-hq/wiretap/pipeline"
)

// Version is the Wiretap version recorded in outputs. Release builds set it
// with -ldflags "-X github.com/wiretap-hq/wiretap/jobs.Version=v1.2.3".
var Version = "dev"

// RunOptions are the inputs of an analysis run.
type RunOptions struct {
	Source string // archive: local folder, file:// or s3://bucket/prefix
	Out    string // output folder
	Roster string // roster CSV (local or s3://); empty: everyone is unassigned
	From   time.Time
	To     time.Time
	// Margin is how late after its message hour a record may arrive and
	// still count; default 1h.
	Margin  time.Duration
	Workers int
	// MaxBadRatio fails the run, publishing nothing, when more than this
	// share of the records read is quarantined: 0 tolerates none, a negative
	// value disables the check. The command line defaults it to
	// DefaultMaxBadRatio.
	MaxBadRatio float64
	S3          pipeline.S3Options
	Logger      *slog.Logger
	// Progress, when set, is updated while the run reads.
	Progress *pipeline.Progress
}

// DefaultMaxBadRatio is the share of bad records a run tolerates. An archive
// with more is more likely broken (a producer bug, a wrong prefix) than
// noisy, and its results would mislead.
const DefaultMaxBadRatio = 0.01

// Result is what a run produced.
type Result struct {
	Manifest *Manifest
	Summary  *Summary
	Out      string
}

// ErrTooManyBad is wrapped by Run's error when the bad-record ratio is
// exceeded.
var ErrTooManyBad = errors.New("too many bad records")

// Run analyses the archive messages of [From, To) and writes the Parquet
// tables, summary.json and manifest.json below Out. Nothing is published
// unless the whole run succeeds.
func Run(ctx context.Context, opts RunOptions) (res *Result, err error) {
	started := time.Now()
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rng := pipeline.Range{From: opts.From.UTC(), To: opts.To.UTC()}
	if err := rng.Validate(); err != nil {
		return nil, err
	}
	if opts.Out == "" {
		return nil, errors.New("no output folder (--out)")
	}
	margin := cmp.Or(opts.Margin, time.Hour)
	workers := cmp.Or(opts.Workers, runtime.GOMAXPROCS(0))
	maxBad := opts.MaxBadRatio

	src, err := pipeline.OpenStore(ctx, opts.Source, opts.S3)
	if err != nil {
		return nil, err
	}
	var roster *pipeline.Roster
	if opts.Roster != "" {
		data, err := pipeline.ReadLocation(ctx, opts.Roster, opts.S3)
		if err != nil {
			return nil, fmt.Errorf("roster: %w", err)
		}
		if roster, err = pipeline.ParseRoster(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("%s: %w", opts.Roster, err)
		}
	}
	out, err := pipeline.NewLocalOutput(opts.Out)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if aerr := out.Abort(); aerr != nil {
				log.Warn("could not remove staged outputs", "err", aerr)
			}
		}
	}()

	log.Info("run starting", "source", opts.Source, "out", opts.Out, "from", rng.From, "to", rng.To,
		"workers", workers, "roster_users", roster.Len())
	col := newCollector(nlp.New(), roster, out, rng)
	quarantine := &quarantineCollector{}
	counts, err := pipeline.Run(ctx, pipeline.Config{
		Source: src, Locate: src.Locate, Range: rng, Margin: margin, Workers: workers,
		Quarantine: quarantine, Progress: opts.Progress,
	}, col)
	if err != nil {
		return nil, err
	}
	if maxBad >= 0 && counts.BadRatio() > maxBad {
		return nil, fmt.Errorf("%w: %d of %d records (%.2f%%, limit %.2f%%) were quarantined: %s",
			ErrTooManyBad, counts.Quarantined, counts.RecordsRead, 100*counts.BadRatio(), 100*maxBad,
			counts.ReasonSummary())
	}

	summary := Summarize(col.total, rng.From, rng.To)
	if err := writeJSON(ctx, out, "summary.json", summary); err != nil {
		return nil, err
	}
	qdata, err := quarantine.ndjson()
	if err != nil {
		return nil, err
	}
	if err := out.WriteFile(ctx, QuarantineFile, qdata); err != nil {
		return nil, err
	}
	var partitions []string
	for _, d := range col.Days() {
		partitions = append(partitions, d.String())
	}
	finished := time.Now()
	m := &Manifest{
		Schema: ManifestSchema, Version: Version, Command: "run",
		Source: opts.Source, Out: opts.Out, Roster: opts.Roster,
		From: rng.From.Format(time.RFC3339), To: rng.To.Format(time.RFC3339),
		MarginHours: int(margin / time.Hour), Workers: workers,
		StartedAt: started.UTC().Format(time.RFC3339Nano), FinishedAt: finished.UTC().Format(time.RFC3339Nano),
		Seconds: finished.Sub(started).Seconds(), Counts: *counts,
		Tables: Tables, Partitions: partitions, Quarantine: QuarantineFile,
	}
	if err := writeJSON(ctx, out, pipeline.ManifestName, m); err != nil {
		return nil, err
	}
	if err := out.Commit(ctx); err != nil {
		return nil, err
	}
	log.Info("run finished", "records_read", counts.RecordsRead, "in_range", counts.InRange,
		"quarantined", counts.Quarantined, "duplicates", counts.Duplicates, "seconds", m.Seconds)
	return &Result{Manifest: m, Summary: summary, Out: opts.Out}, nil
}

func writeJSON(ctx context.Context, out pipeline.Output, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	return out.WriteFile(ctx, name, append(data, '\n'))
}

// ManifestSchema names the version of manifest.json.
const ManifestSchema = "wiretap.manifest/v1"

// QuarantineFile holds the last run's bad records, one JSON object a line.
const QuarantineFile = "quarantine/quarantine.ndjson"

// Manifest is manifest.json: what a run read, what it found, and what it
// wrote. It is published last; its presence means the run's outputs are
// complete. Unlike the summary it has wall-clock values.
type Manifest struct {
	Schema      string          `json:"schema"`
	Version     string          `json:"version"`
	Command     string          `json:"command"`
	Source      string          `json:"source"`
	Out         string          `json:"out"`
	Roster      string          `json:"roster,omitempty"`
	From        string          `json:"from"`
	To          string          `json:"to"`
	MarginHours int             `json:"margin_hours"`
	Workers     int             `json:"workers"`
	StartedAt   string          `json:"started_at"`
	FinishedAt  string          `json:"finished_at"`
	Seconds     float64         `json:"seconds"`
	Counts      pipeline.Counts `json:"counts"`
	Tables      []string        `json:"tables"`
	Partitions  []string        `json:"partitions"` // the dates written
	Quarantine  string          `json:"quarantine"`
}

// quarantineCollector keeps the quarantined records of a run, to write them
// sorted by object and line whatever order the workers found them in.
type quarantineCollector struct {
	mu      sync.Mutex
	entries []pipeline.QuarantineEntry
}

func (q *quarantineCollector) Quarantine(entries []pipeline.QuarantineEntry) error {
	q.mu.Lock()
	q.entries = append(q.entries, entries...)
	q.mu.Unlock()
	return nil
}

func (q *quarantineCollector) ndjson() ([]byte, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	slices.SortFunc(q.entries, func(a, b pipeline.QuarantineEntry) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Reason, b.Reason))
	})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range q.entries {
		if err := enc.Encode(&q.entries[i]); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}
