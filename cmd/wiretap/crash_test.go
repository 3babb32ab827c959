package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// Crash safety: a run killed with SIGKILL at any point leaves no partial
// file at a final path, and a rerun produces outputs identical to an
// uninterrupted run's.
//
// Final paths are everything in the output folder but the staging folders
// (.staging-*, where a run writes before it publishes by rename) and the
// temporary files of archive.WriteFileAtomic (.tmp-*). Since the same
// input gives byte-identical Parquet and summary files (architecture
// invariant 6), every file visible at a final path, at any moment, must be
// the reference run's file byte for byte (manifest.json, which has wall-clock
// values, must be a complete manifest): a stronger check than "it parses",
// which is checked too.
//
// A killed run cannot clean up its staging folder; the next run removes
// the staging folders whose owner process is gone (output.NewLocalOutput),
// so after the final run none is left.

// buildWiretap builds this command into a temporary folder.
func buildWiretap(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "wiretap")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// snapshot reads every file at a final path below root, by slash path.
// Files that vanish while it reads (a partition swapped by rename) are left
// out: gone is not partial.
func snapshot(root string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && strings.HasPrefix(name, ".staging-") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(name, ".tmp-") {
			return nil
		}
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	return files, err
}

// checkComplete returns what is wrong with the files visible at final
// paths, compared with the reference run's.
func checkComplete(files, ref map[string][]byte) []string {
	var errs []string
	for name, data := range files {
		switch {
		case strings.HasSuffix(name, ".parquet"):
			if _, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data))); err != nil {
				errs = append(errs, fmt.Sprintf("%s (%d bytes) is not a readable Parquet file: %v", name, len(data), err))
			}
		case strings.HasSuffix(name, ".json"):
			if !json.Valid(data) {
				errs = append(errs, fmt.Sprintf("%s (%d bytes) is not valid JSON", name, len(data)))
			}
		case strings.HasSuffix(name, ".ndjson"):
			for l := range bytes.Lines(data) {
				if !json.Valid(l) || !bytes.HasSuffix(l, []byte("\n")) {
					errs = append(errs, fmt.Sprintf("%s has an incomplete line: %.80q", name, l))
					break
				}
			}
		}
		switch {
		case name == output.ManifestName:
			var m struct {
				Counts struct {
					RecordsRead int64 `json:"records_read"`
				} `json:"counts"`
				Partitions []string `json:"partitions"`
			}
			if err := json.Unmarshal(data, &m); err != nil || m.Counts.RecordsRead == 0 || len(m.Partitions) == 0 {
				errs = append(errs, fmt.Sprintf("%s is not a complete manifest: %v", name, err))
			}
		case strings.HasPrefix(name, "_state/"):
			// The failure note of a run that failed: a killed run writes
			// none, and a finished one removes it.
			errs = append(errs, fmt.Sprintf("%s: a run failed rather than being killed", name))
		case ref[name] == nil:
			errs = append(errs, fmt.Sprintf("%s is not an output of the reference run", name))
		case !bytes.Equal(data, ref[name]):
			errs = append(errs, fmt.Sprintf("%s (%d bytes) differs from the reference run's (%d bytes)", name, len(data), len(ref[name])))
		}
	}
	return errs
}

