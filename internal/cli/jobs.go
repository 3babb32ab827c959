package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

const queryExamples = `  # The summary of a week, from the daily partitions of earlier runs:
  wiretap query --out ./out --from 2016-11-14 --to 2016-11-21

  # One office, as a readable report:
  wiretap query --out ./out --from 2016-11-14 --to 2016-11-21 --office berlin --format table

  # Every user of the range as CSV, for a spreadsheet:
  wiretap query --out ./out --from 2016-11-14 --to 2016-11-21 --format csv --table users > users.csv
`

func queryCmd(ctx context.Context, io *IO, args []string) error {
	var opts jobs.QueryOptions
	var format, table string
	fs := newFlagSet(io, "query --out DIR|s3://bucket/prefix --from DAY --to DAY [flags]",
		"Answers a range of whole UTC days from the daily partitions alone (never the archive).\n"+
			"The JSON answer is the summary.json a run over the same range writes, byte for byte.\n", queryExamples)
	fs.Var(&opts.Out, "out", outUsage(" of earlier runs")+" (required)")
	fs.Var(timeFlag{&opts.From}, "from", "first day (required)")
	fs.Var(timeFlag{&opts.To}, "to", "day after the last (required)")
	fs.StringVar(&opts.Office, "office", "", "only this office: its people, topics, activity and channels")
	addMinGroup(fs, &opts.MinGroup)
	fs.StringVar(&format, "format", "json", "json (the summary), table (a report) or csv (one table's rows)")
	fs.StringVar(&table, "table", jobs.TableOffices, "with --format csv: the table whose rows, merged over the range, to write:\n"+strings.Join(jobs.Tables, ", "))
	addS3Endpoint(fs, &opts.S3)
	if err := parse(fs, args); err != nil {
		return err
	}
	if opts.Out.IsZero() || opts.From.IsZero() || opts.To.IsZero() {
		return usageErrorf("--out, --from and --to are required")
	}
	if err := jobs.CheckMinGroup(opts.MinGroup); err != nil {
		return usageErrorf("%v", err)
	}
	if format != "json" && format != "table" && format != "csv" {
		return usageErrorf("--format %q: want json, table or csv", format)
	}
	if format == "csv" && !slices.Contains(jobs.Tables, table) {
		return usageErrorf("--table %q: want one of %s", table, strings.Join(jobs.Tables, ", "))
	}
	if err := shareS3Client(ctx, &opts.S3, opts.Out); err != nil {
		return err
	}
	res, err := jobs.Query(ctx, opts)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		data, err := res.Summary.JSON()
		if err != nil {
			return err
		}
		_, err = io.Out.Write(data)
		return err
	case "table":
		printSummary(io.Out, res.Summary)
		return nil
	}
	return writeCSV(io, res.Aggregate.Tables(), table)
}

const nightlyExamples = `  # Bring ./out up to date with everything new in the archive since the last night:
  wiretap nightly --source s3://acme-slack-archive/slack/ --roster roster.csv --out ./out

  # Keep the state somewhere else than beside the outputs:
  wiretap nightly --source ./archive --out ./out --state ./nightly-state.json
`

func nightlyCmd(ctx context.Context, io *IO, args []string) error {
	var rf archiveRunFlags
	var state archive.Location
	fs := newFlagSet(io, "nightly --source DIR|s3://bucket/prefix --out DIR|s3://bucket/prefix [flags]",
		"Processes only the hour prefixes whose objects are new, changed or removed since the last\n"+
			"successful nightly run, recomputes exactly the message days they can touch, and rewrites\n"+
			"the summary over every day the archive covers. Running it twice changes nothing.\n"+
			"Keep --source, --margin, --edit-window and --include-text the same every night: the state\n"+
			"records them, and a change is refused rather than mixed into days computed before.\n", nightlyExamples)
	rf.add(fs)
	fs.Var(&state, "state", stateUsage)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := rf.apply(ctx, io, state); err != nil {
		return err
	}
	res, err := jobs.Nightly(ctx, rf.opts, state)
	if err != nil {
		return err
	}
	if res.Summary == nil {
		fmt.Fprintln(io.Out, "Nothing new in the archive since the last nightly run.")
		return nil
	}
	fmt.Fprintf(io.Out, "Recomputed %d days (%d arrival hours changed); the summary covers %s to %s.\n",
		len(res.Days), len(res.ChangedHours), res.Summary.Range.From, res.Summary.Range.To)
	return nil
}

func mergeCmd(ctx context.Context, io *IO, args []string) error {
	var opts jobs.MergeOptions
	fs := newFlagSet(io, "merge --out DIR|s3://bucket/prefix [--shards N]",
		"Combines the shards of a run (wiretap run --shard i/n, all into the same --out) once every\n"+
			"shard is in: the summary, the quarantine and the manifest of the whole range.\n",
		"  for i in 0 1 2 3; do wiretap run --shard $i/4 --source ... --from ... --to ... --out ./out; done\n"+
			"  wiretap merge --out ./out --shards 4\n")
	fs.Var(&opts.Out, "out", outUsage(" the shards wrote to")+" (required)")
	fs.IntVar(&opts.Shards, "shards", 0, "shards expected (default: as the shard manifests say)")
	addS3Endpoint(fs, &opts.S3)
	if err := parse(fs, args); err != nil {
		return err
	}
	if opts.Out.IsZero() {
		return usageErrorf("--out is required")
	}
	if err := shareS3Client(ctx, &opts.S3, opts.Out); err != nil {
		return err
	}
	res, err := jobs.Merge(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "Merged %d shards: %d days, %d messages.\n", len(res.Manifest.Shards), len(res.Manifest.Partitions), res.Summary.Totals.Messages)
	return nil
}

func statusCmd(ctx context.Context, io *IO, args []string) error {
	var opts jobs.StatusOptions
	fs := newFlagSet(io, "status --out DIR|s3://bucket/prefix [--source DIR|s3://bucket/prefix]",
		"Prints what an output folder covers: the last run, the days with partitions and the gaps,\n"+
			"shards, the nightly state, what is stale (with --source) and the last failure.\n",
		"  wiretap status --out ./out\n  wiretap status --out ./out --source s3://acme-slack-archive/slack/\n")
	fs.Var(&opts.Out, "out", outUsage("")+" (required)")
	fs.Var(&opts.Source, "source", sourceUsage(" to compare with the nightly state"))
	fs.Var(&opts.State, "state", stateUsage)
	addS3Endpoint(fs, &opts.S3)
	if err := parse(fs, args); err != nil {
		return err
	}
	if opts.Out.IsZero() {
		return usageErrorf("--out is required")
	}
	if err := shareS3Client(ctx, &opts.S3, opts.Out, opts.Source, opts.State); err != nil {
		return err
	}
	st, err := jobs.GetStatus(ctx, opts)
	if err != nil {
		return err
	}
	st.Print(io.Out)
	return nil
}
