#!/usr/bin/env bash
# s3server.sh start|stop|env|status - a real S3 server (versitygw, posix
# backend) on 127.0.0.1 for the S3 integration tests in pipeline/s3_test.go.
#
#   scripts/s3server.sh start    # install if needed, start, print the env lines
#   source "$(scripts/s3server.sh envfile)"   # or: eval "$(scripts/s3server.sh env)"
#   go test -race -run S3 ./pipeline/
#   scripts/s3server.sh stop     # kill it and remove its data dir
#
# The env file holds `export KEY=value` lines, which both bash `source` and
# GNU make `include` accept:
#   WIRETAP_TEST_S3_ENDPOINT  http://127.0.0.1:PORT
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY  fixed test credentials (not secrets)
#   AWS_REGION                us-east-1
#
# Only Go is needed: the binary is built with `go install` into
# ${WIRETAP_CACHE:-$HOME/.cache/wiretap}/bin once (a cold build takes
# minutes), and readiness is probed with bash's /dev/tcp, not curl.
# `start` is idempotent: a server that is already up is reused.
set -euo pipefail

readonly VGW_MODULE=github.com/versity/versitygw
readonly VGW_VERSION=v1.8.0
readonly CACHE="${WIRETAP_CACHE:-$HOME/.cache/wiretap}"
readonly BIN_DIR="$CACHE/bin"
readonly BIN="$BIN_DIR/versitygw"
# State lives beside the binary so that start and stop, run from any
# directory or checkout, agree on which server they mean.
readonly STATE_DIR="${WIRETAP_S3_STATE:-$CACHE/s3server}"
readonly PID_FILE="$STATE_DIR/versitygw.pid"
readonly ENV_FILE="$STATE_DIR/env"
readonly DATA_FILE="$STATE_DIR/datadir"
readonly LOG_FILE="$STATE_DIR/versitygw.log"
readonly HEALTH_PATH=/health
# Fixed throwaway credentials for a server bound to loopback only.
readonly TEST_ACCESS_KEY=wiretaptest
readonly TEST_SECRET_KEY=wiretaptest-secret-not-for-production
readonly TEST_REGION=us-east-1

log() { printf 's3server: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

# installed_ok reports whether $BIN is versitygw $VGW_VERSION. The binary's
# own --version prints "git" when built by `go install` (the release
# ldflags are missing), so read the module version Go embedded instead.
installed_ok() {
	[[ -x "$BIN" ]] || return 1
	go version -m "$BIN" 2>/dev/null |
		grep -Eq "^[[:space:]]+mod[[:space:]]+${VGW_MODULE}[[:space:]]+${VGW_VERSION}([[:space:]]|$)"
}

install() {
	if installed_ok; then
		return 0
	fi
	command -v go >/dev/null || die "go is not on PATH; it is needed to build versitygw"
	mkdir -p "$BIN_DIR"
	log "building versitygw $VGW_VERSION into $BIN_DIR (takes a few minutes the first time)"
	# Build outside any module so the caller's go.mod and GOFLAGS=-mod=vendor
	# cannot interfere with `go install pkg@version`.
	(cd "$BIN_DIR" && GOFLAGS= GOBIN="$BIN_DIR" go install "$VGW_MODULE/cmd/versitygw@$VGW_VERSION")
	installed_ok || die "go install finished but $BIN is not versitygw $VGW_VERSION"
}

# is_ours PID: the pid is alive and is a versitygw process (a stale pid file
# may name a recycled pid that belongs to something else).
is_ours() {
	local pid=$1 cmd=""
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	if [[ -r "/proc/$pid/cmdline" ]]; then
		cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
	else
		cmd=$(ps -p "$pid" -o args= 2>/dev/null || true)
	fi
	[[ "$cmd" == *versitygw* ]]
}

# healthy PORT: GET /health answers 200. Plain HTTP over /dev/tcp keeps the
# script free of curl/wget.
healthy() {
	local port=$1 status=""
	{
		exec 3<>"/dev/tcp/127.0.0.1/$port"
	} 2>/dev/null || return 1
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$HEALTH_PATH" "$port" >&3 || {
		exec 3>&-
		return 1
	}
	IFS= read -r -t 2 status <&3 || true
	exec 3>&-
	[[ "$status" == "HTTP/1."[01]" 200"* ]]
}

# port_busy PORT: something accepts connections there.
port_busy() {
	{ (exec 3<>"/dev/tcp/127.0.0.1/$1") ; } 2>/dev/null
}

running_pid() {
	local pid
	[[ -f "$PID_FILE" ]] || return 1
	pid=$(<"$PID_FILE")
	is_ours "$pid" || return 1
	printf '%s\n' "$pid"
}

