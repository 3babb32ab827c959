// Command scaling simulates a sharded run on one machine: for each shard
// count n it runs the n shards of `wiretap run --shard i/n` one after the
// other into a fresh output folder (as n machines would, each alone on its
// CPUs), then `wiretap merge`, and reports what n machines would take and
// cost:
//
//   - max shard wall: the wall time of the n shards run in parallel on n
//     machines like this one; plus the merge, the run's wall time;
//   - total CPU: user + system time of every shard and the merge, what a
//     cloud bill is proportional to;
//   - records read: the sum over the shard manifests; it grows with n
//     because the arrival hours around each block boundary are read by both
//     shards that need them.
//
// It also checks that every n publishes the same summary.json.
//
//	go run ./bench/cmd/scaling --bin bin/wiretap \
//	    --archive ~/.cache/wiretap/bench-archive-m2000000-d28-s1 \
//	    --from 2016-11-07 --to 2016-12-05 --shards 1,2,4
package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is what one process cost.
type proc struct {
	Wall   time.Duration
	CPU    time.Duration // user + system
	MaxRSS int64         // bytes
}

// trial is one sharded run of the range with n shards, merged.
type trial struct {
	N           int
	Shards      []proc
	Merge       proc
	RecordsRead int64
	BytesRead   int64
	Summary     []byte
}

func (t *trial) maxShardWall() time.Duration {
	var m time.Duration
	for _, s := range t.Shards {
		m = max(m, s.Wall)
	}
	return m
}

func (t *trial) sumShardWall() (d time.Duration) {
	for _, s := range t.Shards {
		d += s.Wall
	}
	return d
}

func (t *trial) maxShardCPU() time.Duration {
	var m time.Duration
	for _, s := range t.Shards {
		m = max(m, s.CPU)
	}
	return m
}

func (t *trial) shardCPU() (d time.Duration) {
	for _, s := range t.Shards {
		d += s.CPU
	}
	return d
}

func (t *trial) totalCPU() time.Duration { return t.shardCPU() + t.Merge.CPU }

func (t *trial) maxRSS() int64 {
	m := t.Merge.MaxRSS
	for _, s := range t.Shards {
		m = max(m, s.MaxRSS)
	}
	return m
}

type config struct {
	bin, archive, roster, from, to string
	workers                        int
	verbose                        bool
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "bin/wiretap", "wiretap binary")
	flag.StringVar(&c.archive, "archive", "", "archive folder (required)")
	flag.StringVar(&c.roster, "roster", "", "roster CSV (default: ARCHIVE/roster.csv)")
	flag.StringVar(&c.from, "from", "", "range start (required)")
	flag.StringVar(&c.to, "to", "", "range end (required)")
	shardsFlag := flag.String("shards", "1,2,4", "shard counts to simulate, comma-separated")
	runs := flag.Int("runs", 1, "trials per shard count; the one with the median total CPU is reported")
	flag.IntVar(&c.workers, "workers", 0, "--workers for wiretap run (0: its default, the number of CPUs)")
	flag.BoolVar(&c.verbose, "v", false, "pass wiretap's log lines through")
	flag.Parse()
	if c.archive == "" || c.from == "" || c.to == "" || *runs < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if c.roster == "" {
		c.roster = filepath.Join(c.archive, "roster.csv")
	}
	var counts []int
	for f := range strings.SplitSeq(*shardsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fail(fmt.Errorf("--shards %q: want positive counts such as 1,2,4", *shardsFlag))
		}
		counts = append(counts, n)
	}

	loadBefore := loadavg()
	start := time.Now()
	var results []*trial
	for _, n := range counts {
		var trials []*trial
		for r := range *runs {
			t, err := c.trial(n)
			if err != nil {
				fail(fmt.Errorf("n=%d run %d: %w", n, r+1, err))
			}
			fmt.Fprintf(os.Stderr, "scaling: n=%d run %d: max shard %.2fs, merge %.2fs, CPU %.2fs (load %s)\n",
				n, r+1, t.maxShardWall().Seconds(), t.Merge.Wall.Seconds(), t.totalCPU().Seconds(), loadavg())
			for i, s := range t.Shards {
				fmt.Fprintf(os.Stderr, "scaling:   shard %d/%d: wall %.2fs, CPU %.2fs, peak RSS %.0f MiB\n",
					i, n, s.Wall.Seconds(), s.CPU.Seconds(), float64(s.MaxRSS)/(1<<20))
			}
			trials = append(trials, t)
		}
		slices.SortFunc(trials, func(a, b *trial) int { return cmp.Compare(a.totalCPU(), b.totalCPU()) })
		results = append(results, trials[len(trials)/2])
	}
	for _, t := range results[1:] {
		if !bytes.Equal(t.Summary, results[0].Summary) {
			fail(fmt.Errorf("n=%d published another summary.json than n=%d", t.N, results[0].N))
		}
	}
	report(os.Stdout, c, results, *runs, loadBefore, loadavg(), time.Since(start))
}

