package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/internal/testutil/s3test"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// Secrets never reach logs or outputs: not the Slack verification token
// every webhook-era and Events API record carries, not the AWS credentials
// or the Slack signing secret in the environment, not the raw records.
//
// The one place raw record text is kept on purpose is the quarantine: the
// first MaxQuarantinedBytes of a record that failed to decode, to see what
// went wrong. There the token's value is redacted, also when the record is
// cut inside it and when the parser's error (the reason) quotes it.

const (
	sentinelSigningSecret = "8f742231b10e8888abcdSENTINELSIGNING"
	sentinelVerifyToken   = "SENTINELVERIFICATIONTOKEN"
	// Tokens planted in malformed records, each in a way a naive
	// redaction would miss.
	tokCut     = "SENTINELTOKCUTOFFxyz"
	tokTail    = "SENTINELTOKINTAILxyz"
	tokSpaced  = "SENTINELTOKSPACEDxyz"
	tokUTF8    = "SENTINELTOKUTF8xyz"
	tokType    = "SENTINELTOKTYPExyz"
	tokEscaped = `SENTINEL\"TOKESC\\xyz`
	tokLong    = "SENTINELTOKLONGxyz"
)

var tokenRE = regexp.MustCompile(`"token":"([^"]+)"`)

// secretArchive generates a small archive whose first day is webhook-era
// and whose second is Events API (both carry the workspace's token), with
// more malformed lines than usual, plus an object of malformed webhook
// records that hold planted tokens. It returns the folder, the range, the
// tokens found and a sample of the raw good records.
func secretArchive(t *testing.T) (dir string, from, to time.Time, tokens, raw []string) {
	t.Helper()
	cfg := generator.DefaultConfig()
	cfg.Messages, cfg.Days, cfg.Users = 3000, 3, 30
	cfg.MalformedRate = 0.02
	dir = t.TempDir()
	facts, err := generator.Generate(context.Background(), cfg, archive.Dir{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	from, to = facts.Start, facts.End

	seen := map[string]bool{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range tokenRE.FindAllSubmatch(data, -1) {
			seen[string(m[1])] = true
		}
		for l := range bytes.Lines(data) {
			if len(raw) < 400 && len(l) > 120 && bytes.HasPrefix(l, []byte(`{"token"`)) && bytes.HasSuffix(l, []byte("}\n")) {
				raw = append(raw, string(bytes.TrimSuffix(l, []byte("\n"))))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for tok := range seen {
		tokens = append(tokens, tok)
	}
	if len(tokens) == 0 || len(raw) < 50 {
		t.Fatalf("archive has %d tokens and %d raw webhook/Events records; the test needs both", len(tokens), len(raw))
	}

	// Malformed records holding planted tokens, in hour 10 of the first day.
	ts := fmt.Sprintf("%d.000100", from.Add(10*time.Hour+5*time.Minute).Unix())
	planted := []string{
		// Cut inside the token's value.
		`{"token":"` + tokCut[:12],
		`{"token":"` + tokCut + `","team_id":"T1","channel_id":"C1","timestamp":"` + ts[:8],
		// A bad literal: the parser's error quotes the rest of the line,
		// the token with it.
		`{"team_id":"T1","ok":tru,"token":"` + tokTail + `","channel_id":"C1"}`,
		`{"token" : "` + tokSpaced + `" ,"team_id":"T1","channel_id":"C1","timestamp":42}`,
		"{\"token\":\"" + tokUTF8 + "\",\"team_id\":\"T1\",\"channel_id\":\"C1\",\"timestamp\":\"" + ts + "\",\"text\":\"caf\xe9\"}",
		`{"token":"` + tokType + `","team_id":"T1","channel_id":"C1","timestamp":"` + ts + `","user_id":"U1","text":{"a":1}}`,
		`{"token":"` + tokEscaped + `","team_id":"T1","channel_id":"C1","timestamp":` + ts + `}`,
		// Over the bound: the token is in the first bytes kept.
		`{"token":"` + tokLong + `","text":"` + strings.Repeat("z", pipeline.DefaultMaxLine) + `"}`,
	}
	key := archive.ObjectKey("", "slack-wiretap", 1, from.Add(10*time.Hour+3*time.Minute), "00000000-0000-4000-8000-00000000beef", false)
	if err := (archive.Dir{Root: dir}).Put(context.Background(), key, ndjson(planted...)); err != nil {
		t.Fatal(err)
	}
	tokens = append(tokens, tokCut, tokCut[:12], tokTail, tokSpaced, tokUTF8, tokType, tokEscaped, `TOKESC`, tokLong)
	return dir, from, to, tokens, raw
}

// outputTexts returns every file below root by name, and for Parquet files
// also the text of their decoded values (the file itself is compressed).
func outputTexts(t *testing.T, root string) map[string]string {
	t.Helper()
	texts := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		texts[p] = string(data)
		if strings.HasSuffix(p, ".parquet") {
			texts[p+" (decoded)"] = parquetText(t, p, data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

// parquetText is every value of a Parquet file, as text.
func parquetText(t *testing.T, name string, data []byte) string {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var sb strings.Builder
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		buf := make([]parquet.Row, 64)
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				for _, v := range row {
					sb.WriteString(v.String())
					sb.WriteByte('\n')
				}
			}
			if err != nil {
				break
			}
		}
		rows.Close()
	}
	for _, kv := range f.Metadata().KeyValueMetadata {
		sb.WriteString(kv.Key + "=" + kv.Value + "\n")
	}
	return sb.String()
}

// assertNoSecrets fails for every secret found in any of texts.
func assertNoSecrets(t *testing.T, texts map[string]string, secrets []string) {
	t.Helper()
	for name, text := range texts {
		for _, s := range secrets {
			if i := strings.Index(text, s); i >= 0 {
				t.Errorf("%s holds the secret %.40q: ...%.120q...", name, s, text[max(0, i-60):])
			}
		}
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	dir, from, to, tokens, raw := secretArchive(t)
	// The S3 runs go to the real test server, so they sign with its
	// credentials: those are the AWS secret to look for.
	bucket, proxy := realS3Archive(t, dir, nil)
	awsSecret := realS3Env(t)
	t.Setenv("SLACK_SIGNING_SECRET", sentinelSigningSecret)
	t.Setenv("SLACK_VERIFICATION_TOKEN", sentinelVerifyToken)
	secrets := append([]string{awsSecret, sentinelSigningSecret, sentinelVerifyToken}, tokens...)

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	runs := []struct {
		name    string
		source  string
		wantErr bool
	}{
		{"local", dir, false},
		// Through S3, so the credentials are used to sign requests.
		{"s3", "s3://" + bucket + "/", false},
		// A failing run: its error and failure note are outputs too.
		{"s3 failing", "s3://no-such-bucket/", true},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			logs.Reset()
			out := t.TempDir()
			_, err := jobs.Run(context.Background(), jobs.RunOptions{
				Source: loctest.Parse(t, r.source), Out: loctest.Parse(t, out), From: from, To: to, Workers: 3, MaxBadRatio: -1,
				Logger: logger, S3: archive.S3Options{Endpoint: proxy.URL, MaxAttempts: 1},
			})
			if (err != nil) != r.wantErr {
				t.Fatalf("Run: err = %v, want error %v", err, r.wantErr)
			}
			texts := outputTexts(t, out)
			texts["log"] = logs.String()
			if err != nil {
				texts["error"] = err.Error()
				if _, ok := texts[filepath.Join(out, filepath.FromSlash(jobs.FailureFile))]; !ok {
					t.Errorf("failed run wrote no %s", jobs.FailureFile)
				}
			}
			if !strings.Contains(logs.String(), "run starting") {
				t.Errorf("no logs captured: %q", logs.String())
			}
			assertNoSecrets(t, texts, secrets)
			// Raw records: whole good ones appear nowhere, not even in the
			// quarantine.
			for name, text := range texts {
				for _, rec := range raw {
					if strings.Contains(text, rec) {
						t.Errorf("%s holds a raw record: %.200q", name, rec)
						break
					}
				}
			}
			if r.wantErr {
				return
			}
			// The planted records are quarantined, their tokens redacted.
			q := texts[filepath.Join(out, filepath.FromSlash(jobs.QuarantineFile))]
			if n := strings.Count(q, pipeline.Redacted); n < 8 {
				t.Errorf("quarantine has %d redacted values, want at least the 8 planted tokens:\n%s", n, q)
			}
			for _, e := range readQuarantine(t, out) {
				if strings.Contains(e.Record, `"token"`) && !strings.Contains(e.Record, `"token":"`+pipeline.Redacted) &&
					!strings.Contains(e.Record, `"token" : "`+pipeline.Redacted) {
					t.Errorf("quarantined record keeps a token field unredacted: %.200q", e.Record)
				}
			}
		})
	}

	// Every request was signed, none carried the secret key.
	n := 0
	for _, req := range proxy.Requests() {
		n++
		if !strings.HasPrefix(req.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			t.Errorf("request %s not signed with SigV4", req.URL)
		}
		for name, vals := range req.Header {
			for _, v := range vals {
				if strings.Contains(v, awsSecret) {
					t.Errorf("request header %s carries a credential", name)
				}
			}
		}
		if strings.Contains(req.URL.String(), awsSecret) {
			t.Errorf("request URL carries a credential: %s", req.URL)
		}
	}
	if n == 0 {
		t.Error("the S3 runs made no requests")
	}
}

// TestSecretsErrorFromS3 checks the error of a run whose S3 requests are
// refused: the SDK's error is in it, the credentials are not.
func TestSecretsErrorFromS3(t *testing.T) {
	endpoint := s3test.Endpoint(t)
	awsSecret := realS3Env(t)
	out := t.TempDir()
	_, err := jobs.Run(context.Background(), jobs.RunOptions{
		Source: loctest.Parse(t, "s3://wiretap-no-such-bucket-here/slack/"), Out: loctest.Parse(t, out), From: badDay, To: badDay.Add(time.Hour),
		S3: archive.S3Options{Endpoint: endpoint, MaxAttempts: 1},
	})
	if err == nil {
		t.Fatal("Run against a missing bucket succeeded")
	}
	if errors.Is(err, jobs.ErrTooManyBad) || !strings.Contains(err.Error(), "NoSuchBucket") {
		t.Errorf("error %q does not say what S3 answered", err)
	}
	texts := outputTexts(t, out)
	texts["error"] = err.Error()
	assertNoSecrets(t, texts, []string{awsSecret, os.Getenv("AWS_ACCESS_KEY_ID") + "/"})
}

// realS3Env keeps the test server's credentials (from scripts/s3server.sh
// env) but nothing else of the machine's AWS configuration, and returns the
// secret key.
func realS3Env(t *testing.T) string {
	t.Helper()
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if secret == "" {
		t.Fatal("AWS_SECRET_ACCESS_KEY is not set for the S3 test server")
	}
	s3Env(t, secret, "")
	t.Setenv("AWS_ACCESS_KEY_ID", id)
	return secret
}
