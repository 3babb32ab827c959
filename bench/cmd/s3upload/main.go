// Command s3upload copies a local archive folder into an S3 bucket, for the
// S3 leg of `make bench`: it creates the bucket if needed and puts every
// file under its relative path, a few at a time. When the bucket already
// holds as many objects and bytes as the folder, it does nothing, so the
// benchmark uploads once per S3 server.
//
//	go run ./bench/cmd/s3upload --dir ~/.cache/wiretap/bench-1g --bucket wiretap-bench-1g \
//	    --endpoint http://127.0.0.1:7070
//
// Credentials and region come from the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_REGION), as scripts/s3server.sh env prints
// them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// completeMarker is the file bench.sh leaves in a finished archive folder;
// it belongs to the cache, not to the archive.
const completeMarker = ".complete"

func main() {
	dir := flag.String("dir", "", "archive folder (required)")
	bucket := flag.String("bucket", "", "bucket to fill (required; created if missing)")
	endpoint := flag.String("endpoint", os.Getenv("WIRETAP_TEST_S3_ENDPOINT"), "S3 endpoint URL")
	parallel := flag.Int("parallel", 8, "uploads in flight")
	flag.Parse()
	if *dir == "" || *bucket == "" || *endpoint == "" || *parallel < 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dir, *bucket, *endpoint, *parallel); err != nil {
		fmt.Fprintln(os.Stderr, "s3upload:", err)
		os.Exit(1)
	}
}

// tally is what a store holds: objects and their bytes.
type tally struct {
	objects, bytes int64
}

func count(ctx context.Context, src archive.Source) (tally, error) {
	var t tally
	for info, err := range src.List(ctx, "") {
		if err != nil {
			return tally{}, err
		}
		if info.Key == completeMarker {
			continue
		}
		t.objects++
		t.bytes += info.Size
	}
	return t, nil
}

func run(ctx context.Context, dir, bucket, endpoint string, parallel int) error {
	client, err := archive.NewS3Client(ctx, archive.S3Options{Endpoint: endpoint})
	if err != nil {
		return err
	}
	_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	loc, err := archive.S3Location(bucket, "")
	if err != nil {
		return err
	}
	dst, err := archive.NewS3(ctx, loc, archive.S3Options{Client: client})
	if err != nil {
		return err
	}
	src := archive.Dir{Root: dir}
	want, err := count(ctx, src)
	if err != nil {
		return err
	}
	have, err := count(ctx, dst)
	if err != nil {
		return err
	}
	if have == want {
		fmt.Printf("s3://%s already holds the %d objects (%.2f GB) of %s\n", bucket, want.objects, float64(want.bytes)/1e9, dir)
		return nil
	}
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for info, err := range src.List(gctx, "") {
		if err != nil {
			return errors.Join(err, g.Wait())
		}
		if info.Key == completeMarker {
			continue
		}
		g.Go(func() error {
			body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(info.Key)))
			if err != nil {
				return err
			}
			return dst.Put(gctx, info.Key, body)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	// Objects left by an earlier, different upload would make the two
	// sources differ: fail rather than benchmark something else.
	if have, err = count(ctx, dst); err != nil {
		return err
	}
	if have != want {
		return fmt.Errorf("s3://%s holds %d objects (%d bytes) after the upload, %s %d (%d bytes): empty the bucket",
			bucket, have.objects, have.bytes, dir, want.objects, want.bytes)
	}
	fmt.Printf("uploaded %d objects (%.2f GB) of %s to s3://%s in %.1fs\n", want.objects, float64(want.bytes)/1e9, dir, bucket, secs)
	return nil
}
