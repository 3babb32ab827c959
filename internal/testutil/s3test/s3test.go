// Package s3test helps tests reach the real S3 server that
// scripts/s3server.sh starts (versitygw on 127.0.0.1), and put faults
// between that server and the code under test: a reverse proxy that
// answers 503 SlowDown to a share of requests (SlowDownProxy) and an
// in-process toxiproxy for TCP faults (Toxiproxy).
//
// The environment comes from the script's env file:
//
//	WIRETAP_TEST_S3_ENDPOINT  http://127.0.0.1:PORT
//	AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
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

// Endpoint returns the test server's endpoint. It skips the test when none
// is configured, except under CI (CI set), where a silently skipped suite
// would hide a broken setup: there it fails.
func Endpoint(t testing.TB) string {
	t.Helper()
	ep := os.Getenv("WIRETAP_TEST_S3_ENDPOINT")
	if ep == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("WIRETAP_TEST_S3_ENDPOINT not set but CI is: start scripts/s3server.sh and source its env file")
		}
		t.Skip("WIRETAP_TEST_S3_ENDPOINT not set; start scripts/s3server.sh and eval its env")
	}
	return ep
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
