package cli

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/wiretap-hq/wiretap/internal/testutil/s3test"
)

// TestGenS3Endpoint checks that gen reaches an S3-compatible server given
// with --s3-endpoint, like every other command that reads or writes S3.
func TestGenS3Endpoint(t *testing.T) {
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)
	var out, errb bytes.Buffer
	io := &IO{Out: &out, Err: &errb, Getenv: envOf(nil)}
	code := Main(context.Background(), io, []string{"gen", "--out", "s3://" + bucket + "/slack/",
		"--s3-endpoint", ep, "--messages", "500", "--days", "1"})
	if code != 0 {
		t.Fatalf("gen exited %d: %s", code, errb.String())
	}
	keys := s3test.Keys(t, ep, bucket, "slack/")
	if !slices.Contains(keys, "slack/roster.csv") || !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, "slack/20") }) {
		t.Errorf("gen wrote %v, want roster.csv and hour prefixes below slack/", keys)
	}
}