func stagingDirs(t *testing.T, root string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(root, ".staging-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// watch checks the final paths below root every few milliseconds until
// stop is closed, and returns the problems it saw and how many times it
// looked.
func watch(root string, ref map[string][]byte, stop <-chan struct{}) (problems []string, looks int) {
	seen := map[string]bool{}
	for {
		files, err := snapshot(root)
		looks++
		if err != nil {
			problems = append(problems, err.Error())
		}
		for _, p := range checkComplete(files, ref) {
			if !seen[p] {
				seen[p] = true
				problems = append(problems, p)
			}
		}
		select {
		case <-stop:
			return problems, looks
		case <-time.After(3 * time.Millisecond):
		}
	}
}

// killInCommit, as runWiretap's killAfter, kills the run as soon as its
// Commit has begun.
const killInCommit = -2

// runWiretap starts a run into out, and kills it with SIGKILL after
// killAfter unless it is negative (see also killInCommit). It reports
// whether the run was killed (rather than finishing first) and what the
// watcher saw meanwhile.
func runWiretap(t *testing.T, bin string, args []string, out string, ref map[string][]byte, killAfter time.Duration) (killed bool, problems []string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stderr = &stderr
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var looks int
	if ref != nil {
		wg.Go(func() { problems, looks = watch(out, ref, stop) })
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	switch {
	case killAfter == killInCommit:
		// Spin until the run has begun to swap partitions in (it has
		// made staging/.old), then kill it: Commit takes about a
		// millisecond, too short a target for a random delay.
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				dirs, _ := filepath.Glob(filepath.Join(out, ".staging-*", ".old"))
				for _, d := range dirs {
					if owner, err := os.ReadFile(filepath.Join(filepath.Dir(d), ".owner")); err == nil &&
						strings.HasSuffix(string(owner), fmt.Sprintf(" %d\n", cmd.Process.Pid)) {
						_ = cmd.Process.Signal(syscall.SIGKILL)
						return
					}
				}
			}
		})
	case killAfter >= 0:
		timer := time.AfterFunc(killAfter, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	}
	err := cmd.Wait()
	close(stop)
	wg.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
		killed = true
	default:
		t.Fatalf("wiretap %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	if ref != nil && looks < 2 {
		t.Logf("the watcher looked only %d times", looks)
	}
	// One last look, once the process is gone.
	files, err := snapshot(out)
	if err != nil {
		t.Fatal(err)
	}
	return killed, append(problems, checkComplete(files, ref)...)
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it a dozen times")
	}
	bin := buildWiretap(t)

	archiveDir := t.TempDir()
	cfg := generator.DefaultConfig()
	cfg.Messages, cfg.Days, cfg.Users = 30_000, 5, 120
	cfg.ObjectRecords = 500 // more objects, more steps to be killed between
	facts, err := generator.Generate(context.Background(), cfg, archive.Dir{Root: archiveDir})
	if err != nil {
		t.Fatal(err)
	}
	roster := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(roster, facts.RosterCSV(), 0o644); err != nil {
		t.Fatal(err)
	}
	args := func(out string) []string {
		return []string{"run", "--source", archiveDir, "--roster", roster,
			"--from", facts.Start.Format(time.DateOnly), "--to", facts.End.Format(time.DateOnly),
			"--out", out, "--max-bad-ratio", "-1"}
	}

	// The reference: an uninterrupted run into a fresh folder.
	refOut := t.TempDir()
	start := time.Now()
	runWiretap(t, bin, args(refOut), refOut, nil, -1)
	runtime := time.Since(start)
	ref, err := snapshot(refOut)
	if err != nil {
		t.Fatal(err)
	}
	if len(ref) < 2+5*5 || ref[output.ManifestName] == nil {
		t.Fatalf("reference run wrote only %d files", len(ref))
	}
	if s := stagingDirs(t, refOut); len(s) > 0 {
		t.Fatalf("a finished run left %v", s)
	}
	t.Logf("reference run: %v, %d files", runtime.Round(time.Millisecond), len(ref))

	// Kill runs at random points, into the same folder each time, so
	// that later runs replace what earlier ones published.
	out := t.TempDir()
	rng := rand.New(rand.NewPCG(20161118, 6))
	const iterations = 8
	kills := 0
	for i := range iterations {
		// Runs 1 and 5 are killed near their end, runs 3 and 7 in
		// Commit, the others at a random point.
		delay := time.Duration(rng.Int64N(int64(runtime)))
		switch i % 4 {
		case 1:
			delay = runtime*8/10 + time.Duration(rng.Int64N(int64(runtime/4)))
		case 3:
			delay = killInCommit
		}
		killed, problems := runWiretap(t, bin, args(out), out, ref, delay)
		for _, p := range problems {
			t.Errorf("run %d (kill after %v): %s", i, delay, p)
		}
		files, _ := snapshot(out)
		inCommit := false
		for _, d := range stagingDirs(t, out) {
			if _, err := os.Stat(filepath.Join(d, ".old")); err == nil {
				inCommit = true // it had begun to swap partitions
			}
		}
		if killed {
			kills++
		}
		what := fmt.Sprint("kill after ", delay.Round(time.Millisecond))
		if delay == killInCommit {
			what = "kill in Commit"
		}
		t.Logf("run %d: %s: killed %v (in Commit: %v), %d files published, staging folders %d",
			i, what, killed, inCommit, len(files), len(stagingDirs(t, out)))
		// A new run removes the staging folders of killed ones: at most
		// the last run's is left (and one of the run before, if the last
		// was killed before it got as far as opening its output).
		if s := stagingDirs(t, out); len(s) > 2 {
			t.Errorf("run %d: %d staging folders pile up: %v", i, len(s), s)
		}
	}
	if kills < iterations/2 {
		t.Errorf("only %d of %d runs were killed before they finished", kills, iterations)
	}

	// Run to completion: the outputs are the reference's, and nothing of
	// the killed runs is left.
	_, problems := runWiretap(t, bin, args(out), out, ref, -1)
	for _, p := range problems {
		t.Errorf("final run: %s", p)
	}
	got, err := snapshot(out)
	if err != nil {
		t.Fatal(err)
	}
	for name := range ref {
		if got[name] == nil {
			t.Errorf("final run did not publish %s", name)
		}
	}
	if len(got) != len(ref) {
		t.Errorf("final run has %d files, the reference %d", len(got), len(ref))
	}
	if s := stagingDirs(t, out); len(s) > 0 {
		t.Errorf("staging folders left after the final run: %v", s)
	}
}

