#!/usr/bin/env bash
# bench.sh: what `make bench` runs. Generates (once, cached) a ~1 GB archive,
# times `wiretap run` over it end to end (median of $RUNS runs: MB/s,
# records/s, peak RSS), then runs the Go micro-benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${WIRETAP_CACHE:-$HOME/.cache/wiretap}"
RUNS="${RUNS:-3}"
# The archive is a function of these flags; the folder name says which.
MESSAGES="${BENCH_MESSAGES:-2000000}"
DAYS=28
START=2016-11-07
END=2016-12-05
ARCHIVE="$CACHE/bench-archive-m${MESSAGES}-d${DAYS}-s1"

if [[ ! -f "$ARCHIVE/.complete" ]]; then
	echo "== generating the benchmark archive in $ARCHIVE (once)"
	rm -rf "$ARCHIVE"
	bin/wiretap gen --out "$ARCHIVE" --messages "$MESSAGES" --days "$DAYS" --start "$START" --seed 1
	touch "$ARCHIVE/.complete"
fi
du -sh --exclude=.complete "$ARCHIVE"

echo "== wiretap run, end to end"
go run ./bench/cmd/runbench --bin bin/wiretap --archive "$ARCHIVE" --from "$START" --to "$END" --runs "$RUNS"

echo "== Go benchmarks"
go test -run '^$' -bench . -benchmem -benchtime 2s ./schema/ ./nlp/ ./pipeline/... ./bench/

echo "== prose: its tokenizer and tagger against ours (MB/s)"
go test -run '^$' -bench . -benchtime 1s ./nlp/phrase/

echo "== query over a year of daily partitions"
go test ./jobs/ -run '^$' -bench BenchmarkQueryYear -benchtime 5x -count 3

echo "== local ingest server under load (10,000 signed requests on loopback)"
go test ./internal/ingest/ -run '^$' -bench BenchmarkServeLoopback -benchtime 1x -count 3
