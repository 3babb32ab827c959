package archive

import (
	"context"
	"fmt"
	"io"
	"os"
)

// Store is an archive that can be read and written: Dir or S3.
type Store interface {
	Source
	Putter
	Locate(key string) string
}

var (
	_ Store = Dir{}
	_ Store = (*S3)(nil)
)

// OpenStore opens the archive at loc: an S3 bucket and prefix, or a local
// folder, which must exist.
func OpenStore(ctx context.Context, loc Location, opts S3Options) (Store, error) {
	if loc.IsS3() {
		return NewS3(ctx, loc, opts)
	}
	if loc.IsZero() {
		return nil, fmt.Errorf("source: no location given")
	}
	fi, err := os.Stat(loc.Path())
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("source %s is not a folder", loc.Path())
	}
	return Dir{Root: loc.Path()}, nil
}

// ReadLocation reads a whole small file, such as the roster, at loc: a
// local path or an S3 object.
func ReadLocation(ctx context.Context, loc Location, opts S3Options) ([]byte, error) {
	if !loc.IsS3() {
		return os.ReadFile(loc.Path())
	}
	s, key, err := OpenObject(ctx, loc, opts)
	if err != nil {
		return nil, err
	}
	rc, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// OpenObject returns a store for the bucket of the S3 file location loc,
// and the object's key in it.
func OpenObject(ctx context.Context, loc Location, opts S3Options) (*S3, string, error) {
	key := loc.Key()
	if !loc.IsS3() || key == "" {
		return nil, "", fmt.Errorf("%s: want the URL of an S3 object", loc)
	}
	bucket, err := S3Location(loc.Bucket(), "")
	if err != nil {
		return nil, "", err
	}
	s, err := NewS3(ctx, bucket, opts)
	if err != nil {
		return nil, "", err
	}
	return s, key, nil
}
