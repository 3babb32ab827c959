package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// startTrace writes a runtime execution trace (go tool trace) to path: the
// tool for finding out why cores sit idle, which a CPU profile cannot show.
func startTrace(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		trace.Stop()
		f.Close()
	}, nil
}

func writeHeapProfile(path string, io *IO) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("heap").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(io.Err, "wiretap: heap profile: %v\n", err)
	}
}

// timeFlag is a range bound flag, parsed by archive.ParseTime.
type timeFlag struct{ t *time.Time }

func (f timeFlag) String() string {
	if f.t == nil || f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f timeFlag) Set(s string) error {
	t, err := archive.ParseTime(s)
	if err != nil {
		return err
	}
	*f.t = t
	return nil
}

// editWindowFlag is --edit-window: a whole number of hours, default 24h;
// 0 turns the window off, which jobs.RunOptions spells as negative.
type editWindowFlag struct{ d *time.Duration }

// editWindowUsage is the --edit-window help of run and nightly.
const editWindowUsage = "how late after its message hour an edit, deletion or reaction may arrive and still apply\n" +
	"(whole hours; 0: none); later ones are counted in manifest.json, not applied. The run reads\n" +
	"this many more hours after the range"

func (f editWindowFlag) String() string {
	if f.d == nil {
		return pipeline.DefaultEditWindow.String()
	}
	switch {
	case *f.d == 0:
		return pipeline.DefaultEditWindow.String()
	case *f.d < 0:
		return "0s"
	}
	return f.d.String()
}

func (f editWindowFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return err
	case d < 0 || d%time.Hour != 0:
		return fmt.Errorf("%s: want whole hours, 0 for none", s)
	case d == 0:
		d = -1
	}
	*f.d = d
	return nil
}

const runExamples = `  # A week of a local archive, with offices from a roster:
  wiretap run --source ./archive --roster ./archive/roster.csv \
              --from 2016-11-14 --to 2016-11-21 --out ./out

  # One afternoon (UTC) of an S3 archive written under the custom prefix slack/:
  wiretap run --source s3://acme-slack-archive/slack/ \
              --from 2016-11-18T12 --to 2016-11-18T18 --out ./out

  # An S3-compatible server on this machine:
  AWS_ENDPOINT_URL_S3=http://127.0.0.1:7070 wiretap run --source s3://archive ...

Outputs (see README.md for every column):
  OUT/<table>/date=YYYY-MM-DD/part-0.parquet  offices, users, channels, topics, activity
  OUT/summary.json                            the range at a glance, for dashboards
  OUT/manifest.json                           inputs, counts and timings; written last
  OUT/quarantine/quarantine.ndjson            bad records: object key, line, reason
`

