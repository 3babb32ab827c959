// Command wiretap analyses an archive of Slack messages written by Amazon
// Data Firehose: see 'wiretap --help'.
package main

import (
	"context"
	"os"

	// Office time zones must resolve on machines without a zoneinfo
	// database, such as minimal containers and Lambda.
	_ "time/tzdata"

	"github.com/wiretap-hq/wiretap/internal/cli"
)

func main() {
	io := cli.SystemIO()
	ctx, stop := cli.NotifyContext(context.Background(), io.Err)
	code := cli.Main(ctx, io, os.Args[1:])
	stop()
	os.Exit(code)
}
