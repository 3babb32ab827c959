package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/pipeline/output"
	"github.com/wiretap-hq/wiretap/schema"
)

// runMain runs the command line args and returns its exit code, stdout and
// stderr.
func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	io := &IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string {
		if k == "GOGC" {
			return "100" // leave the test binary's GC setting alone
		}
		return ""
	}}
	code = Main(context.Background(), io, args)
	return code, out.String(), errb.String()
}

// exitDay is the day of the test archive.
var exitDay = time.Date(2016, 11, 18, 0, 0, 0, 0, time.UTC)

// badArchive writes an archive of one object in hour 10 of exitDay: 95
// good records and 5 bad ones (3 malformed JSON, 2 invalid UTF-8), 5% bad.
func badArchive(t *testing.T) string {
	t.Helper()
	var b []byte
	for i := range 95 {
		ts := exitDay.Add(10*time.Hour + time.Duration(i)*time.Second)
		m := schema.Message{Team: "T1", ChannelID: "C1", UserID: "U1", TS: schema.FormatTS(ts), Time: ts,
			Text: fmt.Sprint("message ", i), Source: schema.SourceEventsAPI}
		b = schema.AppendNDJSON(b, &m)
	}
	b = append(b, "{\"v\":1,\n<html>502</html>\n{\"v\":1,\"team\":\"T1\"\n{\"v\":1,\"team\":\"T\xff\"}\n{\"v\":1,\"text\":\"\xc3\"}\n"...)
	dir := t.TempDir()
	key := archive.ObjectKey("", "slack-wiretap", 1, exitDay.Add(10*time.Hour+3*time.Minute), "00000000-0000-4000-8000-000000000001", false)
	if err := (archive.Dir{Root: dir}).Put(context.Background(), key, b); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestExitTooManyBad runs a job over an archive with 5% bad records: with
// --max-bad-ratio 0.01 it exits 1, says why on stderr and publishes
// nothing; with the check off it exits 0.
func TestExitTooManyBad(t *testing.T) {
	src := badArchive(t)
	out := t.TempDir()
	code, stdout, stderr := runMain(t, "run", "--source", src, "--from", "2016-11-18", "--to", "2016-11-19",
		"--out", out, "--max-bad-ratio", "0.01")
	if code != ExitError {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitError, stderr)
	}
	for _, want := range []string{"wiretap run:", "too many bad records", "5 of 100 records", "limit 1.00%",
		"malformed JSON: 3", "invalid UTF-8: 2"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("a failed run printed a report: %s", stdout)
	}
	for _, name := range []string{"summary.json", output.ManifestName, jobs.QuarantineFile} {
		if _, err := os.Stat(filepath.Join(out, name)); err == nil {
			t.Errorf("failed run published %s", name)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(out, ".staging-*"))
	if len(matches) > 0 {
		t.Errorf("failed run left %v", matches)
	}

	// The default limit is 1% too.
	if code, _, stderr := runMain(t, "run", "--source", src, "--from", "2016-11-18", "--to", "2016-11-19", "--out", out); code != ExitError {
		t.Errorf("default --max-bad-ratio: exit %d, want %d; stderr:\n%s", code, ExitError, stderr)
	}
	// Off: the run succeeds and reports what it quarantined.
	code, stdout, stderr = runMain(t, "run", "--source", src, "--from", "2016-11-18", "--to", "2016-11-19",
		"--out", out, "--max-bad-ratio", "-1")
	if code != ExitOK {
		t.Fatalf("--max-bad-ratio -1: exit %d; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "records read 100 = parsed 95 + quarantined 5 + duplicates 0") {
		t.Errorf("report does not account for the records:\n%s", stdout)
	}
}

// TestExitCodes checks the exit codes of the command line's mistakes and
// of a command that succeeds.
func TestExitCodes(t *testing.T) {
	src := badArchive(t)
	out := t.TempDir()
	rng := []string{"--from", "2016-11-18", "--to", "2016-11-19"}
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string // what stderr must say
		stdout string // what stdout must say
	}{
		{"version", []string{"version"}, ExitOK, "", "wiretap " + jobs.Version},
		{"help", []string{"--help"}, ExitOK, "Usage:", ""},
		{"run --help", []string{"run", "--help"}, ExitOK, "-max-bad-ratio", ""},
		{"no command", nil, ExitUsage, "Usage:", ""},
		{"unknown command", []string{"frobnicate"}, ExitUsage, `unknown command "frobnicate"`, ""},
		{"unknown flag", append([]string{"run", "--source", src, "--out", out, "--nope"}, rng...), ExitUsage, "not defined: -nope", ""},
		{"missing --source", append([]string{"run", "--out", out}, rng...), ExitUsage, "--source is required", ""},
		{"missing --out", append([]string{"run", "--source", src}, rng...), ExitUsage, "--out is required", ""},
		{"missing --to", []string{"run", "--source", src, "--out", out, "--from", "2016-11-18"}, ExitUsage, "--from and --to are required", ""},
		{"from after to", []string{"run", "--source", src, "--out", out, "--from", "2016-11-19", "--to", "2016-11-18"}, ExitUsage, "is not before", ""},
		{"bad time", []string{"run", "--source", src, "--out", out, "--from", "yesterday", "--to", "2016-11-18"}, ExitUsage, "-from", ""},
		{"bad --max-bad-ratio", append([]string{"run", "--source", src, "--out", out, "--max-bad-ratio", "lots"}, rng...), ExitUsage, "max-bad-ratio", ""},
		{"stray argument", append([]string{"run", "--source", src, "--out", out, "extra"}, rng...), ExitUsage, `unexpected argument "extra"`, ""},
		{"version with an argument", []string{"version", "--nope"}, ExitUsage, "not defined: -nope", ""},
		// A job that fails is not a usage error.
		{"missing source folder", append([]string{"run", "--source", filepath.Join(src, "nope"), "--out", out}, rng...), ExitError, "wiretap run: source:", ""},
		{"ok", append([]string{"run", "--source", src, "--out", out, "--max-bad-ratio", "0.05"}, rng...), ExitOK, "", "quarantined 5"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runMain(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr does not say %q:\n%s", tt.stderr, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout does not say %q:\n%s", tt.stdout, stdout)
			}
			if tt.code == ExitUsage && !strings.Contains(stderr, "Usage") && !strings.Contains(stderr, "--help") {
				t.Errorf("a usage error without a pointer to the usage:\n%s", stderr)
			}
		})
	}
}
