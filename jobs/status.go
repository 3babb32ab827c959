package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// FailureFile records the last failed run beside the outputs (under the
// output folder, or under the S3 output's prefix outside its
// publication); a successful run removes it.
const FailureFile = "_state/last_failure.json"

// Failure is what FailureFile holds.
type Failure struct {
	Command string `json:"command"`
	At      string `json:"at"`
	Error   string `json:"error"`
}

// StatusOptions say which outputs to describe.
type StatusOptions struct {
	Out archive.Location
	// Source, when set, is listed to tell which hours changed since the
	// last nightly run (what is stale).
	Source archive.Location
	State  archive.Location // nightly state file; default under Out
	S3     archive.S3Options
}

// Status describes an output folder or S3 output: what the last run was, which days are
// covered, which are stale, and what failed.
type Status struct {
	Manifest     *Manifest
	Days         []aggregate.Day // days with partitions
	Gaps         []aggregate.Day // days between the first and last without
	Incomplete   []string        // partitions missing some of the tables
	Shards       []string        // shard manifests present
	State        *NightlyState
	StaleHours   []string        // arrival hours changed since the state (needs Source)
	StaleDays    []aggregate.Day // the days a nightly run would recompute
	LastFailure  *Failure
	StateMissing bool
}

// GetStatus reads the outputs' manifests, partitions and state, from a
// folder or an S3 output (through its publication).
func GetStatus(ctx context.Context, opts StatusOptions) (*Status, error) {
	r, err := output.OpenReader(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	st := &Status{}
	var m Manifest
	if err := readJSON(ctx, r, output.ManifestName, &m); err == nil {
		st.Manifest = &m
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var f Failure
	if data, err := output.ReadSide(ctx, output.SideLocation(opts.Out, FailureFile), opts.S3); err == nil && json.Unmarshal(data, &f) == nil {
		st.LastFailure = &f
	}
	partitions, err := publishedPartitions(ctx, r)
	if err != nil {
		return nil, err
	}
	perDay := map[aggregate.Day]int{}
	for d, ps := range partitions {
		perDay[d] = len(ps)
	}
	for d, n := range perDay {
		st.Days = append(st.Days, d)
		if n != len(Tables) {
			st.Incomplete = append(st.Incomplete, d.String())
		}
	}
	slices.Sort(st.Days)
	slices.Sort(st.Incomplete)
	if len(st.Days) > 0 {
		for d := st.Days[0]; d <= st.Days[len(st.Days)-1]; d++ {
			if perDay[d] == 0 {
				st.Gaps = append(st.Gaps, d)
			}
		}
	}
	shards, err := r.List(ctx, ShardDir)
	if err != nil {
		return nil, err
	}
	for _, s := range shards {
		if ok, _ := path.Match("*-of-*.json", path.Base(s)); ok && path.Dir(s) == ShardDir {
			st.Shards = append(st.Shards, strings.TrimSuffix(path.Base(s), ".json"))
		}
	}
	// On S3, shards publish to their own outputs below shards/ until a
	// merge publishes them into the output.
	_, own, err := shardOutputs(ctx, opts.Out, opts.S3)
	if err != nil {
		return nil, err
	}
	for _, sh := range own {
		if name := sh.file("", ""); !slices.Contains(st.Shards, name) {
			st.Shards = append(st.Shards, name)
		}
	}
	if len(own) > 0 {
		slices.Sort(st.Shards)
	}
	statePath := opts.State
	if statePath.IsZero() {
		statePath = output.SideLocation(opts.Out, StateFile)
	}
	if st.State, err = readState(ctx, statePath, opts.S3); err != nil {
		return nil, err
	}
	st.StateMissing = st.State == nil
	if !opts.Source.IsZero() {
		src, err := archive.OpenStore(ctx, opts.Source, opts.S3)
		if err != nil {
			return nil, err
		}
		cur, err := listHours(ctx, src)
		if err != nil {
			return nil, err
		}
		for _, h := range changedHours(st.State, cur) {
			st.StaleHours = append(st.StaleHours, h.Format(archive.HourLayout))
		}
		if len(cur) > 0 {
			reach := time.Hour + pipeline.DefaultEditWindow
			if st.State != nil {
				reach = time.Duration(st.State.MarginHours) * time.Hour
				if w := st.State.EditWindowHours; w != nil {
					reach += time.Duration(*w) * time.Hour
				}
			}
			st.StaleDays = affectedDays(st.StaleHours, reach, coveredSpan(cur))
		}
	}
	return st, nil
}

// publishedPartitions lists, by day, the published partition folders of
// every table (<table>/date=YYYY-MM-DD).
func publishedPartitions(ctx context.Context, r output.Reader) (map[aggregate.Day][]string, error) {
	out := map[aggregate.Day][]string{}
	for _, table := range Tables {
		names, err := r.List(ctx, table)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			// <table>/date=YYYY-MM-DD/part-0.parquet
			dir, file := path.Split(name)
			date, ok := strings.CutPrefix(path.Base(dir), "date=")
			if !ok || file != partFile || path.Dir(path.Clean(dir)) != table {
				continue
			}
			t, err := time.Parse(time.DateOnly, date)
			if err != nil {
				continue
			}
			d := aggregate.DayOf(t)
			out[d] = append(out[d], path.Clean(dir))
		}
	}
	return out, nil
}

func readJSON(ctx context.Context, r output.Reader, name string, v any) error {
	data, err := r.ReadFile(ctx, name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", r.Locate(name), err)
	}
	return nil
}

// Print writes the status for a person.
func (st *Status) Print(w io.Writer) {
	if m := st.Manifest; m != nil {
		c := m.Counts
		fmt.Fprintf(w, "Last run: %s over %s to %s, finished %s in %.1fs\n", m.Command, m.From, m.To, m.FinishedAt, m.Seconds)
		fmt.Fprintf(w, "  records read %d: parsed %d, quarantined %d, duplicates %d; in range %d\n",
			c.RecordsRead, c.Parsed, c.Quarantined, c.Duplicates, c.InRange)
		if c.Quarantined > 0 {
			fmt.Fprintf(w, "  quarantined: %s\n", c.ReasonSummary())
		}
	} else {
		fmt.Fprintln(w, "Last run: none published")
	}
	if len(st.Days) == 0 {
		fmt.Fprintln(w, "Covered: no days")
	} else {
		fmt.Fprintf(w, "Covered: %d days, %s to %s\n", len(st.Days), st.Days[0], st.Days[len(st.Days)-1])
	}
	if len(st.Gaps) > 0 {
		fmt.Fprintf(w, "Gaps: %d days without partitions: %s\n", len(st.Gaps), dayList(st.Gaps))
	}
	if len(st.Incomplete) > 0 {
		fmt.Fprintf(w, "Incomplete partitions (tables missing): %s\n", strings.Join(st.Incomplete, ", "))
	}
	if len(st.Shards) > 0 {
		fmt.Fprintf(w, "Shard manifests: %s\n", strings.Join(st.Shards, ", "))
	}
	switch {
	case st.State != nil:
		fmt.Fprintf(w, "Nightly state: %d arrival hours processed, updated %s\n", len(st.State.Hours), st.State.UpdatedAt)
	default:
		fmt.Fprintln(w, "Nightly state: none (wiretap nightly has not run here)")
	}
	if st.StaleHours != nil || st.StaleDays != nil {
		fmt.Fprintf(w, "Stale: %d arrival hours changed since the last nightly run; days to recompute: %s\n",
			len(st.StaleHours), dayList(st.StaleDays))
	}
	if f := st.LastFailure; f != nil {
		fmt.Fprintf(w, "Last failure: %s at %s: %s\n", f.Command, f.At, f.Error)
	}
}

func dayList(days []aggregate.Day) string {
	if len(days) == 0 {
		return "none"
	}
	var parts []string
	for _, r := range dayRuns(days) {
		from, to := aggregate.DayOf(r.From), aggregate.DayOf(r.To)-1
		if from == to {
			parts = append(parts, from.String())
		} else {
			parts = append(parts, from.String()+".."+to.String())
		}
	}
	return strings.Join(parts, ", ")
}
