package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/wiretap-hq/wiretap/internal/ingest"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

const ingestUsage = `Usage: wiretap ingest <subcommand> [flags]

Subcommands:
  serve     run the local ingest server: Slack's requests in, Firehose-style archive objects out

Run 'wiretap ingest serve --help' for its flags.
`

func ingestCmd(ctx context.Context, io *IO, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(io.Err, ingestUsage)
		return usageErrorf("missing subcommand: want serve")
	}
	switch args[0] {
	case "serve":
		return ingestServeCmd(ctx, io, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(io.Err, ingestUsage)
		return flag.ErrHelp
	}
	return usageErrorf("unknown subcommand %q: want serve", args[0])
}

const ingestServeExamples = `  # Serve, archiving into ./archive (the secret comes from the environment, never a flag):
  export SLACK_SIGNING_SECRET=...   # the app's Basic Information > App Credentials > Signing Secret
  wiretap ingest serve --addr 127.0.0.1:8080 --archive ./archive

  # From another shell: a request signed the way Slack signs it (HMAC-SHA256 of
  # "v0:<timestamp>:<body>" with the signing secret), then sent with curl:
  ts=$(date +%s)
  body='{"type":"event_callback","team_id":"T0001","event_id":"Ev0001","event":{"type":"message","channel":"C0001","user":"U0001","text":"hello from curl","ts":"'$ts'.000100"}}'
  sig=v0=$(printf 'v0:%s:%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SLACK_SIGNING_SECRET" | awk '{print $NF}')
  curl -i http://127.0.0.1:8080/slack/events -H 'Content-Type: application/json' \
       -H "X-Slack-Request-Timestamp: $ts" -H "X-Slack-Signature: $sig" --data-binary "$body"

  # Stop with Ctrl-C (or SIGTERM): the buffer is written first. Then analyse what arrived:
  wiretap run --source ./archive --from 2016-11-18 --to 2016-11-19 --out ./out

Slack app setup (api.slack.com/apps, your app):
  1. Tunnel to the server: cloudflared tunnel --url http://127.0.0.1:8080 (or: ngrok http 8080).
  2. Event Subscriptions: Request URL https://<tunnel>/slack/events; bot events message.channels, message.groups.
  3. Install the app and /invite it to the channels to archive; export its Signing Secret as above.

Environment:
  SLACK_SIGNING_SECRET      the app's signing secret (required)
  SLACK_VERIFICATION_TOKEN  the legacy verification token, to accept outgoing webhooks (optional)
`

