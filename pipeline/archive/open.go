package archive

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
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

// OpenStore opens an archive location: "s3://bucket/prefix", "file:///path"
// or a plain local path. A local folder must exist.
func OpenStore(ctx context.Context, location string, opts S3Options) (Store, error) {
	switch {
	case strings.HasPrefix(location, "s3://"):
		return NewS3(ctx, location, opts)
	case strings.HasPrefix(location, "file://"):
		u, err := url.Parse(location)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", location, err)
		}
		location = u.Path
	case strings.Contains(location, "://"):
		return nil, fmt.Errorf("source %q: want a folder, file:// or s3:// location", location)
	}
	fi, err := os.Stat(location)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("source %s is not a folder", location)
	}
	return Dir{Root: location}, nil
}

// ReadLocation reads a whole small file, such as the roster, from a local
// path or an s3:// URL.
func ReadLocation(ctx context.Context, location string, opts S3Options) ([]byte, error) {
	if !strings.HasPrefix(location, "s3://") {
		return os.ReadFile(strings.TrimPrefix(location, "file://"))
	}
	bucket, key, err := ParseS3URL(location)
	if err != nil {
		return nil, err
	}
	s, err := NewS3(ctx, "s3://"+bucket, opts)
	if err != nil {
		return nil, err
	}
	rc, err := s.Open(ctx, strings.TrimSuffix(key, "/"))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
