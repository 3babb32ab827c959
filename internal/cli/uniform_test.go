package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/wiretap-hq/wiretap/internal/testutil/golden"
	"github.com/wiretap-hq/wiretap/jobs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestHelpGolden keeps every command's --help in testdata/help/, so that a
// change of a flag's name, default or wording is a reviewed diff: the flags
// run and nightly share must read the same in both.
func TestHelpGolden(t *testing.T) {
	for _, c := range commands() {
		args := []string{c.name, "--help"}
		if c.name == "ingest" {
			args = []string{"ingest", "serve", "--help"}
		}
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runMain(t, args...)
			if code != ExitOK || stdout != "" {
				t.Fatalf("exit %d, stdout %q: help goes to stderr and exits 0", code, stdout)
			}
			golden.Check(t, filepath.Join("testdata", "help", c.name+".txt"), []byte(stderr), *update)
		})
	}
}

// TestHelpSaysBothLocations checks that every location flag that takes
// both a folder and S3 says so, rather than "output folder".
func TestHelpSaysBothLocations(t *testing.T) {
	for _, c := range commands() {
		args := []string{c.name, "--help"}
		if c.name == "ingest" {
			args = []string{"ingest", "serve", "--help"}
		}
		_, _, help := runMain(t, args...)
		for _, name := range []string{"-source", "-out", "-archive"} {
			i := strings.Index(help, "\n  "+name+" ")
			if i < 0 {
				continue
			}
			usage, _, _ := strings.Cut(help[i+1:], "\n  -")
			if c.name != "report" || name != "-out" || !strings.Contains(usage, "HTML") {
				if !strings.Contains(usage, "s3://") {
					t.Errorf("wiretap %s %s does not say it takes s3:// locations:\n%s", c.name, name, usage)
				}
			}
		}
		if syn, _, _ := strings.Cut(help, "\n"); strings.Contains(syn, "--out DIR ") || strings.HasSuffix(syn, "--out DIR") {
			t.Errorf("wiretap %s: synopsis %q says DIR where s3:// works too", c.name, syn)
		}
	}
}

// TestSharedFlags checks that run and nightly describe the flags they
// share in the same words: they are bound by one binder.
func TestSharedFlags(t *testing.T) {
	usage := func(cmd string) map[string]string {
		_, _, help := runMain(t, cmd, "--help")
		help, _, _ = strings.Cut(help, "\nExamples:")
		flags := map[string]string{}
		for _, block := range strings.Split(help, "\n  -")[1:] {
			name, text, _ := strings.Cut(block, "\n")
			name, _, _ = strings.Cut(name, " ")
			flags[name] = text
		}
		return flags
	}
	run, nightly := usage("run"), usage("nightly")
	shared := 0
	for name, text := range nightly {
		if r, ok := run[name]; ok {
			shared++
			if r != text {
				t.Errorf("--%s: run says\n%s\nnightly says\n%s", name, r, text)
			}
		}
	}
	if shared < 12 {
		t.Errorf("run and nightly share %d flags, want the archive, output, analysis and privacy flags", shared)
	}
}

