package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/schema"
)

func versionCmd(ctx context.Context, io *IO, args []string) error {
	fs := newFlagSet(io, "version", "Prints the version, the record schema version and the Go version.\n", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "wiretap %s (record schema v%d, %s, %s)\n", jobs.Version, schema.Version, jobs.SummarySchema, runtime.Version())
	return nil
}