// TestStaleStagingRemoved checks what a new LocalOutput does with staging
// folders it finds: it removes those whose owner process is gone, first
// putting back a partition that a killed Commit had moved aside; it leaves
// alone those of live processes, of other hosts, and without an owner.
func TestStaleStagingRemoved(t *testing.T) {
	// A process that has exited: its pid is free.
	dead := exec.Command(os.Args[0], "-test.run=^$")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := dead.Process.Pid
	host, _ := os.Hostname()

	root := t.TempDir()
	write := func(rel, data string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	owner := func(h string, pid int) string { return fmt.Sprintf("%s %d\n", h, pid) }
	// Killed in Commit: offices moved aside, not replaced; users replaced.
	write(".staging-dead/.owner", owner(host, deadPID))
	write(".staging-dead/.old/offices/date=2016-11-18/part-0.parquet", "published offices")
	write(".staging-dead/.old/users/date=2016-11-18/part-0.parquet", "old users")
	write(".staging-dead/topics/date=2016-11-18/part-0.parquet", "staged, never published")
	write("users/date=2016-11-18/part-0.parquet", "new users")
	write(".staging-live/.owner", owner(host, os.Getpid()))
	write(".staging-elsewhere/.owner", owner("another-host", deadPID))
	write(".staging-unowned/summary.json", "{}")

	o, err := output.NewLocalOutput(root)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Abort()

	for rel, want := range map[string]string{
		"offices/date=2016-11-18/part-0.parquet": "published offices",
		"users/date=2016-11-18/part-0.parquet":   "new users",
	} {
		if got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel))); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", rel, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "topics")); err == nil {
		t.Error("a staged partition of the dead run was published")
	}
	for name, kept := range map[string]bool{".staging-dead": false, ".staging-live": true,
		".staging-elsewhere": true, ".staging-unowned": true} {
		if _, err := os.Stat(filepath.Join(root, name)); (err == nil) != kept {
			t.Errorf("%s: kept %v, want %v", name, err == nil, kept)
		}
	}
	// The new output's own staging folder names its owner.
	mine := 0
	for _, d := range stagingDirs(t, root) {
		data, err := os.ReadFile(filepath.Join(d, ".owner"))
		if err == nil && string(data) == owner(host, os.Getpid()) && filepath.Base(d) != ".staging-live" {
			mine++
		}
	}
	if mine != 1 {
		t.Errorf("%d staging folders owned by this process, want 1", mine)
	}
}
