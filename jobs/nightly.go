package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// StateFile is where nightly keeps what it has processed, beside the
// outputs (a file under the output folder, or an object under the S3
// output's prefix, outside its publication) unless --state says otherwise.
const StateFile = "_state/nightly.json"

// StateSchema names the version of the nightly state.
const StateSchema = "wiretap.nightly-state/v1"

// NightlyState is what the last successful nightly run processed: every
// Firehose object of every arrival hour, with its ETag and size, so that
// the next run can tell new, changed and removed objects from the rest.
type NightlyState struct {
	Schema      string `json:"schema"`
	Source      string `json:"source"`
	MarginHours int    `json:"margin_hours"`
	// EditWindowHours is the run's edit window; nil in a state written
	// before edits were applied, whose days are all recomputed.
	EditWindowHours *int `json:"edit_window_hours,omitempty"`
	IncludeText     bool `json:"include_text,omitempty"` // evidence carries message text
	// Privacy fingerprints the opt-out list and the pseudonym key of the
	// run that wrote the state (privacyFingerprint); when it changes,
	// every covered day is recomputed.
	Privacy   string                 `json:"privacy,omitempty"`
	UpdatedAt string                 `json:"updated_at"`
	Hours     map[string][]ObjectRef `json:"hours"` // by hour prefix, YYYY/MM/DD/HH/
}

// ObjectRef is one processed object.
type ObjectRef struct {
	Key  string `json:"key"`
	ETag string `json:"etag,omitempty"`
	Size int64  `json:"size"`
}

// NightlyResult says what a nightly run did.
type NightlyResult struct {
	ChangedHours []string        // hour prefixes whose objects were new, changed or removed
	Days         []aggregate.Day // message days recomputed
	Summary      *Summary        // over every day the archive covers; nil when nothing changed
	Manifest     *Manifest
}