func runCmd(ctx context.Context, io *IO, args []string) error {
	var rf archiveRunFlags
	opts := &rf.opts
	fs := newFlagSet(io, "run --source DIR|s3://bucket/prefix --from TIME --to TIME --out DIR|s3://bucket/prefix [flags]",
		"Reads the archive objects of the hour prefixes of [--from, --to) plus the late-arrival\n"+
			"margin after it, keeps the records whose own message time is in the range, and writes\n"+
			"per-day aggregates. Times are UTC: 2016-11-18, 2016-11-18T10 or RFC 3339.\n", runExamples)
	rf.add(fs)
	fs.Var(timeFlag{&opts.From}, "from", "start of the range, inclusive (required)")
	fs.Var(timeFlag{&opts.To}, "to", "end of the range, exclusive (required)")
	var shard string
	fs.StringVar(&shard, "shard", "", "run one shard i/n of the range's days (or n alone, with the index from\n$JOB_COMPLETION_INDEX or $AWS_BATCH_JOB_ARRAY_INDEX); then wiretap merge")
	var cpuProfile, memProfile, traceFile string
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile to this file")
	fs.StringVar(&memProfile, "memprofile", "", "write a heap profile to this file at the end")
	fs.StringVar(&traceFile, "trace", "", "write a runtime execution trace (go tool trace) to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := rf.apply(ctx, io); err != nil {
		return err
	}
	switch {
	case opts.From.IsZero() || opts.To.IsZero():
		return usageErrorf("--from and --to are required")
	case !opts.From.Before(opts.To):
		return usageErrorf("--from %s is not before --to %s", opts.From.Format(time.RFC3339), opts.To.Format(time.RFC3339))
	}
	if shard != "" {
		sh, err := parseShardFlag(io, shard)
		if err != nil {
			return usageErrorf("--shard: %v", err)
		}
		opts.Shard = sh
	}
	if cpuProfile != "" {
		stop, err := startCPUProfile(cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if traceFile != "" {
		stop, err := startTrace(traceFile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if memProfile != "" {
		defer writeHeapProfile(memProfile, io)
	}
	defer tuneGC(ctx, io)()
	if io.Terminal {
		opts.Progress = &pipeline.Progress{}
		stop := startProgress(io.Err, opts.Progress)
		defer stop()
	}
	res, err := jobs.Run(ctx, *opts)
	if err != nil {
		return err
	}
	printRunReport(io, res)
	return nil
}

// printRunReport tells where the outputs are and what they say, briefly.
func printRunReport(io *IO, res *jobs.Result) {
	// join names an output file: a path for a folder; for S3 a URL whose
	// name the manifest maps to the run's object.
	out := res.Out
	if !out.IsS3() {
		abs, _ := filepath.Abs(out.Path())
		out = archive.LocalLocation(abs)
	}
	join := func(elem ...string) string { return out.Join(elem...).String() }
	m, s := res.Manifest, res.Summary
	c := m.Counts
	w := io.Out
	if s == nil {
		fmt.Fprintf(w, "Wiretap shard %s analysed %s to %s in %.1fs; run wiretap merge when every shard is in.\n", m.Shard, m.From, m.To, m.Seconds)
	} else {
		fmt.Fprintf(w, "Wiretap analysed %s to %s (%d days) in %.1fs.\n", s.Range.From, s.Range.To, s.Range.Days, m.Seconds)
	}
	fmt.Fprintf(w, "  records read %d = parsed %d + quarantined %d + duplicates %d; in range %d (authored messages %d)\n",
		c.RecordsRead, c.Parsed, c.Quarantined, c.Duplicates, c.InRange, c.Authored)
	fmt.Fprintf(w, "Outputs in %s:\n", out)
	for _, t := range m.Tables {
		fmt.Fprintf(w, "  %-13s %s\n", t, join(t, "date=*", "part-0.parquet"))
	}
	fmt.Fprintf(w, "  %-13s %s\n  %-13s %s\n  %-13s %s\n", "summary", join("summary.json"),
		"manifest", join("manifest.json"), "quarantine", join(m.Quarantine))
	if s != nil {
		fmt.Fprintln(w)
		printSummary(w, s)
	}
}

// printSummary renders a summary briefly, for a person.
func printSummary(w io.Writer, s *jobs.Summary) {
	fmt.Fprintf(w, "Messages %d from %d people in %d channels; mean sentiment %+.3f\n",
		s.Totals.Messages, s.Totals.ActiveUsers, s.Totals.Channels, s.Totals.Sentiment.Mean)
	if len(s.Offices) > 0 {
		fmt.Fprintf(w, "Offices (messages, people, mean sentiment ±95%%):\n")
		for _, o := range s.Offices {
			if o.Suppressed {
				fmt.Fprintf(w, "  %-12s suppressed: fewer people than --min-group\n", o.Office)
				continue
			}
			fmt.Fprintf(w, "  %-12s %8d %5d  %+.3f ±%.3f\n", o.Office, o.Messages, o.ActiveUsers, o.Sentiment.Mean, o.Sentiment.CI95)
		}
	}
	if len(s.TopTopics) > 0 {
		fmt.Fprintf(w, "Top topics:")
		for i, t := range shownTopics(s.TopTopics, 8) {
			sep := ","
			if i == 0 {
				sep = ""
			}
			fmt.Fprintf(w, "%s %s (%d)", sep, t.Topic, t.Messages)
		}
		fmt.Fprintln(w)
	}
	if len(s.MostMentioned) > 0 {
		u := s.MostMentioned[0]
		fmt.Fprintf(w, "Most mentioned: %s %s (%s), %d mentions\n", u.UserID, u.UserName, u.Office, u.MentionsReceived)
	}
	if len(s.TopUsers) > 0 {
		u := s.TopUsers[0]
		fmt.Fprintf(w, "Most active: %s %s (%s), %d messages\n", u.UserID, u.UserName, u.Office, u.Messages)
	}
	if len(s.MostSarcastic) > 0 {
		u := s.MostSarcastic[0]
		fmt.Fprintf(w, "Most sarcastic (at least %d messages): %s %s (%s), rate %.2f over %d messages\n",
			jobs.MinRankedMessages, u.UserID, u.UserName, u.Office, u.Sarcasm.Rate, u.Sarcasm.N)
	}
	// A suppressed office is ranked last, so the first is shown unless
	// every office is too small to be shown.
	if len(s.MostPositiveOffices) > 0 && !s.MostPositiveOffices[0].Suppressed {
		pos, neg := s.MostPositiveOffices[0], s.MostNegativeOffices[0]
		fmt.Fprintf(w, "Most positive office: %s %+.3f (%+.3f to %+.3f); most negative: %s %+.3f (%+.3f to %+.3f)\n",
			pos.Office, pos.Mean, pos.CI95Low, pos.CI95High, neg.Office, neg.Mean, neg.CI95Low, neg.CI95High)
	}
	if t := s.Threads; t != nil && (t.Totals.ThreadsStarted > 0 || t.Totals.Questions > 0) {
		fmt.Fprintf(w, "Threads %d (%d replies); questions %d, %d judged, %d answered within %dh",
			t.Totals.ThreadsStarted, t.Totals.Replies, t.Totals.Questions, t.Totals.Judged, t.Totals.Answered, t.AnswerWindowSeconds/3600)
		if m := t.Totals.FirstReply.MedianSeconds; m != nil {
			fmt.Fprintf(w, "; median first reply within %s", time.Duration(*m)*time.Second)
		}
		fmt.Fprintln(w)
	}
	if s.Unanswered != nil && s.Unanswered.Count > 0 {
		fmt.Fprintf(w, "Unanswered questions: %d\n", s.Unanswered.Count)
	}
	if s.NewPeople != nil && s.LapsedPeople != nil {
		fmt.Fprintf(w, "Against the previous %d days: %d new people, %d lapsed, quiet channels: %d\n",
			s.Range.Days, s.NewPeople.Count, s.LapsedPeople.Count, len(s.QuietChannels))
	}
	if len(s.DistinctiveTopics) > 0 {
		fmt.Fprintln(w, "Distinctive topics by office:")
		for _, o := range s.Offices {
			var names []string
			for _, t := range shownTopics(s.DistinctiveTopics[o.Office], 4) {
				names = append(names, t.Topic)
			}
			if len(names) > 0 {
				fmt.Fprintf(w, "  %-12s %s\n", o.Office, strings.Join(names, ", "))
			}
		}
	}
}

// shownTopics is the first n topics of list that --min-group leaves shown.
func shownTopics(list []jobs.TopicSummary, n int) []jobs.TopicSummary {
	var out []jobs.TopicSummary
	for _, t := range list {
		if len(out) == n {
			break
		}
		if !t.Suppressed {
			out = append(out, t)
		}
	}
	return out
}

// parseShardFlag reads "i/n", or "n" with the index from the environment a
// batch scheduler sets for array tasks.
func parseShardFlag(io *IO, v string) (jobs.Shard, error) {
	if strings.Contains(v, "/") {
		return jobs.ParseShard(v)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return jobs.Shard{}, fmt.Errorf("%q: want i/n or n", v)
	}
	getenv := io.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	sh, ok, err := jobs.ShardFromEnv(getenv, n)
	if err != nil {
		return jobs.Shard{}, err
	}
	if !ok {
		return jobs.Shard{}, fmt.Errorf("%q: no index: give i/n, or set JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX", v)
	}
	return sh, nil
}

// tuneGC sets the collector for a batch run, unless GOGC or GOMEMLIMIT say
// otherwise, and returns what puts it back. The live heap is small (the
// aggregates of the days in flight) and churns fast, so collecting at every
// doubling spends CPU for little; collecting less often, under a soft
// memory limit that keeps the peak bounded, is the better trade (README.md,
// "How it works", has the measurement).
//
// The limit follows the live heap (memoryLimitFor): a fixed limit below
// what a large workspace keeps live made the collector run back to back,
// half of a run's CPU, for no memory saved.
func tuneGC(ctx context.Context, io *IO) (restore func()) {
	if io.Getenv == nil {
		return func() {}
	}
	restoreGOGC := func() {}
	if io.Getenv("GOGC") == "" {
		prev := debug.SetGCPercent(400)
		restoreGOGC = func() { debug.SetGCPercent(prev) }
	}
	if io.Getenv("GOMEMLIMIT") != "" {
		return restoreGOGC
	}
	prev := debug.SetMemoryLimit(baseMemoryLimit)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		followLiveHeap(ctx, time.Second/10)
	}()
	return func() {
		cancel()
		<-done
		debug.SetMemoryLimit(prev)
		restoreGOGC()
	}
}

// baseMemoryLimit is the soft memory limit of a run whose live heap is
// small.
const baseMemoryLimit = 400 << 20

// memoryLimitFor is the soft memory limit for a live heap of live bytes:
// baseMemoryLimit, or half as much again as the live heap when that is
// more, in steps of 32 MiB.
func memoryLimitFor(live uint64) int64 {
	const step = 32 << 20
	limit := int64(live + live/2)
	limit = (limit + step - 1) / step * step
	return max(limit, baseMemoryLimit)
}

// followLiveHeap sets the soft memory limit for the live heap, as the
// last collection measured it, every period until ctx is done.
func followLiveHeap(ctx context.Context, period time.Duration) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(period)
	defer t.Stop()
	current := int64(baseMemoryLimit)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return // not measured by this runtime
		}
		if limit := memoryLimitFor(sample[0].Value.Uint64()); limit != current {
			debug.SetMemoryLimit(limit)
			current = limit
		}
	}
}