env_port() {
	sed -n 's|^export WIRETAP_TEST_S3_ENDPOINT=http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$ENV_FILE" 2>/dev/null
}

write_env() {
	local port=$1 tmp="$ENV_FILE.tmp.$$"
	cat >"$tmp" <<EOF
export WIRETAP_TEST_S3_ENDPOINT=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=$TEST_ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$TEST_SECRET_KEY
export AWS_REGION=$TEST_REGION
EOF
	mv -f "$tmp" "$ENV_FILE"
}

start() {
	local pid port data attempt i
	mkdir -p "$STATE_DIR"
	# Test processes start the server on their own (s3test.Endpoint), several
	# at once under `go test ./...`: one start at a time, the others reuse it.
	if command -v flock >/dev/null; then
		exec 9>"$STATE_DIR/lock"
		flock -w 900 9 || die "timed out waiting for $STATE_DIR/lock"
	fi
	if pid=$(running_pid) && port=$(env_port) && [[ -n "$port" ]] && healthy "$port"; then
		log "already running (pid $pid, port $port)"
		cat "$ENV_FILE"
		return 0
	fi
	stop_quiet
	install

	data=$(mktemp -d "${TMPDIR:-/tmp}/wiretap-s3.XXXXXX")
	printf '%s\n' "$data" >"$DATA_FILE"

	# Pick a random high port that nothing answers on; if another process
	# takes it before versitygw binds, versitygw exits and we try again.
	for attempt in 1 2 3 4 5 6 7 8; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		port_busy "$port" && continue
		# Credentials go through the environment, not argv, so they do not
		# show up in `ps`.
		ROOT_ACCESS_KEY_ID=$TEST_ACCESS_KEY ROOT_SECRET_ACCESS_KEY=$TEST_SECRET_KEY \
			"$BIN" --port "127.0.0.1:$port" --region "$TEST_REGION" --health "$HEALTH_PATH" \
			--keep-alive --quiet posix "$data" </dev/null >"$LOG_FILE" 2>&1 9>&- &
		pid=$!
		printf '%s\n' "$pid" >"$PID_FILE"
		for ((i = 0; i < 100; i++)); do # up to ~20s
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			if healthy "$port"; then
				write_env "$port"
				log "started versitygw (pid $pid) on 127.0.0.1:$port, data in $data"
				log "env file: $ENV_FILE"
				cat "$ENV_FILE"
				return 0
			fi
			sleep 0.2
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			rm -rf "$data"
			die "versitygw did not answer on 127.0.0.1:$port within 20s; log: $LOG_FILE"
		fi
		wait "$pid" 2>/dev/null || true
		log "versitygw exited on attempt $attempt (port $port taken?): $(tail -n 3 "$LOG_FILE" 2>/dev/null | tr '\n' ' ')"
	done
	rm -rf "$data"
	die "could not start versitygw; log: $LOG_FILE"
}

# stop_quiet kills our server if it runs and removes its state; it is silent
# when there is nothing to stop, so start can call it to clear stale state.
stop_quiet() {
	local pid data i
	if [[ -f "$PID_FILE" ]]; then
		pid=$(<"$PID_FILE")
		if is_ours "$pid"; then
			kill "$pid" 2>/dev/null || true
			for ((i = 0; i < 50; i++)); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.2
			done
			if kill -0 "$pid" 2>/dev/null; then
				kill -KILL "$pid" 2>/dev/null || true
			fi
			log "stopped versitygw (pid $pid)"
		fi
	fi
	if [[ -f "$DATA_FILE" ]]; then
		data=$(<"$DATA_FILE")
		# Only ever delete a directory this script created.
		if [[ "$data" == */wiretap-s3.* && -d "$data" ]]; then
			rm -rf "$data"
		fi
	fi
	rm -f "$PID_FILE" "$ENV_FILE" "$DATA_FILE"
}

case "${1:-}" in
start)
	start
	;;
stop)
	stop_quiet
	;;
env)
	pid=$(running_pid) || die "not running; run: $0 start"
	cat "$ENV_FILE"
	;;
envfile)
	running_pid >/dev/null || die "not running; run: $0 start"
	printf '%s\n' "$ENV_FILE"
	;;
status)
	if pid=$(running_pid); then
		log "running (pid $pid, port $(env_port))"
	else
		log "not running"
		exit 1
	fi
	;;
install)
	install
	;;
*)
	printf 'usage: %s start|stop|env|envfile|status|install\n' "$0" >&2
	exit 2
	;;
esac