func ingestServeCmd(ctx context.Context, io *IO, args []string) error {
	var (
		addr, prefix string
		archiveLoc   archive.Location
		s3           archive.S3Options
		opts         ingest.ServeOptions
		verbose      bool
	)
	fs := newFlagSet(io, "ingest serve --archive DIR|s3://bucket/prefix [--addr 127.0.0.1:8080] [flags]",
		"Runs the ingest Lambda's handler as a plain HTTP server at POST "+ingest.EventsPath+": it verifies\n"+
			"each request's Slack signature (or, for outgoing webhooks, the verification token),\n"+
			"normalises it to the canonical record and buffers it like Firehose, writing an object\n"+
			"under a real Firehose key (YYYY/MM/dd/HH/slack-wiretap-1-...) when the buffer reaches\n"+
			"--flush-bytes or its oldest record is --flush-interval old. `wiretap run` reads the archive\n"+
			"as it reads one Firehose wrote. A request is answered 200 once its record is buffered;\n"+
			"SIGINT or SIGTERM stops the server and writes the buffer, so nothing acknowledged is lost.\n", ingestServeExamples)
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "TCP address to listen on (port 0 picks a free port)")
	fs.Var(&archiveLoc, "archive", archiveUsage)
	fs.StringVar(&prefix, "prefix", "", "custom key prefix before the hour prefix, as a Firehose stream's, e.g. slack/")
	fs.IntVar(&opts.FlushBytes, "flush-bytes", ingest.DefaultFlushBytes, "write an object when the buffer holds this many bytes")
	fs.DurationVar(&opts.FlushInterval, "flush-interval", ingest.DefaultFlushInterval, "write an object when the buffer's oldest record is this old")
	fs.DurationVar(&opts.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "on shutdown, how long requests in flight may finish before the buffer is written")
	addS3Endpoint(fs, &s3)
	fs.BoolVar(&verbose, "v", false, "log every request, not only objects written and problems")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case archiveLoc.IsZero():
		return usageErrorf("--archive is required")
	case opts.FlushBytes <= 0:
		return usageErrorf("--flush-bytes %d: want a positive size", opts.FlushBytes)
	case opts.FlushInterval <= 0:
		return usageErrorf("--flush-interval %s: want a positive duration", opts.FlushInterval)
	case opts.ShutdownTimeout <= 0:
		return usageErrorf("--shutdown-timeout %s: want a positive duration", opts.ShutdownTimeout)
	case prefix != "" && (!strings.HasSuffix(prefix, "/") || strings.HasPrefix(prefix, "/")):
		return usageErrorf("--prefix %q: want a relative folder ending in /, e.g. slack/", prefix)
	}
	getenv := io.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	// Secrets come from the environment only: a flag's value shows in ps.
	opts.SigningSecret = getenv(ingest.EnvSigningSecret)
	opts.VerificationToken = getenv(ingest.EnvVerificationToken)
	if opts.SigningSecret == "" {
		return usageErrorf("%s is not set: export the Slack app's signing secret (Basic Information > App Credentials) before starting",
			ingest.EnvSigningSecret)
	}

	if err := createFolder(archiveLoc); err != nil {
		return err
	}
	store, err := archive.OpenStore(ctx, archiveLoc, s3)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", addr, err)
	}
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(io.Err, &slog.HandlerOptions{Level: level}))
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		log.Warn("ingest: listening beyond this machine; Slack reaches it through a tunnel anyway", "addr", ln.Addr().String())
	}
	written := &countingPutter{Putter: store, prefix: prefix}
	opts.Listener = ln
	opts.Archive = written
	opts.Prefix = prefix
	opts.Logger = log

	source := archiveLoc.String()
	if prefix != "" {
		source = archiveLoc.Join(strings.TrimSuffix(prefix, "/")).String()
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	fmt.Fprintf(io.Err, "Listening on http://%s%s, archiving into %s (an object every %s or %d bytes).\n",
		ln.Addr(), ingest.EventsPath, store.Locate(prefix), opts.FlushInterval, opts.FlushBytes)
	fmt.Fprintf(io.Err, "Stop with Ctrl-C; then analyse what arrived, e.g. today's messages:\n  %s\n",
		runCommand(source, today, today.AddDate(0, 0, 1)))

	serveErr := ingest.Serve(ctx, opts)
	objects, bytes, first, last := written.stats()
	fmt.Fprintf(io.Err, "Stopped: wrote %d objects (%d bytes) to %s.\n", objects, bytes, store.Locate(prefix))
	if objects > 0 {
		// Live messages are filed under the hour they arrived in, which is
		// (about) their own: the days of the objects are the days to read.
		from := first.Truncate(24 * time.Hour)
		to := last.Truncate(24*time.Hour).AddDate(0, 0, 1)
		fmt.Fprintf(io.Err, "Analyse them with:\n  %s\n", runCommand(source, from, to))
	}
	return serveErr
}

func runCommand(source string, from, to time.Time) string {
	return fmt.Sprintf("wiretap run --source %s --from %s --to %s --out ./out",
		shellQuote(source), from.Format(time.DateOnly), to.Format(time.DateOnly))
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// countingPutter counts the objects written through it and the range of
// their hour prefixes.
type countingPutter struct {
	archive.Putter
	prefix string

	mu          sync.Mutex
	objects     int64
	bytes       int64
	first, last time.Time
}

func (c *countingPutter) Put(ctx context.Context, key string, body []byte) error {
	if err := c.Putter.Put(ctx, key, body); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.objects++
	c.bytes += int64(len(body))
	if obj, ok := archive.ParseObjectKey(c.prefix, key); ok {
		if c.first.IsZero() || obj.Hour.Before(c.first) {
			c.first = obj.Hour
		}
		if obj.Hour.After(c.last) {
			c.last = obj.Hour
		}
	}
	return nil
}

func (c *countingPutter) stats() (objects, bytes int64, first, last time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.objects, c.bytes, c.first, c.last
}

var _ archive.Putter = (*countingPutter)(nil)
