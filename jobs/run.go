package jobs

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"

	"github.com/wiretap-hq/wiretap/nlp"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
	"github.com/wiretap-hq/wiretap/privacy"
)

// Version is the Wiretap version recorded in outputs. Release builds set it
// with -ldflags "-X github.com/wiretap-hq/wiretap/jobs.Version=v1.2.3".
var Version = "dev"

// RunOptions are the inputs of an analysis run.
type RunOptions struct {
	Source archive.Location // the archive: a local folder or an S3 prefix
	Out    archive.Location // the output: a local folder or an S3 prefix
	Roster archive.Location // roster CSV (local or S3); none: everyone is unassigned
	From   time.Time
	To     time.Time
	// Margin is how late after its message hour a record may arrive and
	// still count; default 1h.
	Margin time.Duration
	// EditWindow is how late after its message hour an edit, a deletion
	// or a reaction may arrive and still apply; 0: the default
	// (pipeline.DefaultEditWindow), negative: none beyond the margin.
	EditWindow time.Duration
	Workers    int
	// MaxBadRatio fails the run, publishing nothing, when more than this
	// share of the records read is quarantined: 0 tolerates none, a negative
	// value disables the check. The command line defaults it to
	// DefaultMaxBadRatio.
	MaxBadRatio float64
	S3          archive.S3Options
	Logger      *slog.Logger
	// Progress, when set, is updated while the run reads.
	Progress *pipeline.Progress
	// Shard, when its Count is set, makes the run one of Count shards.
	Shard Shard
	// IncludeText makes the evidence of offices, users and topics carry
	// the messages' text (the evidence_text columns, "text" in the
	// summary's refs). Off, no message text reaches the outputs.
	IncludeText bool
	// OptOut is a file (local or S3) of user ids, one a line, whose
	// messages are left out of every output and who are named in none.
	OptOut archive.Location
	// PseudonymKey, when set, makes every user id in the outputs a keyed
	// pseudonym (privacy.Pseudonymizer) and drops names. The command line
	// takes it from WIRETAP_PSEUDONYM_KEY.
	PseudonymKey []byte
	// MinGroup suppresses, in the summary, figures about groups of fewer
	// distinct authors (SuppressSmallGroups); 0 or 1 shows everything. The
	// daily partitions keep exact counts whatever it is. The command line
	// defaults it to DefaultMinGroup.
	MinGroup int
}

// DefaultMaxBadRatio is the share of bad records a run tolerates. An archive
// with more is more likely broken (a producer bug, a wrong prefix) than
// noisy, and its results would mislead.
const DefaultMaxBadRatio = 0.01

// Result is what a run produced.
type Result struct {
	Manifest *Manifest
	Summary  *Summary
	Out      archive.Location
}

// ErrTooManyBad is wrapped by Run's error when the bad-record ratio is
// exceeded.
var ErrTooManyBad = errors.New("too many bad records")

// Run analyses the archive messages of [From, To) and writes the Parquet
// tables, summary.json and manifest.json below Out. Nothing is published
// unless the whole run succeeds. With a Shard, it analyses only the shard's
// days and writes their partitions and a shard manifest; Merge completes
// the range once every shard has run.
func Run(ctx context.Context, opts RunOptions) (res *Result, err error) {
	started := time.Now()
	e, err := newEnv(ctx, &opts)
	if err != nil {
		return nil, err
	}
	rng := archive.Range{From: opts.From, To: opts.To}
	if opts.Shard.Count > 0 {
		rng = opts.Shard.Range(rng)
	}
	out, err := output.OpenOutput(ctx, shardOutput(opts.Out, opts.Shard), opts.S3)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if aerr := out.Abort(); aerr != nil {
				e.log.Warn("could not remove staged outputs", "err", aerr)
			}
			recordFailureAt(ctx, opts.Out, opts.S3, "run", err)
		} else {
			clearFailureAt(ctx, opts.Out, opts.S3)
		}
	}()

	e.log.Info("run starting", "source", opts.Source, "out", opts.Out, "from", rng.From, "to", rng.To,
		"workers", opts.Workers, "roster_users", e.roster.Len(), "shard", opts.Shard.String())
	quarantine := &quarantineCollector{}
	defer quarantine.close()
	counts, col := &pipeline.Counts{}, newCollector(e.nlp, e.roster, out, rng, opts.IncludeText)
	if rng.From.Before(rng.To) { // a shard may have no days: more shards than days
		if counts, col, err = e.analyse(ctx, rng, out, quarantine); err != nil {
			return nil, err
		}
	}
	m := e.manifest("run", rng, started, counts, col.Days())
	var summary *Summary
	if opts.Shard.Count > 0 {
		// A shard publishes its days and what it counted; the summary of the
		// range is Merge's, once every shard is in.
		m.Command = "run --shard " + opts.Shard.String()
		m.Shard = opts.Shard.String()
		m.Quarantine = opts.Shard.file("quarantine", ".ndjson")
		if err := quarantine.writeTo(ctx, out, m.Quarantine); err != nil {
			return nil, err
		}
		if err := writeJSON(ctx, out, opts.Shard.file(ShardDir, ".json"), m); err != nil {
			return nil, err
		}
	} else {
		summary = Summarize(col.total, rng.From, rng.To, previousWindowAt(ctx, opts.Out, opts.S3, rng.From, rng.To))
		SuppressSmallGroups(summary, col.total, opts.MinGroup)
		if err := writeJSON(ctx, out, SummaryFile, summary); err != nil {
			return nil, err
		}
		if err := quarantine.writeTo(ctx, out, QuarantineFile); err != nil {
			return nil, err
		}
		if err := writeJSON(ctx, out, output.ManifestName, m); err != nil {
			return nil, err
		}
	}
	if err := out.Commit(ctx); err != nil {
		return nil, err
	}
	e.log.Info("run finished", "records_read", counts.RecordsRead, "in_range", counts.InRange,
		"quarantined", counts.Quarantined, "duplicates", counts.Duplicates, "seconds", m.Seconds)
	return &Result{Manifest: m, Summary: summary, Out: opts.Out}, nil
}

