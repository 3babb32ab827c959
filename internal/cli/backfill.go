package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/wiretap-hq/wiretap/internal/backfill"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

const backfillExamples = `  # Start a local archive with the workspace's history, then analyse it:
  wiretap backfill --export "Acme Slack export Nov 1 2016 - Nov 30 2016.zip" --archive ./archive --team T0001
  wiretap run --source ./archive --from 2016-11-01 --to 2016-12-01 --out ./out

  # Into the S3 archive the Firehose stream writes (its prefix included), gzipped like it:
  wiretap backfill --export export.zip --archive s3://acme-slack-archive/slack/ --team T0001 --gzip

Running it again writes nothing new: messages the archive already holds, from live
ingestion or an earlier backfill, are skipped. An interrupted run resumes where it stopped.
Reactions, files and attachments are not converted.
`

// teamID is what a Slack workspace (T…) or Enterprise Grid (E…) id looks like.
var teamID = regexp.MustCompile(`^[TE][A-Z0-9]+$`)

func backfillCmd(ctx context.Context, io *IO, args []string) error {
	var (
		opts       backfill.Options
		export     string
		archiveLoc archive.Location
		s3         archive.S3Options
		verbose    bool
	)
	fs := newFlagSet(io, "backfill --export export.zip --archive DIR|s3://bucket/prefix [--team T0001] [flags]",
		"Converts a Slack workspace export (the zip of users.json, channels.json and one folder\n"+
			"of YYYY-MM-DD.json files per channel) into archive objects filed by message time, one\n"+
			"per UTC hour under a Firehose key (YYYY/MM/dd/HH/slack-backfill-1-...), so that\n"+
			"`wiretap run` reads the history like live traffic. Messages the archive already has in\n"+
			"the hours a run would read them from are skipped, so live and exported copies of a\n"+
			"message count once. The export is read a day at a time: its size does not matter.\n", backfillExamples)
	fs.StringVar(&export, "export", "", "Slack workspace export zip (required)")
	fs.Var(&archiveLoc, "archive", archiveUsage)
	fs.StringVar(&opts.Team, "team", "", "workspace id, as live records carry it (default: the team_id of the export's users.json)")
	fs.BoolVar(&opts.Gzip, "gzip", false, "gzip the objects, as a Firehose stream with compression on")
	fs.DurationVar(&opts.Margin, "margin", backfill.DefaultMargin, "look for live copies of a message this long after its hour: wiretap run's --margin (whole hours)")
	addS3Endpoint(fs, &s3)
	fs.BoolVar(&verbose, "v", false, "log progress even on a terminal")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case export == "":
		return usageErrorf("--export is required")
	case archiveLoc.IsZero():
		return usageErrorf("--archive is required")
	case opts.Team != "" && !teamID.MatchString(opts.Team):
		return usageErrorf("--team %q: want a workspace id such as T0001", opts.Team)
	case opts.Margin < 0 || opts.Margin%time.Hour != 0:
		return usageErrorf("--margin %s: want whole hours", opts.Margin)
	}
	f, err := os.Open(export)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if err := createFolder(archiveLoc); err != nil {
		return err
	}
	store, err := archive.OpenStore(ctx, archiveLoc, s3)
	if err != nil {
		return err
	}
	opts.Logger = logger(io, verbose)
	began := time.Now()
	st, err := backfill.Convert(ctx, f, info.Size(), store, opts)
	switch {
	case errors.Is(err, backfill.ErrNoTeam):
		return usageErrorf("the export's users.json names no team: give --team T…, the id live records carry")
	case err != nil && ctx.Err() != nil:
		printBackfill(io, export, archiveLoc.String(), st, time.Since(began))
		return fmt.Errorf("interrupted after %d objects; run the same command again to resume", st.Objects)
	case err != nil:
		return err
	}
	printBackfill(io, export, archiveLoc.String(), st, time.Since(began))
	return nil
}

func printBackfill(io *IO, export, archiveLoc string, st backfill.Stats, took time.Duration) {
	w := io.Err
	fmt.Fprintf(w, "Backfilled %s (team %s) into %s in %.1fs.\n", export, st.Team, archiveLoc, took.Seconds())
	fmt.Fprintf(w, "  messages read %d = written %d + already in the archive %d + not messages %d + invalid %d\n",
		st.Read, st.Written, st.Duplicates, st.NonMessages, st.Invalid)
	if st.InBackfill > 0 {
		fmt.Fprintf(w, "  %d of those already in the archive were there from an earlier backfill\n", st.InBackfill)
	}
	fmt.Fprintf(w, "  objects written %d (%d bytes), from %d day files of %d days; archive objects checked %d\n",
		st.Objects, st.Bytes, st.Entries, st.Days, st.ObjectsRead)
	if st.SkippedEntries > 0 {
		fmt.Fprintf(w, "  %d day files skipped: their folders are in no channel list (see the log)\n", st.SkippedEntries)
	}
	if st.First.IsZero() {
		return
	}
	from := st.First.Truncate(24 * time.Hour)
	to := st.Last.Truncate(24*time.Hour).AddDate(0, 0, 1)
	fmt.Fprintf(w, "Messages from %s to %s. Analyse them with:\n  %s\n",
		st.First.Format(time.RFC3339), st.Last.Format(time.RFC3339), runCommand(archiveLoc, from, to))
}
