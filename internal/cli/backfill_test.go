package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeExport writes a two-message export zip and returns its path.
func writeExport(t *testing.T, users string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"channels.json": `[{"id":"C1","name":"general"}]`,
		"users.json":    users,
		"general/2016-11-14.json": `[{"type":"message","user":"U1","text":"hello","ts":"1479114000.000100"},
			{"type":"message","subtype":"channel_join","user":"U2","text":"<@U2> has joined the channel","ts":"1479114060.000200"},
			{"type":"message","user":"U1","text":"no ts"}]`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.zip")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runBackfill(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	io := &IO{Out: &out, Err: &errb, Getenv: envOf(nil)}
	code = Main(context.Background(), io, append([]string{"backfill"}, args...))
	return code, out.String(), errb.String()
}

func TestBackfillCommand(t *testing.T) {
	export := writeExport(t, `[{"id":"U1","team_id":"T0001","name":"alice"},{"id":"U2","team_id":"T0001","name":"bob"}]`)
	archive := filepath.Join(t.TempDir(), "archive")
	code, out, errb := runBackfill(t, "--export", export, "--archive", archive, "--team", "T0001")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if out != "" {
		t.Errorf("backfill printed status on stdout, which is for data:\n%s", out)
	}
	for _, want := range []string{
		"(team T0001)",
		"messages read 3 = written 2 + already in the archive 0 + not messages 0 + invalid 1",
		"objects written 1",
		"wiretap run --source " + archive + " --from 2016-11-14 --to 2016-11-15 --out ./out",
	} {
		if !strings.Contains(errb, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb)
		}
	}
	files, _ := filepath.Glob(filepath.Join(archive, "2016", "11", "09", "*", "*"))
	if len(files) != 0 {
		t.Errorf("unexpected %v", files)
	}
	if files, _ = filepath.Glob(filepath.Join(archive, "2016", "11", "14", "09", "slack-backfill-1-2016-11-14-09-00-00-*")); len(files) != 1 {
		t.Errorf("objects %v, want one under the message hour", files)
	}

	// Again, with the team from users.json and gzip: nothing new.
	code, out, errb = runBackfill(t, "--export", export, "--archive", archive, "--gzip")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.Contains(errb, "written 0 + already in the archive 2") || !strings.Contains(errb, "2 of those already in the archive were there from an earlier backfill") {
		t.Errorf("rerun: stdout\n%s\nstderr\n%s", out, errb)
	}
}

func TestBackfillUsage(t *testing.T) {
	noTeam := writeExport(t, `[{"id":"U1","name":"alice"}]`)
	archive := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no export", []string{"--archive", archive}, ExitUsage, "--export is required"},
		{"no archive", []string{"--export", noTeam}, ExitUsage, "--archive is required"},
		{"bad team", []string{"--export", noTeam, "--archive", archive, "--team", "acme"}, ExitUsage, "--team"},
		{"bad margin", []string{"--export", noTeam, "--archive", archive, "--margin", "90m"}, ExitUsage, "whole hours"},
		{"no team anywhere", []string{"--export", noTeam, "--archive", archive}, ExitUsage, "give --team"},
		{"missing export", []string{"--export", filepath.Join(archive, "nope.zip"), "--archive", archive}, ExitError, "nope.zip"},
		{"not a zip", []string{"--export", "backfill_test.go", "--archive", archive, "--team", "T1"}, ExitError, "open export"},
		{"help", []string{"--help"}, ExitOK, "Running it again writes nothing new"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errb := runBackfill(t, tc.args...)
			if code != tc.code || !strings.Contains(errb, tc.want) {
				t.Errorf("exit %d (want %d), stderr lacks %q:\n%s", code, tc.code, tc.want, errb)
			}
		})
	}
}
