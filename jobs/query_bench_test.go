//go:build unix

package jobs_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// yearConfig is the archive behind BenchmarkQueryYear: a year of daily
// traffic, about 800 authored messages a day from 1,500 people in five
// offices, with the default noise.
func yearConfig() generator.Config {
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
		aggregate.ChannelUserRow{}, aggregate.TopicRow{}, aggregate.ActivityRow{}} {
		fmt.Fprintln(h, parquet.SchemaOf(row))
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// yearOutputs is the output folder of one run over yearConfig's archive,
// made once per machine: it is cached under the temporary folder, keyed by
// the config, the engine version and the tables' schemas, and reused by later benchmark
// processes (generating and running takes a minute or more).
var yearOutputs = sync.OnceValues(func() (string, error) {
	cfg := yearConfig()
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
	archive := filepath.Join(root, "archive")
	ctx := context.Background()
	facts, err := generator.Generate(ctx, cfg, pipeline.Dir{Root: archive})
	if err != nil {
		return "", err
	}
	roster := filepath.Join(archive, "roster.csv")
	if err := os.WriteFile(roster, facts.RosterCSV(), 0o644); err != nil {
		return "", err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	if _, err := jobs.Run(ctx, jobs.RunOptions{
		Source: archive, Out: out, Roster: roster, From: facts.Start, To: facts.End,
		MaxBadRatio: jobs.DefaultMaxBadRatio,
	}); err != nil {
		return "", err
	}
	// The archive is not needed again; the partitions are what is timed.
	if err := os.RemoveAll(archive); err != nil {
		return "", err
	}
	return out, os.WriteFile(done, nil, 0o644)
})

// BenchmarkQueryYear times `wiretap query` over a year of daily partitions:
// reading 365 days of six Parquet tables, merging them and summarising the
// year, exactly as the command does. The partitions are written once (see
// yearOutputs); only Query is timed.
func BenchmarkQueryYear(b *testing.B) {
	if testing.Short() {
		b.Skip("writes a year of partitions; skipped with -short")
	}
	out, err := yearOutputs()
	if err != nil {
		b.Fatal(err)
	}
	cfg := yearConfig()
	from := cfg.Start
	to := from.AddDate(0, 0, cfg.Days)
	ctx := context.Background()
	var days int
	cpu0 := cpuTime()
	for b.Loop() {
		res, err := jobs.Query(ctx, jobs.QueryOptions{Out: out, From: from, To: to})
		if err != nil {
			b.Fatal(err)
		}
		days = len(res.Days)
	}
	if days != cfg.Days {
		b.Fatalf("query answered %d days, want %d", days, cfg.Days)
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(days)*float64(b.N)/b.Elapsed().Seconds(), "days/s")
	// CPU time (user + system, every thread) says what the query costs when
	// the machine is shared and wall time says little.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}
