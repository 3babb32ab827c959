package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/privacy"
)

// privacyFlags are the privacy options of the jobs that read the archive
// (run, run --shard, nightly).
type privacyFlags struct {
	optOut       archive.Location
	pseudonymize bool
	minGroup     int
}

func (p *privacyFlags) add(fs *flag.FlagSet) {
	fs.Var(&p.optOut, "opt-out", "user ids, one a line, # comments, in a file or an S3 object: `FILE|s3://bucket/key`;\ntheir messages are left out of every output and they are named in none")
	addMinGroup(fs, &p.minGroup)
	fs.BoolVar(&p.pseudonymize, "pseudonymize", false, "replace user ids by keyed pseudonyms and drop names in every output; the key\ncomes from $"+privacy.KeyEnv+" (required with this flag)")
}

// apply puts the flags into opts, taking the pseudonym key from the
// environment: never from a flag, which would show in the process list
// and in shell histories.
func (p *privacyFlags) apply(io *IO, opts *jobs.RunOptions) error {
	opts.OptOut, opts.MinGroup = p.optOut, p.minGroup
	if err := jobs.CheckMinGroup(p.minGroup); err != nil {
		return usageErrorf("%v", err)
	}
	if !p.pseudonymize {
		return nil
	}
	key := ""
	if io.Getenv != nil {
		key = io.Getenv(privacy.KeyEnv)
	}
	if _, err := privacy.NewPseudonymizer([]byte(key)); err != nil {
		return usageErrorf("--pseudonymize: %v", err)
	}
	opts.PseudonymKey = []byte(key)
	return nil
}

// addMinGroup adds --min-group, for the commands that publish a summary.
func addMinGroup(fs *flag.FlagSet, n *int) {
	fs.IntVar(n, "min-group", jobs.DefaultMinGroup, "in what is published, figures about fewer distinct authors (an office, a channel,\na topic, an hour of the week) are marked suppressed, never shown; 0 shows all (max 32)")
}

func pruneCmd(ctx context.Context, io *IO, args []string) error {
	var opts jobs.PruneOptions
	fs := newFlagSet(io, "prune --out DIR|s3://bucket/prefix --before DAY",
		"Removes every table's partitions (and the evidence in them) of the days before --before,\n"+
			"recomputes the summary over the days kept and publishes both like a run: a failed prune\n"+
			"leaves the previous outputs. Nightly never recomputes a pruned day. The archive itself is\n"+
			"not touched (give its prefixes a lifecycle rule).\n",
		"  # Keep a year:\n  wiretap prune --out s3://acme-wiretap/out --before $(date -u -d '1 year ago' +%F)\n")
	fs.Var(&opts.Out, "out", outUsage("")+" (required)")
	fs.Var(timeFlag{&opts.Before}, "before", "first day kept, YYYY-MM-DD (required)")
	addS3Endpoint(fs, &opts.S3)
	if err := parse(fs, args); err != nil {
		return err
	}
	if opts.Out.IsZero() || opts.Before.IsZero() {
		return usageErrorf("--out and --before are required")
	}
	if err := shareS3Client(ctx, &opts.S3, opts.Out); err != nil {
		return err
	}
	res, err := jobs.Prune(ctx, opts)
	if err != nil {
		return err
	}
	if len(res.Removed) == 0 {
		fmt.Fprintf(io.Out, "Nothing to prune: no day before %s.\n", opts.Before.Format("2006-01-02"))
		return nil
	}
	fmt.Fprintf(io.Out, "Removed %d days (%s to %s); %d kept, from %s.\n", len(res.Removed), res.Removed[0],
		res.Removed[len(res.Removed)-1], len(res.Kept), res.Kept[0])
	return nil
}
