package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/internal/ingest"
	"github.com/wiretap-hq/wiretap/schema"
)

const testSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// lockedBuffer is a bytes.Buffer that a running command and the test may
// use at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestIngestUsage(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "archive")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no secret", nil, []string{"ingest", "serve", "--archive", archive}, ExitUsage, "SLACK_SIGNING_SECRET is not set"},
		{"token is not enough", map[string]string{"SLACK_VERIFICATION_TOKEN": "tok"}, []string{"ingest", "serve", "--archive", archive}, ExitUsage, "SLACK_SIGNING_SECRET"},
		{"no archive", map[string]string{"SLACK_SIGNING_SECRET": "s"}, []string{"ingest", "serve"}, ExitUsage, "--archive is required"},
		{"secret as a flag", map[string]string{"SLACK_SIGNING_SECRET": "s"}, []string{"ingest", "serve", "--archive", archive, "--signing-secret", "x"}, ExitUsage, "not defined"},
		{"zero flush bytes", map[string]string{"SLACK_SIGNING_SECRET": "s"}, []string{"ingest", "serve", "--archive", archive, "--flush-bytes", "0"}, ExitUsage, "--flush-bytes"},
		{"bad interval", map[string]string{"SLACK_SIGNING_SECRET": "s"}, []string{"ingest", "serve", "--archive", archive, "--flush-interval", "-1s"}, ExitUsage, "--flush-interval"},
		{"bad prefix", map[string]string{"SLACK_SIGNING_SECRET": "s"}, []string{"ingest", "serve", "--archive", archive, "--prefix", "slack"}, ExitUsage, "--prefix"},
		{"no subcommand", nil, []string{"ingest"}, ExitUsage, "missing subcommand"},
		{"unknown subcommand", nil, []string{"ingest", "listen"}, ExitUsage, `unknown subcommand "listen"`},
		{"help", nil, []string{"ingest", "--help"}, ExitOK, "serve"},
		{"serve help", nil, []string{"ingest", "serve", "--help"}, ExitOK, "openssl dgst -sha256 -hmac"},
		{"bad address", map[string]string{"SLACK_SIGNING_SECRET": "s"}, []string{"ingest", "serve", "--archive", filepath.Join(t.TempDir(), "other"), "--addr", "256.0.0.1:x"}, ExitError, "256.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			io := &IO{Out: &out, Err: &errb, Getenv: envOf(tc.env)}
			if code := Main(context.Background(), io, tc.args); code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errb.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errb.String())
			}
		})
	}
	if _, err := os.Stat(archive); err == nil {
		t.Errorf("a refused command created the archive folder")
	}
}

var listening = regexp.MustCompile(`Listening on (http://127\.0\.0\.1:\d+/slack/events)`)