// SummaryFile is the summary's name under the output root.
const SummaryFile = "summary.json"

// env is what every job that reads the archive needs: options with their
// defaults, the source, the roster and the text analyser.
type env struct {
	opts   *RunOptions
	log    *slog.Logger
	src    archive.Store
	roster *pipeline.Roster
	nlp    *nlp.Analyzer
	// privacy is applied to every record as it is decoded.
	privacy *privacy.Policy
}

func newEnv(ctx context.Context, opts *RunOptions) (*env, error) {
	opts.From, opts.To = opts.From.UTC(), opts.To.UTC()
	if err := (archive.Range{From: opts.From, To: opts.To}).Validate(); err != nil {
		return nil, err
	}
	if opts.Out.IsZero() {
		return nil, errors.New("no output folder (--out)")
	}
	if err := opts.Shard.Validate(); err != nil {
		return nil, err
	}
	if err := CheckMinGroup(opts.MinGroup); err != nil {
		return nil, err
	}
	if opts.Workers < 0 {
		return nil, fmt.Errorf("workers %d: want a positive number, or 0 for one per CPU", opts.Workers)
	}
	opts.Margin = cmp.Or(opts.Margin, time.Hour)
	switch {
	case opts.EditWindow == 0:
		opts.EditWindow = pipeline.DefaultEditWindow
	case opts.EditWindow < 0:
		opts.EditWindow = -1 // none: the engine's spelling
	case opts.EditWindow%time.Hour != 0:
		return nil, fmt.Errorf("edit window %v: want a whole number of hours", opts.EditWindow)
	}
	opts.Workers = cmp.Or(opts.Workers, runtime.GOMAXPROCS(0))
	e := &env{opts: opts, log: opts.Logger}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if e.src, err = archive.OpenStore(ctx, opts.Source, opts.S3); err != nil {
		return nil, err
	}
	if !opts.Roster.IsZero() {
		if e.roster, err = parseLocation(ctx, opts.Roster, opts.S3, "roster", pipeline.ParseRoster); err != nil {
			return nil, err
		}
	}
	if e.privacy, err = openPrivacy(ctx, opts); err != nil {
		return nil, err
	}
	if ps := e.privacy.Pseudonyms; ps != nil {
		// Records reach the analysis with pseudonyms for ids: the roster
		// must know people by theirs.
		e.roster = e.roster.Rekey(ps.Clone().ID)
	}
	e.nlp = nlp.New()
	return e, nil
}

// parseLocation reads a small input file (local or S3) and parses it;
// errors name what it is and where.
func parseLocation[T any](ctx context.Context, loc archive.Location, opts archive.S3Options, what string, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	data, err := archive.ReadLocation(ctx, loc, opts)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	v, err := parse(bytes.NewReader(data))
	if err != nil {
		return zero, fmt.Errorf("%s: %w", loc, err)
	}
	return v, nil
}