// trial runs the range as n shards, one after the other, and merges them.
func (c config) trial(n int) (*trial, error) {
	out, err := os.MkdirTemp("", "wiretap-scaling-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	t := &trial{N: n}
	for i := range n {
		args := []string{"run", "--shard", fmt.Sprintf("%d/%d", i, n), "--source", c.archive, "--roster", c.roster,
			"--from", c.from, "--to", c.to, "--out", out}
		if c.workers > 0 {
			args = append(args, "--workers", strconv.Itoa(c.workers))
		}
		p, err := c.exec(args...)
		if err != nil {
			return nil, fmt.Errorf("shard %d/%d: %w", i, n, err)
		}
		t.Shards = append(t.Shards, p)
	}
	if t.Merge, err = c.exec("merge", "--out", out, "--shards", strconv.Itoa(n)); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	paths, err := filepath.Glob(filepath.Join(out, "_shards", "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) != n {
		return nil, fmt.Errorf("%d shard manifests, want %d", len(paths), n)
	}
	for _, p := range paths {
		var m struct {
			Counts struct {
				BytesRead   int64 `json:"bytes_read"`
				RecordsRead int64 `json:"records_read"`
			} `json:"counts"`
		}
		data, err := os.ReadFile(p)
		if err == nil {
			err = json.Unmarshal(data, &m)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		t.RecordsRead += m.Counts.RecordsRead
		t.BytesRead += m.Counts.BytesRead
	}
	if t.Summary, err = os.ReadFile(filepath.Join(out, "summary.json")); err != nil {
		return nil, err
	}
	return t, nil
}

// exec runs the binary and measures it.
func (c config) exec(args ...string) (proc, error) {
	cmd := exec.Command(c.bin, args...)
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	if c.verbose {
		cmd.Stderr = io.MultiWriter(&stderr, os.Stderr)
	}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return proc{}, fmt.Errorf("%s %s: %w\n%s", c.bin, strings.Join(args, " "), err, tail(stderr.Bytes(), 2000))
	}
	p := proc{Wall: wall, CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		p.MaxRSS = int64(ru.Maxrss) * 1024 // KiB on Linux
	}
	return p, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// loadavg is the first line of /proc/loadavg, or "unknown".
func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func report(w io.Writer, c config, results []*trial, runs int, loadBefore, loadAfter string, took time.Duration) {
	base := results[0]
	fmt.Fprintf(w, "Archive %s, %s to %s; %d CPUs; %s per shard count; load average (1, 5, 15 min) %s before, %s after; %s in all.\n\n",
		c.archive, c.from, c.to, runtime.NumCPU(), plural(runs, "trial"), loadBefore, loadAfter, took.Round(time.Second))
	fmt.Fprintln(w, "| n | max shard wall (s) | merge wall (s) | wall on n machines (s) | sum of shard walls (s) | max shard CPU (s) | total CPU, shards + merge (s) | CPU vs n=1 | records read | read vs n=1 | MB read | peak RSS (MiB) |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, t := range results {
		fmt.Fprintf(w, "| %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f + %.2f = %.2f | %s | %d | %s | %.0f | %.0f |\n",
			t.N, t.maxShardWall().Seconds(), t.Merge.Wall.Seconds(), (t.maxShardWall() + t.Merge.Wall).Seconds(),
			t.sumShardWall().Seconds(), t.maxShardCPU().Seconds(),
			t.shardCPU().Seconds(), t.Merge.CPU.Seconds(), t.totalCPU().Seconds(),
			pct(t.totalCPU().Seconds(), base.totalCPU().Seconds()),
			t.RecordsRead, pct(float64(t.RecordsRead), float64(base.RecordsRead)),
			float64(t.BytesRead)/1e6, float64(t.maxRSS())/(1<<20))
	}
	fmt.Fprintln(w)
	// The archive's size is what n=1 read; what the shards read twice is
	// overhead, so it counts against the throughput, as do the merge's CPU
	// seconds.
	// On a busy machine wall times say more about the neighbours than about
	// wiretap; CPU times hold up better. The CPU-bound estimate assumes each
	// machine has this one's CPUs, all busy.
	cpus := float64(runtime.NumCPU())
	for _, t := range results {
		est := t.maxShardCPU().Seconds()/cpus + t.Merge.CPU.Seconds()
		fmt.Fprintf(w, "n=%d: %.1f MB of archive per CPU-second (shards + merge); wall %.2fx faster than n=%d; "+
			"CPU-bound wall on n idle %g-CPU machines %.1fs (max shard CPU / %g + merge CPU)\n",
			t.N, float64(base.BytesRead)/1e6/t.totalCPU().Seconds(),
			(base.maxShardWall()+base.Merge.Wall).Seconds()/(t.maxShardWall()+t.Merge.Wall).Seconds(), base.N,
			cpus, est, cpus)
	}
	fmt.Fprintln(w, "Every shard count published the same summary.json.")
}

func pct(x, base float64) string {
	if base == 0 {
		return "-"
	}
	return fmt.Sprintf("%+.1f %%", (x/base-1)*100)
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scaling:", err)
	os.Exit(1)
}
