package output

import (
	"context"
	"fmt"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// OpenOutput opens the output location loc: on S3 an S3Output (published by
// writing the manifest last), else a LocalOutput (published by rename).
func OpenOutput(ctx context.Context, loc archive.Location, opts archive.S3Options) (Output, error) {
	if loc.IsS3() {
		o, err := NewS3Output(ctx, loc, opts)
		if err != nil {
			return nil, err
		}
		return o, nil
	}
	if loc.IsZero() {
		return nil, fmt.Errorf("output: no location given")
	}
	o, err := NewLocalOutput(loc.Path())
	if err != nil {
		return nil, err
	}
	return o, nil
}
