package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

const genExamples = `  # The demo archive: 50,000 messages over a week, in ./archive
  wiretap gen --out ./archive --messages 50000 --days 7

  # Gzip objects under a custom prefix, as a Firehose stream with compression on:
  wiretap gen --out ./archive --gzip --prefix slack/

  # Straight into an S3 bucket:
  wiretap gen --out s3://test-archive/slack/ --messages 100000
`

func genCmd(ctx context.Context, io *IO, args []string) error {
	cfg := generator.DefaultConfig()
	var out, start, endpoint string
	fs := newFlagSet(io, "gen --out DIR|s3://bucket/prefix [flags]",
		"Writes a deterministic synthetic archive in the Firehose layout (YYYY/MM/DD/HH/ keys,\n"+
			"NDJSON objects in the three producer shapes), with duplicates, late arrivals and\n"+
			"malformed lines, plus roster.csv and facts.json (the planted ground truth) beside it.\n"+
			"The same flags always give the same bytes.\n", genExamples)
	fs.StringVar(&out, "out", "", "archive folder or s3:// location (required)")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	fs.IntVar(&cfg.Messages, "messages", cfg.Messages, "unique authored messages")
	fs.IntVar(&cfg.Days, "days", cfg.Days, "days of messages")
	fs.StringVar(&start, "start", cfg.Start.Format(time.DateOnly), "first day (UTC)")
	fs.IntVar(&cfg.Users, "users", 0, "users (default: messages/200, at least 20)")
	fs.StringVar(&cfg.Prefix, "prefix", "", "custom key prefix before the hour prefix, e.g. slack/")
	fs.BoolVar(&cfg.Gzip, "gzip", false, "gzip the objects")
	fs.Float64Var(&cfg.DuplicateRate, "duplicates", cfg.DuplicateRate, "share of records delivered more than once")
	fs.Float64Var(&cfg.MalformedRate, "malformed", cfg.MalformedRate, "share of malformed lines")
	fs.IntVar(&cfg.Workers, "workers", 0, "days generated at once (default: the number of CPUs)")
	fs.StringVar(&endpoint, "s3-endpoint", "", "S3 endpoint URL, for S3-compatible servers (default: $AWS_ENDPOINT_URL_S3)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if out == "" {
		return usageErrorf("--out is required")
	}
	t, err := archive.ParseTime(start)
	if err != nil {
		return usageErrorf("--start: %v", err)
	}
	cfg.Start = t
	var store archive.Store
	if filepath.IsAbs(out) || !isURL(out) {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
	}
	if store, err = archive.OpenStore(ctx, out, archive.S3Options{Endpoint: endpoint}); err != nil {
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
	fmt.Fprintf(io.Out, "Generated %d records (%d authored messages) in %s in %.1fs.\n",
		facts.RecordsRead, cfg.Messages, store.Locate(""), time.Since(began).Seconds())
	fmt.Fprintf(io.Out, "Roster: %s\nFacts:  %s\nRange:  --from %s --to %s\n",
		store.Locate("roster.csv"), store.Locate("facts.json"), cfg.Start.Format(time.DateOnly), end.Format(time.DateOnly))
	return nil
}

func isURL(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == ':' && s[i+1] == '/' && s[i+2] == '/' {
			return true
		}
	}
	return false
}
