#!/usr/bin/env bash
# test.sh: what `make test` and CI run. Lints, starts a real S3 server
# (versitygw on 127.0.0.1, built once into the cache by s3server.sh), runs
# every test with the race detector, and stops the server whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint"
make --no-print-directory lint

echo "== browser"
# The dashboard's browser test drives Debian's chromium. CI runs as root and
# installs it here; elsewhere the test skips with a message (and fails under
# CI=true) when it is missing.
if [ ! -x /usr/bin/chromium ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
	else
		echo "chromium is missing and we are not root: the browser test will skip (sudo apt-get install chromium)"
	fi
fi

echo "== S3 server"
bash scripts/s3server.sh start
trap 'bash scripts/s3server.sh stop' EXIT
eval "$(bash scripts/s3server.sh env)"

echo "== tests"
go test -race -count=1 -timeout 20m ./...