// TestQueryCSVColumns runs a job and checks that query --format csv writes,
// for every table, the scalar columns of the table's Parquet files, in
// their order: sarcasm and reactions included.
func TestQueryCSVColumns(t *testing.T) {
	src, out := badArchive(t), t.TempDir()
	if code, _, stderr := runMain(t, "run", "--source", src, "--out", out, "--from", "2016-11-18", "--to", "2016-11-19", "--max-bad-ratio", "-1"); code != ExitOK {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	for _, table := range jobs.Tables {
		t.Run(table, func(t *testing.T) {
			f, err := os.Open(filepath.Join(out, table, "date=2016-11-18", "part-0.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			info, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			pf, err := parquet.OpenFile(f, info.Size())
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, field := range pf.Schema().Fields() {
				if field.Leaf() && !field.Repeated() {
					want = append(want, field.Name())
				}
			}
			code, stdout, stderr := runMain(t, "query", "--out", out, "--from", "2016-11-18", "--to", "2016-11-19", "--format", "csv", "--table", table)
			if code != ExitOK {
				t.Fatalf("query: exit %d: %s", code, stderr)
			}
			records, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
			if err != nil || len(records) < 1 {
				t.Fatalf("CSV %q: %v", stdout, err)
			}
			if !slices.Equal(records[0], want) {
				t.Errorf("CSV header\n%q\nParquet scalar columns\n%q", records[0], want)
			}
			if pf.NumRows() > 0 && int64(len(records)-1) != pf.NumRows() {
				t.Errorf("%d CSV rows, the day's file has %d", len(records)-1, pf.NumRows())
			}
		})
	}
	for _, must := range []string{"sarcastic", "sarcasm_sum", "reactions_received"} {
		_, stdout, _ := runMain(t, "query", "--out", out, "--from", "2016-11-18", "--to", "2016-11-19", "--format", "csv", "--table", "users")
		if header, _, _ := strings.Cut(stdout, "\n"); !slices.Contains(strings.Split(header, ","), must) {
			t.Errorf("users CSV lacks %s: %s", must, header)
		}
	}
	if code, _, stderr := runMain(t, "query", "--out", out, "--from", "2016-11-18", "--to", "2016-11-19", "--format", "csv", "--table", "people"); code != ExitUsage || !strings.Contains(stderr, "channel_users") {
		t.Errorf("--table people: exit %d, stderr %s; want a usage error listing the tables", code, stderr)
	}
}

// TestInterruptible checks the signal handling of main: the first signal
// cancels the context, the second exits at once with 128+signal.
func TestInterruptible(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	exited := make(chan int, 1)
	var errb lockedBuffer
	ctx, stop := interruptible(context.Background(), sigs, &errb, func(code int) { exited <- code })
	defer stop()
	sigs <- syscall.SIGINT
	<-ctx.Done()
	select {
	case code := <-exited:
		t.Fatalf("exited %d at the first signal", code)
	default:
	}
	sigs <- syscall.SIGINT
	select {
	case code := <-exited:
		if code != 130 {
			t.Errorf("second SIGINT exited %d, want 130", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after the second signal")
	}
	if s := errb.String(); !strings.Contains(s, "interrupt again to exit at once") || !strings.Contains(s, "exiting now") {
		t.Errorf("stderr:\n%s", s)
	}

	// Stopped before any signal: the watch ends, nothing is cancelled
	// but by stop itself.
	ctx, stop = interruptible(context.Background(), make(chan os.Signal), &bytes.Buffer{}, func(int) { t.Error("exit called") })
	stop()
	stop()
	if ctx.Err() == nil {
		t.Error("stop did not release the context")
	}
}

// TestInterruptedMessages checks that each command's interruption says
// what is true for it: gen publishes nothing, so it does not say so.
func TestInterruptedMessages(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	for _, tt := range []struct {
		args      []string
		want, not string
	}{
		{[]string{"gen", "--out", filepath.Join(dir, "archive"), "--messages", "1000", "--days", "1"}, "the archive is incomplete", "published"},
		{[]string{"run", "--source", badArchive(t), "--out", filepath.Join(dir, "out"), "--from", "2016-11-18", "--to", "2016-11-19"}, "nothing was published", "incomplete"},
	} {
		var out, errb bytes.Buffer
		code := Main(ctx, &IO{Out: &out, Err: &errb, Getenv: envOf(map[string]string{"GOGC": "100"})}, tt.args)
		if code != ExitError || !strings.Contains(errb.String(), "interrupted; "+tt.want) || strings.Contains(errb.String(), tt.not) {
			t.Errorf("wiretap %s interrupted: exit %d, stderr\n%s\nwant %q and not %q", tt.args[0], code, errb.String(), tt.want, tt.not)
		}
	}
}

// TestGenStatusOnStderr checks that gen, which writes an archive, keeps
// stdout for data: what it did goes to stderr.
func TestGenStatusOnStderr(t *testing.T) {
	code, stdout, stderr := runMain(t, "gen", "--out", filepath.Join(t.TempDir(), "archive"), "--messages", "300", "--days", "1")
	if code != ExitOK || stdout != "" || !strings.Contains(stderr, "Generated ") || !strings.Contains(stderr, "Range:  --from ") {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
}
