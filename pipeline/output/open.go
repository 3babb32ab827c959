package output

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// OpenOutput opens an output location: "s3://bucket/prefix" gives an
// S3Output (published by writing the manifest last), "file:///path" or a
// plain path a LocalOutput (published by rename).
func OpenOutput(ctx context.Context, location string, opts archive.S3Options) (Output, error) {
	switch {
	case strings.HasPrefix(location, "s3://"):
		o, err := NewS3Output(ctx, location, opts)
		if err != nil {
			return nil, err
		}
		return o, nil
	case strings.HasPrefix(location, "file://"):
		u, err := url.Parse(location)
		if err != nil {
			return nil, fmt.Errorf("output %q: %w", location, err)
		}
		location = u.Path
	case strings.Contains(location, "://"):
		return nil, fmt.Errorf("output %q: want a folder, file:// or s3:// location", location)
	}
	o, err := NewLocalOutput(location)
	if err != nil {
		return nil, err
	}
	return o, nil
}
