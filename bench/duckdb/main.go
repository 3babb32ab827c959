// Command duckbench puts DuckDB beside Wiretap in `make bench`: it times
// plain SQL group-bys over the same NDJSON archive in alternating runs with
// `wiretap run`, and it reads every table Wiretap wrote back with DuckDB's
// Parquet reader to check its sums against summary.json.
//
// It is its own Go module because DuckDB is C++ linked through cgo: the
// main module builds without cgo, and `go build ./...` at the repository
// root does not descend into a nested module.
//
//	cd bench/duckdb && go build -o ../../bin/duckbench .
//	bin/duckbench compare --bin bin/wiretap --archive ARCHIVE --from 2016-11-14 --to 2016-11-21 --runs 3
//	bin/duckbench check --out OUT
//
// Subcommands:
//   - compare runs, per round, `wiretap run` and each DuckDB query in a child
//     process (so that each has its own peak RSS), rotating their order
//     from round to round, and prints per pair the medians and the ratio of
//     wall times.
//   - query runs one query in this process and prints its answer's digest:
//     what compare's children do.
//   - check reads every table under a Wiretap output folder with
//     read_parquet(..., hive_partitioning = true) and compares the sums with
//     summary.json's totals and manifest.json's counts.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "compare":
		err = compareCmd(ctx, os.Args[2:])
	case "query":
		err = queryCmd(ctx, os.Args[2:])
	case "check":
		err = checkCmd(ctx, os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "duckbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: duckbench compare|query|check [flags] (-h for each)")
	os.Exit(2)
}
