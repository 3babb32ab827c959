//go:build unix

package jobs_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/jobs"

	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/internal/testutil/yearout"
)

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkQueryYear times `wiretap query` over a year of daily partitions:
// reading 365 days of six Parquet tables, merging them and summarising the
// year, exactly as the command does. The partitions are written once (see
// yearOutputs); only Query is timed.
func BenchmarkQueryYear(b *testing.B) {
	if testing.Short() {
		b.Skip("writes a year of partitions; skipped with -short")
	}
	out, err := yearout.Outputs()
	if err != nil {
		b.Fatal(err)
	}
	cfg := yearout.Config()
	from := cfg.Start
	to := from.AddDate(0, 0, cfg.Days)
	ctx := context.Background()
	var days int
	cpu0 := cpuTime()
	for b.Loop() {
		res, err := jobs.Query(ctx, jobs.QueryOptions{Out: loctest.Parse(b, out), From: from, To: to})
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
