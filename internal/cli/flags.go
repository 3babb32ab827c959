package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// The flags several commands share are bound here, once, so that a flag
// means and says the same wherever it appears.

// Help texts of the location flags: DIR|s3://... wherever both work.
// The name between backquotes is what -help shows after the flag.
const (
	archiveUsage = "the archive, a folder (created if missing) or an S3 prefix: `DIR|s3://bucket/prefix` (required)"
	rosterUsage  = "roster CSV user_id,office[,timezone[,from]], a file or an S3 object: `FILE|s3://bucket/key`;\n" +
		"users not in it count as unassigned; several dated rows (from: YYYY-MM-DD) for a person who moved"
	stateUsage = "the nightly state, a file or an S3 object: `FILE|s3://bucket/key` (default: OUT/" + jobs.StateFile + ")"
)

// sourceUsage is the help of an archive to read: "the archive" and what.
func sourceUsage(what string) string {
	return "the archive" + what + ", a folder (or file:///path) or an S3 prefix: `DIR|s3://bucket/prefix`"
}

// outUsage is the help of an output location: "the outputs" and what.
func outUsage(what string) string {
	return "the outputs" + what + ", a folder or an S3 prefix: `DIR|s3://bucket/prefix`"
}

// addS3Endpoint adds --s3-endpoint, for every command that reaches S3.
func addS3Endpoint(fs *flag.FlagSet, o *archive.S3Options) {
	fs.StringVar(&o.Endpoint, "s3-endpoint", "", "S3 endpoint URL, for S3-compatible servers (default: $AWS_ENDPOINT_URL_S3)")
}

// archiveRunFlags are the flags of the jobs that analyse the archive (run
// and nightly), bound to their jobs.RunOptions.
type archiveRunFlags struct {
	opts    jobs.RunOptions
	verbose bool
	priv    privacyFlags
}

// add binds the flags. Nightly keeps the same flags: what differs is said
// in its synopsis (keep the analysis flags the same every night).
func (r *archiveRunFlags) add(fs *flag.FlagSet) {
	o := &r.opts
	fs.Var(&o.Source, "source", sourceUsage("")+" (required)")
	fs.Var(&o.Out, "out", outUsage("")+" (required)")
	fs.Var(&o.Roster, "roster", rosterUsage)
	fs.DurationVar(&o.Margin, "margin", time.Hour, "how late after its message hour a record may arrive and count (whole hours)")
	fs.Var(editWindowFlag{&o.EditWindow}, "edit-window", editWindowUsage)
	fs.IntVar(&o.Workers, "workers", 0, "reading and analysing goroutines (default: the number of CPUs)")
	fs.Float64Var(&o.MaxBadRatio, "max-bad-ratio", jobs.DefaultMaxBadRatio, "fail when more than this share of records is malformed (negative: never)")
	addS3Endpoint(fs, &o.S3)
	fs.BoolVar(&r.verbose, "v", false, "log progress even on a terminal")
	fs.BoolVar(&o.IncludeText, "include-text", false, "evidence carries the messages' text (evidence_text columns, \"text\" in summary.json):\noutputs then hold message content, and are larger")
	r.priv.add(fs)
}

// apply checks the flags once parsed and completes the options: privacy,
// the logger, and the S3 client the job's locations share (extra are the
// command's other locations).
func (r *archiveRunFlags) apply(ctx context.Context, io *IO, extra ...archive.Location) error {
	if err := r.priv.apply(io, &r.opts); err != nil {
		return err
	}
	switch {
	case r.opts.Source.IsZero():
		return usageErrorf("--source is required")
	case r.opts.Out.IsZero():
		return usageErrorf("--out is required")
	}
	r.opts.Logger = logger(io, r.verbose)
	return shareS3Client(ctx, &r.opts.S3, append([]archive.Location{r.opts.Source, r.opts.Out, r.opts.Roster, r.opts.OptOut}, extra...)...)
}

// createFolder makes the local folder of loc when missing, for the
// commands that write an archive (gen, backfill, ingest serve); an S3
// location needs none.
func createFolder(loc archive.Location) error {
	if loc.IsS3() {
		return nil
	}
	if err := os.MkdirAll(loc.Path(), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", loc.Path(), err)
	}
	return nil
}
