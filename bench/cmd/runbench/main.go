// Command runbench times `wiretap run` end to end: it runs the binary
// several times over an archive and reports, per run and as medians, the
// wall time, MB/s of archive read, records/s and the peak resident memory
// of the process.
//
//	go run ./bench/cmd/runbench --bin bin/wiretap --archive ~/.cache/wiretap/bench-1g \
//	    --from 2016-11-07 --to 2016-12-05 --runs 3
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

type result struct {
	Seconds     float64 `json:"seconds"`
	MBPerSec    float64 `json:"mb_per_s"`
	RecordsPerS float64 `json:"records_per_s"`
	PeakRSSMiB  float64 `json:"peak_rss_mib"`
	BytesRead   int64   `json:"bytes_read"`
	RecordsRead int64   `json:"records_read"`
}

func main() {
	bin := flag.String("bin", "bin/wiretap", "wiretap binary")
	archive := flag.String("archive", "", "archive folder (required)")
	roster := flag.String("roster", "", "roster CSV (default: ARCHIVE/roster.csv)")
	from := flag.String("from", "", "range start (required)")
	to := flag.String("to", "", "range end (required)")
	runs := flag.Int("runs", 3, "runs")
	workers := flag.Int("workers", 0, "--workers for wiretap run (0: its default)")
	flag.Parse()
	if *archive == "" || *from == "" || *to == "" {
		flag.Usage()
		os.Exit(2)
	}
	if *roster == "" {
		*roster = filepath.Join(*archive, "roster.csv")
	}
	var results []result
	for i := range *runs {
		out, err := os.MkdirTemp("", "wiretap-bench-out-")
		if err != nil {
			fail(err)
		}
		args := []string{"run", "--source", *archive, "--roster", *roster, "--from", *from, "--to", *to, "--out", out}
		if *workers > 0 {
			args = append(args, "--workers", fmt.Sprint(*workers))
		}
		cmd := exec.Command(*bin, args...)
		cmd.Stderr = os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fail(fmt.Errorf("run %d: %w", i+1, err))
		}
		secs := time.Since(start).Seconds()
		var m struct {
			Counts struct {
				BytesRead   int64 `json:"bytes_read"`
				RecordsRead int64 `json:"records_read"`
			} `json:"counts"`
		}
		data, err := os.ReadFile(filepath.Join(out, "manifest.json"))
		if err == nil {
			err = json.Unmarshal(data, &m)
		}
		if err != nil {
			fail(err)
		}
		os.RemoveAll(out)
		// Maxrss is in KiB on Linux.
		rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
		r := result{
			Seconds: secs, MBPerSec: float64(m.Counts.BytesRead) / 1e6 / secs,
			RecordsPerS: float64(m.Counts.RecordsRead) / secs, PeakRSSMiB: rss,
			BytesRead: m.Counts.BytesRead, RecordsRead: m.Counts.RecordsRead,
		}
		fmt.Printf("run %d: %.2fs  %.1f MB/s  %.0f records/s  peak RSS %.0f MiB\n",
			i+1, r.Seconds, r.MBPerSec, r.RecordsPerS, r.PeakRSSMiB)
		results = append(results, r)
	}
	med := func(f func(result) float64) float64 {
		xs := make([]float64, len(results))
		for i, r := range results {
			xs[i] = f(r)
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	fmt.Printf("median of %d runs over %.2f GB, %d records: %.2fs  %.1f MB/s  %.0f records/s  peak RSS %.0f MiB\n",
		len(results), float64(results[0].BytesRead)/1e9, results[0].RecordsRead,
		med(func(r result) float64 { return r.Seconds }), med(func(r result) float64 { return r.MBPerSec }),
		med(func(r result) float64 { return r.RecordsPerS }), med(func(r result) float64 { return r.PeakRSSMiB }))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "runbench:", err)
	os.Exit(1)
}
