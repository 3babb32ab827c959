package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// sample is one timed child process.
type sample struct {
	seconds, rssMiB float64
}

// measure runs cmd and returns its wall time and peak RSS.
func measure(cmd *exec.Cmd) (sample, error) {
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%s: %w", strings.Join(cmd.Args, " "), err)
	}
	secs := time.Since(start).Seconds()
	// Maxrss is in KiB on Linux.
	return sample{secs, float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024}, nil
}

func median(xs []sample, f func(sample) float64) float64 {
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	slices.Sort(v)
	if len(v)%2 == 0 {
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[len(v)/2]
}

// counts are the manifest counts compare reads.
type counts = pipeline.Counts

func readCounts(out string) (counts, error) {
	var m jobs.Manifest
	err := readJSON(filepath.Join(out, output.ManifestName), &m)
	return m.Counts, err
}

func compareCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("duckbench compare", flag.ContinueOnError)
	var r rangeFlags
	r.bind(fs)
	bin := fs.String("bin", "bin/wiretap", "wiretap binary")
	roster := fs.String("roster", "", "roster CSV (default: ARCHIVE/roster.csv)")
	runs := fs.Int("runs", 3, "rounds; each runs wiretap and every query once, in an order that rotates")
	workers := fs.Int("workers", 0, "--workers for wiretap run (0: its default)")
	name := fs.String("name", "", "what the table calls the archive (default: its folder name)")
	check := fs.Bool("check", true, "check the first wiretap run's tables against its summary.json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files, err := r.files()
	if err != nil {
		return err
	}
	if *roster == "" {
		*roster = filepath.Join(r.archive, "roster.csv")
	}
	if *name == "" {
		*name = filepath.Base(r.archive)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var fileBytes int64
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return err
		}
		fileBytes += st.Size()
	}

	// The contenders of a round: wiretap first, then the queries; each
	// round starts one further along, so that none always runs first on a
	// cold page cache or last on a warm one.
	contenders := append([]string{"wiretap"}, Queries...)
	samples := map[string][]sample{}
	answers := map[string]*Answer{}
	var wc counts
	for round := range *runs {
		for k := range contenders {
			c := contenders[(round+k)%len(contenders)]
			var cmd *exec.Cmd
			var out string
			var stdout strings.Builder
			if c == "wiretap" {
				if out, err = os.MkdirTemp("", "duckbench-out-"); err != nil {
					return err
				}
				a := []string{"run", "--source", r.archive, "--roster", *roster, "--from", r.from, "--to", r.to,
					"--out", out, "--margin", r.margin.String()}
				if *workers > 0 {
					a = append(a, "--workers", strconv.Itoa(*workers))
				}
				cmd = exec.CommandContext(ctx, *bin, a...)
				cmd.Stdout = io.Discard
			} else {
				cmd = exec.CommandContext(ctx, self, "query", "--q", c, "--archive", r.archive, "--stream", r.stream,
					"--from", r.from, "--to", r.to, "--look-behind", r.lookBehind.String(), "--margin", r.margin.String(),
					"--threads", strconv.Itoa(r.threads))
				cmd.Stdout = &stdout
			}
			cmd.Stderr = os.Stderr
			s, err := measure(cmd)
			if err != nil {
				return err
			}
			samples[c] = append(samples[c], s)
			if c == "wiretap" {
				if wc, err = readCounts(out); err != nil {
					return err
				}
				if round == 0 && *check {
					if err := checkOut(ctx, out, os.Stdout); err != nil {
						return fmt.Errorf("check of wiretap's tables: %w", err)
					}
				}
				os.RemoveAll(out)
			} else {
				var a Answer
				if err := json.Unmarshal([]byte(stdout.String()), &a); err != nil {
					return fmt.Errorf("answer of query %s: %w", c, err)
				}
				if prev, ok := answers[c]; ok && (prev.Groups != a.Groups || prev.TopWordsN != a.TopWordsN) {
					return fmt.Errorf("query %s answered %+v, then %+v", c, *prev, a)
				}
				answers[c] = &a
			}
			fmt.Fprintf(os.Stderr, "round %d: %-7s %.2fs, peak RSS %.0f MiB\n", round+1, c, s.seconds, s.rssMiB)
		}
	}
	if wc.BytesRead != fileBytes {
		return fmt.Errorf("wiretap read %d bytes, DuckDB was given %d: not the same objects", wc.BytesRead, fileBytes)
	}
	printTable(os.Stdout, *name, r.threads, *runs, len(files), wc, samples, answers)
	return nil
}

// printTable prints the side-by-side medians: per query, wiretap run's
// against DuckDB's. Both rates divide the same bytes and records (those of
// the objects both read), so they compare as the wall times do.
func printTable(w io.Writer, name string, threads, runs, files int, wc counts, samples map[string][]sample, answers map[string]*Answer) {
	secs := func(s sample) float64 { return s.seconds }
	rss := func(s sample) float64 { return s.rssMiB }
	wt := samples["wiretap"]
	wSecs, wRSS := median(wt, secs), median(wt, rss)
	fmt.Fprintf(w, "\n%s: %.3f GB in %d objects, %d records; medians of %d alternating rounds; DuckDB threads %d\n",
		name, float64(wc.BytesRead)/1e9, files, wc.RecordsRead, runs, threads)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pair\twiretap s\tduckdb s\tratio\twiretap MB/s\tduckdb MB/s\twiretap rec/s\tduckdb rec/s\twiretap RSS MiB\tduckdb RSS MiB\t")
	for _, q := range Queries {
		d := samples[q]
		dSecs := median(d, secs)
		mb, rec := float64(wc.BytesRead)/1e6, float64(wc.RecordsRead)
		fmt.Fprintf(tw, "run vs (%s)\t%.2f\t%.2f\t%.2fx\t%.1f\t%.1f\t%.0f\t%.0f\t%.0f\t%.0f\t\n",
			q, wSecs, dSecs, wSecs/dSecs, mb/wSecs, mb/dSecs, rec/wSecs, rec/dSecs, wRSS, median(d, rss))
	}
	tw.Flush()
	for _, q := range Queries {
		if a := answers[q]; a != nil {
			fmt.Fprintf(w, "  (%s) answered: %d user-channel groups over %d messages; top %d words, %d occurrences, first %q\n",
				q, a.Groups, a.Messages, a.TopWords, a.TopWordsN, a.FirstWord)
		}
	}
	fmt.Fprintln(w, "  ratio = wiretap run's wall time / DuckDB's; below 1.00x Wiretap is faster")
}