// openPrivacy reads the opt-out list and checks the pseudonym key.
func openPrivacy(ctx context.Context, opts *RunOptions) (*privacy.Policy, error) {
	p := &privacy.Policy{}
	if !opts.OptOut.IsZero() {
		var err error
		if p.OptOut, err = parseLocation(ctx, opts.OptOut, opts.S3, "opt-out list", privacy.ParseOptOut); err != nil {
			return nil, err
		}
	}
	if opts.PseudonymKey != nil {
		var err error
		if p.Pseudonyms, err = privacy.NewPseudonymizer(opts.PseudonymKey); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// analyse reads the messages of rng and stages their day partitions in
// out. It fails, staging nothing more, when too many records are bad.
func (e *env) analyse(ctx context.Context, rng archive.Range, out output.Output, q *quarantineCollector) (*pipeline.Counts, *collector, error) {
	col := newCollector(e.nlp, e.roster, out, rng, e.opts.IncludeText)
	counts, err := pipeline.Run(ctx, pipeline.Config{
		Source: e.src, Locate: e.src.Locate, Range: rng, Margin: e.opts.Margin, EditWindow: e.opts.EditWindow,
		Workers: e.opts.Workers, Quarantine: q, Progress: e.opts.Progress, Revisions: col.revisions, Privacy: e.privacy,
	}, col)
	if err != nil {
		col.release()
		return nil, nil, err
	}
	if maxBad := e.opts.MaxBadRatio; maxBad >= 0 && counts.BadRatio() > maxBad {
		return nil, nil, fmt.Errorf("%w: %d of %d records (%.2f%%, limit %.2f%%) were quarantined: %s",
			ErrTooManyBad, counts.Quarantined, counts.RecordsRead, 100*counts.BadRatio(), 100*maxBad,
			counts.ReasonSummary())
	}
	return counts, col, nil
}

func (e *env) manifest(command string, rng archive.Range, started time.Time, counts *pipeline.Counts, days []aggregate.Day) *Manifest {
	finished := time.Now()
	m := &Manifest{
		Schema: ManifestSchema, Version: Version, Command: command,
		Source: e.opts.Source.String(), Out: e.opts.Out.String(), Roster: e.opts.Roster.String(),
		From: rng.From.Format(time.RFC3339), To: rng.To.Format(time.RFC3339),
		MarginHours: int(e.opts.Margin / time.Hour), EditWindowHours: editWindowHours(e.opts.EditWindow), Workers: e.opts.Workers, IncludeText: e.opts.IncludeText,
		StartedAt: started.UTC().Format(time.RFC3339Nano), FinishedAt: finished.UTC().Format(time.RFC3339Nano),
		Seconds: finished.Sub(started).Seconds(), Tables: Tables, Quarantine: QuarantineFile,
		Partitions: []string{}, OptOut: e.privacy.OptOut.Fingerprint(), MinGroup: e.opts.MinGroup,
	}
	if ps := e.privacy.Pseudonyms; ps != nil {
		m.Pseudonyms = ps.Fingerprint()
	}
	if counts != nil {
		m.Counts = *counts
	}
	for _, d := range days {
		m.Partitions = append(m.Partitions, d.String())
	}
	return m
}

// editWindowHours is the edit window in whole hours, 0 for none.
func editWindowHours(w time.Duration) int { return int(max(w, 0) / time.Hour) }

func writeJSON(ctx context.Context, out output.Output, name string, v any) error {
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
	Schema      string `json:"schema"`
	Version     string `json:"version"`
	Command     string `json:"command"`
	Source      string `json:"source"`
	Out         string `json:"out"`
	Roster      string `json:"roster,omitempty"`
	From        string `json:"from"`
	To          string `json:"to"`
	MarginHours int    `json:"margin_hours"`
	// EditWindowHours is how late an edit, deletion or reaction may
	// arrive after its message hour and still apply.
	EditWindowHours int `json:"edit_window_hours"`
	Workers         int `json:"workers"`
	// OptOut is the opt-out list's fingerprint (privacy.OptOut.Fingerprint),
	// never its ids.
	OptOut string `json:"opt_out,omitempty"`
	// Pseudonyms is the pseudonym key's fingerprint when ids are
	// pseudonyms.
	Pseudonyms string `json:"pseudonyms,omitempty"`
	// MinGroup is the minimum group size the summary was published with
	// (RunOptions.MinGroup); merge publishes the shards' summary with it.
	MinGroup int `json:"min_group,omitempty"`
	// PrunedBefore is the retention horizon of the output (wiretap prune):
	// no partition before this day is kept, and nightly recomputes none.
	PrunedBefore string          `json:"pruned_before,omitempty"`
	IncludeText  bool            `json:"include_text,omitempty"` // evidence carries message text
	StartedAt    string          `json:"started_at"`
	FinishedAt   string          `json:"finished_at"`
	Seconds      float64         `json:"seconds"`
	Counts       pipeline.Counts `json:"counts"`
	Tables       []string        `json:"tables"`
	Partitions   []string        `json:"partitions"` // the dates written
	Quarantine   string          `json:"quarantine"`
	Shard        string          `json:"shard,omitempty"`  // "i/n" for a shard's manifest
	Shards       []string        `json:"shards,omitempty"` // the shard manifests a merge combined
}

// compareEntries orders quarantine entries by object key and line, then
// reason and record, so that the file does not depend on which worker found
// what first.
func compareEntries(a, b pipeline.QuarantineEntry) int {
	return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Reason, b.Reason),
		cmp.Compare(a.Record, b.Record))
}

// encodeEntries writes entries as NDJSON, one object a line.
func encodeEntries(entries []pipeline.QuarantineEntry) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range entries {
		if err := enc.Encode(&entries[i]); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}