// startIngest runs `wiretap ingest serve` on a free loopback port and
// returns its URL, its output and a function that stops it (as SIGINT
// would) and returns the exit code.
func startIngest(t *testing.T, env map[string]string, args ...string) (url string, out, errb *lockedBuffer, stop func() int) {
	t.Helper()
	out, errb = &lockedBuffer{}, &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	codec := make(chan int, 1)
	io := &IO{Out: out, Err: errb, Getenv: envOf(env)}
	go func() {
		codec <- Main(ctx, io, append([]string{"ingest", "serve", "--addr", "127.0.0.1:0"}, args...))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listening.FindStringSubmatch(errb.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case code := <-codec:
			cancel()
			t.Fatalf("exited %d before listening; stderr:\n%s", code, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("not listening after 10s; stdout:\n%s\nstderr:\n%s", out, errb)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return url, out, errb, func() int {
		cancel()
		return <-codec
	}
}

// TestIngestServe runs the command on 127.0.0.1:0, sends a signed request,
// an outgoing webhook and an unsigned one, stops it and finds the two
// accepted messages in the archive it names.
func TestIngestServe(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "archive")
	const token = "legacy-token-Zz9"
	url, out, errb, stop := startIngest(t, map[string]string{
		"SLACK_SIGNING_SECRET": testSigningSecret, "SLACK_VERIFICATION_TOKEN": token,
	}, "--archive", archive, "--prefix", "slack/", "--flush-interval", "1h")

	now := time.Now()
	msgTS := schema.FormatTS(now)
	body := fmt.Sprintf(`{"type":"event_callback","team_id":"T0001","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":"héllo","ts":%q}}`, msgTS)
	post := func(contentType, body string, signed bool) int {
		req, err := http.NewRequest("POST", url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", contentType)
		if signed {
			req.Header.Set(ingest.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
			req.Header.Set(ingest.HeaderSignature, ingest.Sign(testSigningSecret, now.Unix(), []byte(body)))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("application/json", body, true); code != 200 {
		t.Errorf("signed: %d", code)
	}
	if code := post("application/json", strings.Replace(body, "Ev1", "Ev2", 1), false); code != 401 {
		t.Errorf("unsigned: %d", code)
	}
	form := "token=" + token + "&team_id=T0001&channel_id=C2&channel_name=random&user_id=U2&user_name=bob&text=hi&timestamp=" + schema.FormatTS(now.Add(time.Millisecond))
	if code := post("application/x-www-form-urlencoded", form, false); code != 200 {
		t.Errorf("webhook: %d", code)
	}
	if code := stop(); code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, errb)
	}
	files, _ := filepath.Glob(filepath.Join(archive, "slack", "*", "*", "*", "*", "slack-wiretap-1-*"))
	if len(files) != 1 {
		t.Fatalf("archive objects %v, want one", files)
	}
	data, _ := os.ReadFile(files[0])
	if n := bytes.Count(data, []byte("\n")); n != 2 || !bytes.Contains(data, []byte("héllo")) {
		t.Errorf("object holds %d records:\n%s", n, data)
	}
	day := now.UTC().Format(time.DateOnly)
	next := now.UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	wantRun := "wiretap run --source " + archive + "/slack --from " + day + " --to " + next
	if s := errb.String(); !strings.Contains(s, "Stopped: wrote 1 objects") || !strings.Contains(s, wantRun) {
		t.Errorf("stderr lacks the report or %q:\n%s", wantRun, s)
	}
	if s := out.String(); s != "" {
		t.Errorf("ingest serve printed status on stdout, which is for data:\n%s", s)
	}
	for _, s := range []string{testSigningSecret, token} {
		if strings.Contains(out.String()+errb.String(), s) {
			t.Errorf("output shows a secret")
		}
	}
}

// TestIngestHelpCurlExample runs the --help example's signature and curl
// lines against the server, with the shell, openssl and curl the reader
// would use.
func TestIngestHelpCurlExample(t *testing.T) {
	for _, tool := range []string{"bash", "openssl", "curl", "awk"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	var script []string
	for line := range strings.Lines(ingestServeExamples) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "ts=") || strings.HasPrefix(line, "body=") || strings.HasPrefix(line, "sig=") ||
			strings.HasPrefix(line, "curl ") || strings.HasPrefix(line, "-H ") {
			script = append(script, line)
		}
	}
	if len(script) != 5 {
		t.Fatalf("example lines not found: %q", script)
	}
	archive := t.TempDir()
	url, _, errb, stop := startIngest(t, map[string]string{"SLACK_SIGNING_SECRET": testSigningSecret},
		"--archive", archive, "--flush-interval", "1h")
	src := strings.ReplaceAll(strings.Join(script, "\n"), "http://127.0.0.1:8080/slack/events", url)
	src = strings.Replace(src, "curl -i", "curl -sS -o /dev/null -w '%{http_code}'", 1)
	cmd := exec.Command("bash", "-c", "set -eu\n"+src)
	cmd.Env = append(os.Environ(), "SLACK_SIGNING_SECRET="+testSigningSecret)
	got, err := cmd.CombinedOutput()
	if code := stop(); code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, errb)
	}
	if err != nil || string(got) != "200" {
		t.Fatalf("the documented curl request: %v, output %q\nscript:\n%s", err, got, src)
	}
	files, _ := filepath.Glob(filepath.Join(archive, "*", "*", "*", "*", "*"))
	if len(files) != 1 {
		t.Errorf("archive objects %v, want one", files)
	}
}
