// Command runbench times `wiretap run` end to end: it runs the binary
// several times over an archive and reports, per run and as medians, the
// wall time, MB/s of archive read, records/s, the CPU time and the peak
// resident memory of the process.
//
//	go run ./bench/cmd/runbench --bin bin/wiretap --archive ~/.cache/wiretap/bench-1g \
//	    --from 2016-11-07 --to 2016-12-05 --runs 3
//
// With --s3 it compares reading the same archive from S3 with reading the
// folder: each round runs both, in alternating order, checks that their
// summary.json are byte-identical, and the medians end with the ratio of
// the S3 throughput to the folder's. --s3-pid names the S3 server's process
// (on this machine), whose CPU time is then reported per S3 run, since it
// competes for the same cores.
//
//	go run ./bench/cmd/runbench --bin bin/wiretap --archive ~/.cache/wiretap/bench-1g \
//	    --from 2016-11-07 --to 2016-12-05 --runs 3 \
//	    --s3 s3://wiretap-bench-1g --s3-endpoint http://127.0.0.1:7070 --s3-pid 1234
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
	// CPUSeconds is the run's user and system time.
	CPUSeconds float64 `json:"cpu_s"`
	// ServerCPUSeconds is the S3 server's CPU time during the run; 0 for
	// a folder, or without --s3-pid.
	ServerCPUSeconds float64 `json:"server_cpu_s"`
}

// bench is what every run shares.
type bench struct {
	bin, roster, from, to string
	workers               int
	s3Endpoint            string
	s3PID                 int
}

func main() {
	var b bench
	flag.StringVar(&b.bin, "bin", "bin/wiretap", "wiretap binary")
	archive := flag.String("archive", "", "archive folder (required)")
	flag.StringVar(&b.roster, "roster", "", "roster CSV (default: ARCHIVE/roster.csv)")
	flag.StringVar(&b.from, "from", "", "range start (required)")
	flag.StringVar(&b.to, "to", "", "range end (required)")
	runs := flag.Int("runs", 3, "runs")
	flag.IntVar(&b.workers, "workers", 0, "--workers for wiretap run (0: its default)")
	s3 := flag.String("s3", "", "the same archive as an S3 prefix (s3://bucket/prefix): compare it with the folder")
	flag.StringVar(&b.s3Endpoint, "s3-endpoint", "", "--s3-endpoint for wiretap run")
	flag.IntVar(&b.s3PID, "s3-pid", 0, "process id of the S3 server, to report its CPU time")
	flag.Parse()
	if *archive == "" || b.from == "" || b.to == "" || *runs < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if b.roster == "" {
		b.roster = filepath.Join(*archive, "roster.csv")
	}
	if *s3 == "" {
		var results []result
		for i := range *runs {
			r, _, err := b.run(*archive, false)
			if err != nil {
				fail(fmt.Errorf("run %d: %w", i+1, err))
			}
			fmt.Printf("run %d: %s\n", i+1, r)
			results = append(results, r)
		}
		fmt.Printf("median of %d runs over %.2f GB, %d records: %s\n",
			len(results), float64(results[0].BytesRead)/1e9, results[0].RecordsRead, median(results))
		return
	}
	if err := b.compare(*archive, *s3, *runs); err != nil {
		fail(err)
	}
}

// compare runs the folder and the S3 prefix in turns, the first of each
// round alternating so that neither side always runs on a warmer machine.
func (b bench) compare(dir, s3 string, runs int) error {
	var local, remote []result
	for i := range runs {
		var summaries [2][]byte
		for j := range 2 {
			onS3 := (i+j)%2 == 1
			src, name := dir, "folder"
			if onS3 {
				src, name = s3, "S3"
			}
			r, summary, err := b.run(src, onS3)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", i+1, name, err)
			}
			fmt.Printf("round %d, %-6s %s\n", i+1, name+":", r)
			if onS3 {
				remote, summaries[1] = append(remote, r), summary
			} else {
				local, summaries[0] = append(local, r), summary
			}
		}
		if !bytes.Equal(summaries[0], summaries[1]) {
			return fmt.Errorf("round %d: summary.json from %s differs from the folder's", i+1, s3)
		}
		if local[i].BytesRead != remote[i].BytesRead || local[i].RecordsRead != remote[i].RecordsRead {
			return fmt.Errorf("round %d: %s read %d bytes, %d records; the folder %d bytes, %d records",
				i+1, s3, remote[i].BytesRead, remote[i].RecordsRead, local[i].BytesRead, local[i].RecordsRead)
		}
	}
	ml, mr := median(local), median(remote)
	fmt.Printf("median of %d runs over %.2f GB, %d records (summary.json identical):\n",
		runs, float64(local[0].BytesRead)/1e9, local[0].RecordsRead)
	fmt.Printf("  folder: %s\n  S3:     %s\n", ml, mr)
	fmt.Printf("  S3 throughput / folder throughput: %.0f %% (median of per-round ratios %.0f %%)\n",
		100*mr.MBPerSec/ml.MBPerSec, 100*medianRatio(local, remote))
	return nil
}

