// Package s3test helps tests reach the real S3 server that
// scripts/s3server.sh starts (versitygw on 127.0.0.1), and put faults
// between that server and the code under test: a reverse proxy that
// answers 503 SlowDown to a share of requests (SlowDownProxy) and an
// in-process toxiproxy for TCP faults (Toxiproxy).
//
// The environment comes from the script's env file; when it is not set,
// Endpoint starts the server itself:
//
//	WIRETAP_TEST_S3_ENDPOINT  http://127.0.0.1:PORT
//	AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// EndpointEnv names the variable that points the tests at an S3 server.
const EndpointEnv = "WIRETAP_TEST_S3_ENDPOINT"

// startTimeout bounds starting the server, which on a cold cache includes
// building versitygw.
const startTimeout = 10 * time.Minute

// server is the test process's one attempt to start the S3 server when
// none was given: every test that needs S3 shares its outcome.
var server struct {
	once sync.Once
	err  error
}

// Endpoint returns the test server's endpoint. When EndpointEnv is unset it
// starts (or reuses) the cached versitygw through scripts/s3server.sh, once
// per test process, and sets the env the script prints, so that plain
// `go test ./...` runs the S3 tests too. If that fails, the test fails with
// one line saying how to provide a server: an S3 test never skips silently.
func Endpoint(t testing.TB) string {
	t.Helper()
	if ep := os.Getenv(EndpointEnv); ep != "" {
		return ep
	}
	server.once.Do(func() { server.err = startServer() })
	if server.err == nil && os.Getenv(EndpointEnv) == "" {
		server.err = fmt.Errorf("scripts/s3server.sh printed no %s", EndpointEnv)
	}
	if server.err != nil {
		t.Fatalf("no S3 server for this test (%v): run `bash scripts/s3server.sh start` and `eval \"$(bash scripts/s3server.sh env)\"`, or set %s", server.err, EndpointEnv)
	}
	return os.Getenv(EndpointEnv)
}

// startServer runs scripts/s3server.sh start, found above the working
// directory (go test runs in the package's folder), and exports the
// `export KEY=value` lines it prints.
func startServer() error {
	script, err := findScript()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script, "start")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return fmt.Errorf("%s start: %w: %s", script, err, msg)
	}
	for line := range strings.Lines(string(out)) {
		kv, ok := strings.CutPrefix(strings.TrimSpace(line), "export ")
		if !ok {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// findScript returns the path of scripts/s3server.sh in the module that
// holds the working directory.
func findScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "scripts", "s3server.sh")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("scripts/s3server.sh not found above the working directory")
		}
		dir = parent
	}
}

// Client returns a plain S3 client for endpoint, path-style, with the
// SDK's defaults otherwise: for setting up and inspecting, not for the code
// under test.
func Client(t testing.TB, endpoint string) *s3.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})
}

var nonBucketChars = regexp.MustCompile(`[^a-z0-9]+`)

// NewBucket creates a bucket named after the test, unique to this run, and
// removes it with everything in it when the test ends.
func NewBucket(t testing.TB, endpoint string) string {
	t.Helper()
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := strings.Trim(nonBucketChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	name = "wiretap-" + name[:min(len(name), 40)]
	name = strings.TrimRight(name, "-") + "-" + hex.EncodeToString(rnd[:])

	c := Client(t, endpoint)
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := removeBucket(ctx, c, name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return name
}

// Keys lists every key in bucket below prefix.
func Keys(t testing.TB, endpoint, bucket, prefix string) []string {
	t.Helper()
	keys, err := listKeys(context.Background(), Client(t, endpoint), bucket, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func listKeys(ctx context.Context, c *s3.Client, bucket, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

func removeBucket(ctx context.Context, c *s3.Client, bucket string) error {
	keys, err := listKeys(ctx, c, bucket, "")
	if err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		ids := make([]types.ObjectIdentifier, n)
		for i, k := range keys[:n] {
			ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
		}
		keys = keys[n:]
		out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("empty s3://%s: %w", bucket, err)
		}
		if len(out.Errors) > 0 {
			return fmt.Errorf("empty s3://%s: %d objects not deleted, first %s: %s", bucket,
				len(out.Errors), aws.ToString(out.Errors[0].Key), aws.ToString(out.Errors[0].Message))
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("delete bucket %s: %w", bucket, err)
	}
	return nil
}

// A putter stores whole objects: an archive store, or an output's store.
type putter interface {
	Put(ctx context.Context, key string, body []byte) error
}

// An opener reads whole objects by key.
type opener interface {
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

// PutAll stores objects through s with a few concurrent Puts, as a job's
// writers do.
func PutAll(t testing.TB, s putter, objects map[string][]byte) {
	t.Helper()
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 16)
		mu   sync.Mutex
		errs []error
	)
	for key, body := range objects {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := s.Put(context.Background(), key, body); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// ReadAll returns the whole object at key.
func ReadAll(t testing.TB, s opener, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Collect drains a listing, failing the test at its first error.
func Collect[T any](t testing.TB, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var items []T
	for item, err := range seq {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		items = append(items, item)
	}
	return items
}
