package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

const genExamples = `  # The demo archive: 50,000 messages over a week, in ./archive
  wiretap gen --out ./archive --messages 50000 --days 7

  # Gzip objects under a custom prefix, as a Firehose stream with compression on:
  wiretap gen --out ./archive --gzip --prefix slack/

  # A large company's week (about 1 GB): thousands of people and channels, 20,000 words:
  wiretap gen --out ./large --profile large

  # Straight into an S3 bucket:
  wiretap gen --out s3://test-archive/slack/ --messages 100000
`

func genCmd(ctx context.Context, io *IO, args []string) error {
	// A profile sets the defaults that the other flags then override, so
	// the flags are parsed twice: once to learn the profile, then into it.
	profile := "default"
	cfg := generator.DefaultConfig()
	var out archive.Location
	var start string
	var s3 archive.S3Options
	fs := genFlags(io, &cfg, &profile, &out, &start, &s3)
	if err := parse(fs, args); err != nil {
		return err
	}
	if profile != "default" {
		p, err := generator.Profile(profile)
		if err != nil {
			return usageErrorf("--profile: %v", err)
		}
		cfg = p
		if err := parse(genFlags(io, &cfg, &profile, &out, &start, &s3), args); err != nil {
			return err
		}
	}
	if out.IsZero() {
		return usageErrorf("--out is required")
	}
	t, err := archive.ParseTime(start)
	if err != nil {
		return usageErrorf("--start: %v", err)
	}
	cfg.Start = t
	if err := createFolder(out); err != nil {
		return err
	}
	store, err := archive.OpenStore(ctx, out, s3)
	if err != nil {
		return err
	}
	began := time.Now()
	facts, err := generator.Generate(ctx, cfg, store)
	if err != nil {
		return err
	}
	factsJSON, err := json.MarshalIndent(facts, "", "  ")
	if err != nil {
		return err
	}
	if err := store.Put(ctx, "roster.csv", facts.RosterCSV()); err != nil {
		return err
	}
	if err := store.Put(ctx, "facts.json", append(factsJSON, '\n')); err != nil {
		return err
	}
	end := cfg.Start.AddDate(0, 0, cfg.Days)
	fmt.Fprintf(io.Err, "Generated %d records (%d authored messages) in %s in %.1fs.\n",
		facts.RecordsRead, cfg.Messages, store.Locate(""), time.Since(began).Seconds())
	fmt.Fprintf(io.Err, "Roster: %s\nFacts:  %s\nRange:  --from %s --to %s\n",
		store.Locate("roster.csv"), store.Locate("facts.json"), cfg.Start.Format(time.DateOnly), end.Format(time.DateOnly))
	return nil
}

// genFlags binds gen's flags to cfg and the other variables, with cfg's
// values as their defaults.
func genFlags(io *IO, cfg *generator.Config, profile *string, out *archive.Location, start *string, s3 *archive.S3Options) *flag.FlagSet {
	fs := newFlagSet(io, "gen --out DIR|s3://bucket/prefix [flags]",
		"Writes a deterministic synthetic archive in the Firehose layout (YYYY/MM/DD/HH/ keys,\n"+
			"NDJSON objects in the three producer shapes), with duplicates, late arrivals and\n"+
			"malformed lines, plus roster.csv and facts.json (the planted ground truth) beside it.\n"+
			"The same flags always give the same bytes.\n", genExamples)
	fs.StringVar(profile, "profile", *profile, "named workload whose values the other flags override: "+
		strings.Join(generator.Profiles, ", ")+"; large is a 1 GB week of 3 teams, 3,000 people, 1,500 channels and 20,000 words")
	fs.Var(out, "out", archiveUsage)
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	fs.IntVar(&cfg.Messages, "messages", cfg.Messages, "unique authored messages")
	fs.IntVar(&cfg.Days, "days", cfg.Days, "days of messages")
	fs.StringVar(start, "start", cfg.Start.Format(time.DateOnly), "first day (UTC)")
	fs.IntVar(&cfg.Users, "users", cfg.Users, "users (0: messages/200, at least 20)")
	fs.IntVar(&cfg.Channels, "channels", cfg.Channels, "channels")
	fs.IntVar(&cfg.Teams, "teams", cfg.Teams, "teams the channels are dealt over (0: one)")
	fs.IntVar(&cfg.Vocabulary, "vocabulary", cfg.Vocabulary, "distinct words (0: the built-in list of about 1,000)")
	fs.Float64Var(&cfg.ZipfExponent, "zipf", cfg.ZipfExponent, "Zipf exponent of word frequencies (0: 1; other values need --vocabulary)")
	fs.StringVar(&cfg.Prefix, "prefix", cfg.Prefix, "custom key prefix before the hour prefix, e.g. slack/")
	fs.BoolVar(&cfg.Gzip, "gzip", cfg.Gzip, "gzip the objects")
	fs.Float64Var(&cfg.DuplicateRate, "duplicates", cfg.DuplicateRate, "share of records delivered more than once")
	fs.Float64Var(&cfg.MalformedRate, "malformed", cfg.MalformedRate, "share of malformed lines")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "days generated at once (0: the number of CPUs)")
	addS3Endpoint(fs, s3)
	return fs
}
