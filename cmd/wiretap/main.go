// Command wiretap analyses an archive of Slack messages written by Amazon
// Data Firehose: see 'wiretap --help'.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	// Office time zones must resolve on machines without a zoneinfo
	// database, such as minimal containers and Lambda.
	_ "time/tzdata"

	"github.com/wiretap-hq/wiretap/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.SystemIO(), os.Args[1:])
	stop()
	os.Exit(code)
}