// Nightly brings the outputs up to date with the archive, doing only the
// work the archive's changes call for. It lists every hour prefix, compares
// the objects with the state of the last successful run, and recomputes the
// message days those changes can touch: a record filed under hour P belongs
// to a message hour from P-margin to P+1h (archive.InArrivalWindow), and an
// edit, deletion or reaction to one from P-margin-edit window, so a late
// object, or a day's edits, recompute the earlier days they reach (with the
// default 24h window, a new day's hours recompute that day and the one
// before). Then it rewrites
// the summary over every day the archive covers, and the state last.
//
// A run that fails or is killed leaves the previous state, so the next run
// redoes its work; a run with nothing new changes nothing.
func Nightly(ctx context.Context, opts RunOptions, statePath archive.Location) (res *NightlyResult, err error) {
	defer func() {
		if err != nil {
			recordFailureAt(ctx, opts.Out, opts.S3, "nightly", err)
		} else {
			clearFailureAt(ctx, opts.Out, opts.S3)
		}
	}()
	started := time.Now()
	opts.From, opts.To = time.Unix(0, 0), time.Unix(1, 0) // placeholders for newEnv; the archive decides
	e, err := newEnv(ctx, &opts)
	if err != nil {
		return nil, err
	}
	if !opts.Out.IsS3() {
		_, err := output.LocalRoot(opts.Out)
		if errors.Is(err, fs.ErrNotExist) {
			if err = os.MkdirAll(opts.Out.Path(), 0o755); err == nil {
				_, err = output.LocalRoot(opts.Out)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if statePath.IsZero() {
		statePath = output.SideLocation(opts.Out, StateFile)
	}
	prev, err := readState(ctx, statePath, opts.S3)
	if err != nil {
		return nil, err
	}
	window := editWindowHours(opts.EditWindow)
	if prev != nil && prev.EditWindowHours == nil {
		e.log.Info("nightly: state predates edits and reactions; recomputing every day", "state", statePath)
		prev = nil
	}
	if prev != nil && *prev.EditWindowHours != window {
		return nil, fmt.Errorf("state %s was made with an edit window of %dh; this run has %dh: use another --state or --out",
			statePath, *prev.EditWindowHours, window)
	}
	if prev != nil && (prev.Source != opts.Source.String() || prev.MarginHours != int(opts.Margin/time.Hour)) {
		return nil, fmt.Errorf("state %s was made from %s with margin %dh; this run reads %s with margin %v: use another --state or --out",
			statePath, prev.Source, prev.MarginHours, opts.Source, opts.Margin)
	}
	// Only the days that changed are recomputed: turning text on or off
	// would leave the other days as they were, with or without text.
	if prev != nil && prev.IncludeText != opts.IncludeText {
		return nil, fmt.Errorf("state %s was made with include-text %v; this run has %v and would recompute only the changed days: use another --state or --out",
			statePath, prev.IncludeText, opts.IncludeText)
	}
	cur, err := listHours(ctx, e.src)
	if err != nil {
		return nil, err
	}
	res = &NightlyResult{}
	since := prev
	if prev != nil && prev.Privacy != e.privacyFingerprint() {
		// Someone opted out (or back in), or the key changed: every day
		// in the output may name them, so every covered day is redone.
		e.log.Info("nightly: the opt-out list or pseudonym key changed; recomputing every day")
		since = nil
	}
	for _, h := range changedHours(since, cur) {
		res.ChangedHours = append(res.ChangedHours, h.Format(archive.HourLayout))
	}
	if len(cur) == 0 || len(res.ChangedHours) == 0 {
		e.log.Info("nightly: nothing new", "hours", len(cur))
		return res, nil
	}
	span := coveredSpan(cur)
	horizon, err := prunedBefore(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	if horizon.After(span.From) {
		if !horizon.Before(span.To) {
			e.log.Info("nightly: every day of the archive is before the retention horizon", "pruned_before", horizon)
			return res, nil
		}
		span.From = horizon // retention: days before it are never recomputed
	}
	// An edit, deletion or reaction filed under P reaches messages up to
	// margin + edit window before it.
	res.Days = affectedDays(res.ChangedHours, opts.Margin+time.Duration(window)*time.Hour, span)
	e.log.Info("nightly starting", "changed_hours", len(res.ChangedHours), "days", len(res.Days))

	// First publish the recomputed days, ...
	out, err := output.OpenOutput(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	total := &pipeline.Counts{}
	quarantine := &quarantineCollector{}
	defer quarantine.close()
	for _, r := range dayRuns(res.Days) {
		counts, _, err := e.analyse(ctx, r, out, quarantine)
		if err != nil {
			out.Abort()
			return nil, err
		}
		total.Add(counts)
	}
	if err := out.Commit(ctx); err != nil {
		return nil, err
	}
	// ... then the summary of everything, from the partitions as now
	// published, and the state last: a crash in between leaves the old
	// state, and the next run recomputes the same days to the same bytes.
	published, err := output.OpenReader(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	agg, _, err := mergeDays(ctx, published, span.From, span.To)
	if err != nil {
		return nil, err
	}
	res.Summary = Summarize(agg, span.From, span.To, previousWindow(ctx, published, span.From, span.To))
	SuppressSmallGroups(res.Summary, agg, opts.MinGroup)
	out, err = output.OpenOutput(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	m := e.manifest("nightly", span, started, total, res.Days)
	if !horizon.IsZero() {
		m.PrunedBefore = aggregate.DayOf(horizon).String()
	}
	res.Manifest = m
	err = errors.Join(
		writeJSON(ctx, out, SummaryFile, res.Summary),
		quarantine.writeTo(ctx, out, QuarantineFile),
		writeJSON(ctx, out, output.ManifestName, m),
	)
	if err == nil {
		err = out.Commit(ctx)
	}
	if err != nil {
		out.Abort()
		return nil, err
	}
	state := &NightlyState{Schema: StateSchema, Source: opts.Source.String(), MarginHours: int(opts.Margin / time.Hour),
		EditWindowHours: &window, IncludeText: opts.IncludeText, Privacy: e.privacyFingerprint(), UpdatedAt: time.Now().UTC().Format(time.RFC3339), Hours: map[string][]ObjectRef{}}
	for h, objs := range cur {
		state.Hours[h.Format(archive.HourLayout)] = objs
	}
	if err := writeState(ctx, statePath, opts.S3, state); err != nil {
		return nil, err
	}
	return res, nil
}

// readState reads the nightly state at a local or S3 location; nil when there
// is none yet.
func readState(ctx context.Context, location archive.Location, opts archive.S3Options) (*NightlyState, error) {
	data, err := output.ReadSide(ctx, location, opts)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("nightly state: %w", err)
	}
	var s NightlyState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("nightly state %s: %w", location, err)
	}
	if s.Schema != StateSchema {
		return nil, fmt.Errorf("nightly state %s: schema %q, want %q", location, s.Schema, StateSchema)
	}
	return &s, nil
}

// writeState replaces the nightly state at once: locally by writing a
// temporary file and renaming it, on S3 with one PUT, which S3 applies
// atomically. A reader, and the next run, sees the old state or the new
// one, never a part of either.
func writeState(ctx context.Context, location archive.Location, opts archive.S3Options, s *NightlyState) error {
	data, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	if err := output.WriteSide(ctx, location, opts, append(data, '\n')); err != nil {
		return fmt.Errorf("nightly state: %w", err)
	}
	return nil
}

// listHours lists every Firehose object of the archive by arrival hour.
func listHours(ctx context.Context, src archive.Source) (map[time.Time][]ObjectRef, error) {
	hours := map[time.Time][]ObjectRef{}
	for info, err := range src.List(ctx, "") {
		if err != nil {
			return nil, err
		}
		if fo, ok := archive.ParseObjectKey("", info.Key); ok {
			hours[fo.Hour] = append(hours[fo.Hour], ObjectRef{Key: info.Key, ETag: info.ETag, Size: info.Size})
		}
	}
	return hours, nil
}

// changedHours returns, in order, the hours whose objects differ from the
// state's: new hours, hours with new, changed or removed objects, and
// hours that are gone.
func changedHours(prev *NightlyState, cur map[time.Time][]ObjectRef) []time.Time {
	var changed []time.Time
	seen := map[string]bool{}
	for h, objs := range cur {
		name := h.Format(archive.HourLayout)
		seen[name] = true
		if prev == nil || !slices.Equal(prev.Hours[name], objs) {
			changed = append(changed, h)
		}
	}
	if prev != nil {
		for name := range prev.Hours {
			if !seen[name] {
				if h, err := time.Parse(archive.HourLayout, name); err == nil {
					changed = append(changed, h)
				}
			}
		}
	}
	slices.SortFunc(changed, time.Time.Compare)
	return changed
}

// coveredSpan is the whole UTC days from the first arrival hour to the last.
func coveredSpan(cur map[time.Time][]ObjectRef) archive.Range {
	hours := slices.SortedFunc(maps.Keys(cur), time.Time.Compare)
	return archive.Range{
		From: aggregate.DayOf(hours[0]).Start(),
		To:   aggregate.DayOf(hours[len(hours)-1]).End(),
	}
}

// affectedDays are the message days, within span, that records filed under
// the changed hours can belong to, reaching back as far as reach.
func affectedDays(changed []string, reach time.Duration, span archive.Range) []aggregate.Day {
	set := map[aggregate.Day]bool{}
	for _, name := range changed {
		p, err := time.Parse(archive.HourLayout, name)
		if err != nil {
			continue
		}
		for m := p.Add(-reach); !m.After(p.Add(archive.LookBehind)); m = m.Add(time.Hour) {
			if span.Contains(m) {
				set[aggregate.DayOf(m)] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// dayRuns groups days into runs of consecutive days.
func dayRuns(days []aggregate.Day) []archive.Range {
	var runs []archive.Range
	for i := 0; i < len(days); {
		j := i + 1
		for j < len(days) && days[j] == days[j-1]+1 {
			j++
		}
		runs = append(runs, archive.Range{From: days[i].Start(), To: days[j-1].End()})
		i = j
	}
	return runs
}

// privacyFingerprint names the privacy options that change what a day's
// partitions hold: the opt-out list and the pseudonym key, by their
// fingerprints only.
func (e *env) privacyFingerprint() string {
	fp := e.privacy.OptOut.Fingerprint()
	if ps := e.privacy.Pseudonyms; ps != nil {
		fp += " " + ps.Fingerprint()
	}
	return fp
}

// prunedBefore is the retention horizon the published manifest records
// (wiretap prune), zero when there is none.
func prunedBefore(ctx context.Context, out archive.Location, opts archive.S3Options) (time.Time, error) {
	r, err := output.OpenReader(ctx, out, opts)
	if err != nil {
		return time.Time{}, err
	}
	var m Manifest
	if err := readJSON(ctx, r, output.ManifestName, &m); errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, err
	}
	if m.PrunedBefore == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, m.PrunedBefore)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: pruned_before: %w", r.Locate(output.ManifestName), err)
	}
	return t, nil
}
