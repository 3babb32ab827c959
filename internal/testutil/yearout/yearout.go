// Package yearout makes, once per machine, the outputs of a run over a
// year of generated daily traffic, for the benchmarks that answer from a
// year of daily partitions (query, the dashboard, the slash command).
package yearout

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// Config is the archive behind the year benchmarks: a year of daily
// traffic, about 800 authored messages a day from 1,500 people in five
// offices, with the default noise.
func Config() generator.Config {
	cfg := generator.DefaultConfig()
	cfg.Messages = 300_000
	cfg.Days = 365
	cfg.Start = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg.Users = 1500
	cfg.Channels = 40
	return cfg
}

// schemaHash fingerprints the tables' Parquet schemas, so that cached
// partitions written by an older engine are not read by a newer one.
func schemaHash() string {
	h := fnv.New64a()
	for _, row := range []any{aggregate.OfficeRow{}, aggregate.UserRow{}, aggregate.ChannelRow{},
		aggregate.ChannelUserRow{}, aggregate.TopicRow{}, aggregate.ActivityRow{}, aggregate.ReactionRow{}} {
		fmt.Fprintln(h, parquet.SchemaOf(row))
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// Outputs returns the output folder of one run over yearConfig's archive,
// made once per machine: it is cached under the temporary folder, keyed by
// the config, the engine version and the tables' schemas, and reused by later benchmark
// processes (generating and running takes a minute or more).
var Outputs = sync.OnceValues(func() (string, error) {
	cfg := Config()
	key := fmt.Sprintf("wiretap-query-year-%s-m%d-d%d-u%d-c%d-s%d-%s-%s",
		jobs.Version, cfg.Messages, cfg.Days, cfg.Users, cfg.Channels, cfg.Seed, cfg.Start.Format("20060102"), schemaHash())
	root := filepath.Join(os.TempDir(), key)
	out := filepath.Join(root, "out")
	done := filepath.Join(root, ".complete")
	if _, err := os.Stat(done); err == nil {
		return out, nil
	}
	if err := os.RemoveAll(root); err != nil {
		return "", err
	}
	archiveLoc := filepath.Join(root, "archive")
	ctx := context.Background()
	facts, err := generator.Generate(ctx, cfg, archive.Dir{Root: archiveLoc})
	if err != nil {
		return "", err
	}
	roster := filepath.Join(archiveLoc, "roster.csv")
	if err := os.WriteFile(roster, facts.RosterCSV(), 0o644); err != nil {
		return "", err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	if _, err := jobs.Run(ctx, jobs.RunOptions{
		Source: archive.LocalLocation(archiveLoc), Out: archive.LocalLocation(out), Roster: archive.LocalLocation(roster), From: facts.Start, To: facts.End,
		MaxBadRatio: jobs.DefaultMaxBadRatio,
	}); err != nil {
		return "", err
	}
	// The archive is not needed again; the partitions are what is timed.
	if err := os.RemoveAll(archiveLoc); err != nil {
		return "", err
	}
	return out, os.WriteFile(done, nil, 0o644)
})
