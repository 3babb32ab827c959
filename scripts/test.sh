#!/usr/bin/env bash
# test.sh: what `make test` and CI run. Lints, starts a real S3 server
# (versitygw on 127.0.0.1, built once into the cache by s3server.sh), runs
# every test with the race detector, and stops the server whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint"
make --no-print-directory lint

echo "== S3 server"
bash scripts/s3server.sh start
trap 'bash scripts/s3server.sh stop' EXIT
eval "$(bash scripts/s3server.sh env)"

echo "== tests"
go test -race -count=1 -timeout 20m ./...
