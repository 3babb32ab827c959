// Command benchgen writes a synthetic Wiretap archive with planted facts
// (see package bench) to a local folder, with its Facts and roster beside it.
//
//	go run ./bench/cmd/benchgen -out /tmp/archive -mb 1000
//
// The Facts go to <out>/facts.json and the roster to <out>/roster.csv unless
// -facts and -roster say otherwise; neither is under an hour prefix, so a
// run over the archive does not see them.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"time"

	"github.com/wiretap-hq/wiretap/bench"
	"github.com/wiretap-hq/wiretap/pipeline"
)

// bytesPerMessage is the NDJSON size of the archive per authored message
// with the default rates (noise, bots, reactions and envelopes included),
// measured; -mb uses it to size the archive.
const bytesPerMessage = 470

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg := bench.DefaultConfig()
	var (
		out, factsPath, rosterPath, start string
		mb                                float64
	)
	flag.StringVar(&out, "out", "", "folder to write the archive to (required)")
	flag.Int64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	flag.IntVar(&cfg.Messages, "messages", cfg.Messages, "unique authored messages")
	flag.Float64Var(&mb, "mb", 0, "approximate archive size in MB (1e6 bytes) of NDJSON; overrides -messages")
	flag.IntVar(&cfg.Days, "days", cfg.Days, "number of days")
	flag.StringVar(&start, "start", cfg.Start.Format(time.DateOnly), "first day, YYYY-MM-DD (UTC)")
	flag.BoolVar(&cfg.Gzip, "gzip", false, "write .gz objects")
	flag.StringVar(&cfg.Prefix, "prefix", "", `custom key prefix before the hour prefix, e.g. "slack/"`)
	flag.StringVar(&cfg.Stream, "stream", cfg.Stream, "Firehose delivery stream name")
	flag.IntVar(&cfg.ObjectRecords, "object-records", cfg.ObjectRecords, "records per object before Firehose flushes")
	flag.IntVar(&cfg.Workers, "workers", runtime.GOMAXPROCS(0), "days generated at once")
	flag.StringVar(&factsPath, "facts", "", "where to write the Facts JSON (default <out>/facts.json)")
	flag.StringVar(&rosterPath, "roster", "", "where to write the roster CSV (default <out>/roster.csv)")
	flag.Parse()
	if out == "" || flag.NArg() > 0 {
		flag.Usage()
		return errors.New("-out is required and no arguments are taken")
	}
	t, err := time.Parse(time.DateOnly, start)
	if err != nil {
		return fmt.Errorf("-start: %w", err)
	}
	cfg.Start = t
	if mb > 0 {
		cfg.Messages = int(mb * 1e6 / bytesPerMessage)
		cfg.Users = 0
	}
	if factsPath == "" {
		factsPath = filepath.Join(out, "facts.json")
	}
	if rosterPath == "" {
		rosterPath = filepath.Join(out, "roster.csv")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	began := time.Now()
	f, err := bench.Generate(ctx, cfg, pipeline.Dir{Root: out})
	if err != nil {
		return err
	}
	took := time.Since(began)
	js, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(factsPath), 0o755); err != nil {
		return err
	}
	if err := pipeline.WriteFileAtomic(factsPath, append(js, '\n')); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(rosterPath), 0o755); err != nil {
		return err
	}
	if err := pipeline.WriteFileAtomic(rosterPath, f.RosterCSV()); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d objects, %.1f MB NDJSON (%.1f MB stored), %d records, %d authored messages in range, in %v (%.1f MB/s)\n",
		f.ObjectsWritten, float64(f.NDJSONBytes)/1e6, float64(f.BytesWritten)/1e6, f.RecordsWritten, f.Authored,
		took.Round(time.Millisecond), float64(f.NDJSONBytes)/1e6/took.Seconds())
	fmt.Fprintf(os.Stderr, "planted: positive office %s, topic %q in %s, most mentioned %s\nfacts: %s\nroster: %s\n",
		f.PositiveOffice, f.Topic, f.TopicOffice, f.MostMentionedUser, factsPath, rosterPath)
	return nil
}