// run times one `wiretap run` over src and returns its figures and the
// bytes of its summary.json.
func (b bench) run(src string, onS3 bool) (result, []byte, error) {
	out, err := os.MkdirTemp("", "wiretap-bench-out-")
	if err != nil {
		return result{}, nil, err
	}
	defer os.RemoveAll(out)
	args := []string{"run", "--source", src, "--roster", b.roster, "--from", b.from, "--to", b.to, "--out", out}
	if b.workers > 0 {
		args = append(args, "--workers", strconv.Itoa(b.workers))
	}
	if onS3 && b.s3Endpoint != "" {
		args = append(args, "--s3-endpoint", b.s3Endpoint)
	}
	cmd := exec.Command(b.bin, args...)
	cmd.Stderr = os.Stderr
	var server0 float64
	if onS3 && b.s3PID > 0 {
		if server0, err = processCPU(b.s3PID); err != nil {
			return result{}, nil, err
		}
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return result{}, nil, err
	}
	secs := time.Since(start).Seconds()
	var r result
	if onS3 && b.s3PID > 0 {
		server1, err := processCPU(b.s3PID)
		if err != nil {
			return result{}, nil, err
		}
		r.ServerCPUSeconds = server1 - server0
	}
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
		return result{}, nil, err
	}
	summary, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		return result{}, nil, err
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	r.Seconds = secs
	r.MBPerSec = float64(m.Counts.BytesRead) / 1e6 / secs
	r.RecordsPerS = float64(m.Counts.RecordsRead) / secs
	// Maxrss is in KiB on Linux.
	r.PeakRSSMiB = float64(ru.Maxrss) / 1024
	r.BytesRead, r.RecordsRead = m.Counts.BytesRead, m.Counts.RecordsRead
	r.CPUSeconds = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return r, summary, nil
}

func (r result) String() string {
	s := fmt.Sprintf("%.2fs  %.1f MB/s  %.0f records/s  CPU %.1fs  peak RSS %.0f MiB",
		r.Seconds, r.MBPerSec, r.RecordsPerS, r.CPUSeconds, r.PeakRSSMiB)
	if r.ServerCPUSeconds > 0 {
		s += fmt.Sprintf("  S3 server CPU %.1fs", r.ServerCPUSeconds)
	}
	return s
}

// median is the per-figure median of results (each figure on its own).
func median(results []result) result {
	med := func(f func(result) float64) float64 {
		xs := make([]float64, len(results))
		for i, r := range results {
			xs[i] = f(r)
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	return result{
		Seconds:          med(func(r result) float64 { return r.Seconds }),
		MBPerSec:         med(func(r result) float64 { return r.MBPerSec }),
		RecordsPerS:      med(func(r result) float64 { return r.RecordsPerS }),
		PeakRSSMiB:       med(func(r result) float64 { return r.PeakRSSMiB }),
		CPUSeconds:       med(func(r result) float64 { return r.CPUSeconds }),
		ServerCPUSeconds: med(func(r result) float64 { return r.ServerCPUSeconds }),
		BytesRead:        results[0].BytesRead,
		RecordsRead:      results[0].RecordsRead,
	}
}

// medianRatio is the median over rounds of S3 MB/s over folder MB/s: a
// round's two runs share the machine's load, so their ratio is steadier
// than the ratio of medians on a shared machine.
func medianRatio(local, remote []result) float64 {
	xs := make([]float64, len(local))
	for i := range local {
		xs[i] = remote[i].MBPerSec / local[i].MBPerSec
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// processCPU is the user and system time a process has used so far, from
// /proc/PID/stat (Linux).
func processCPU(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("S3 server CPU time: %w", err)
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("S3 server CPU time: unexpected /proc/PID/stat")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("S3 server CPU time: unexpected /proc/PID/stat")
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("S3 server CPU time: %w", err)
	}
	// Clock ticks; USER_HZ is 100 on every Linux that Go supports.
	return (utime + stime) / 100, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "runbench:", err)
	os.Exit(1)
}
