package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// TestPrivacyFlags checks that --pseudonymize refuses to run without a key
// (a usage error, nothing published), and that a bad opt-out file fails
// the job with the line it stopped at.
func TestPrivacyFlags(t *testing.T) {
	src := badArchive(t)
	for _, cmd := range [][]string{
		{"run", "--source", src, "--from", "2016-11-18", "--to", "2016-11-19", "--pseudonymize"},
		{"nightly", "--source", src, "--pseudonymize"},
	} {
		out := t.TempDir()
		code, _, stderr := runMain(t, append(cmd, "--out", out)...)
		if code != ExitUsage || !strings.Contains(stderr, "WIRETAP_PSEUDONYM_KEY") {
			t.Errorf("%s --pseudonymize without a key: exit %d, stderr %s", cmd[0], code, stderr)
		}
		if _, err := os.Stat(filepath.Join(out, output.ManifestName)); err == nil {
			t.Errorf("%s published without a key", cmd[0])
		}
	}
	list := filepath.Join(t.TempDir(), "optout.txt")
	if err := os.WriteFile(list, []byte("U1AAA\nanna@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runMain(t, "run", "--source", src, "--from", "2016-11-18", "--to", "2016-11-19",
		"--out", t.TempDir(), "--max-bad-ratio", "-1", "--opt-out", list)
	if code != ExitError || !strings.Contains(stderr, "line 2") {
		t.Errorf("bad opt-out file: exit %d, stderr %s", code, stderr)
	}
}
