// Package cli is the wiretap command line: it parses flags into the options
// of a job, runs the job, and turns its outcome into output and an exit
// code. It holds no analysis logic; that lives in jobs.
//
// The commands behave alike, so that scripts can rely on them:
//   - flags several commands share are bound by one binder (flags.go), so
//     they read the same everywhere; locations are archive.Location flags,
//     parsed when the command line is;
//   - stdout carries data (answers, a run's report), stderr everything
//     else: progress, logs, what a tool wrote and where;
//   - the first SIGINT or SIGTERM stops the job cleanly, the second exits
//     at once (NotifyContext), and an interrupted command says what it
//     left, which differs between commands.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1 // the job failed
	ExitUsage = 2 // the command line was wrong
)

// IO is where a command reads and writes. Data goes to Out; status, progress
// and logs go to Err.
type IO struct {
	In       io.Reader
	Out      io.Writer
	Err      io.Writer
	Terminal bool // Err is a terminal: show progress, keep logs quiet
	Getenv   func(string) string
}

// SystemIO is the process's standard streams.
func SystemIO() *IO {
	return &IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Terminal: isTerminal(os.Stderr), Getenv: os.Getenv}
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io *IO, args []string) error
	// interrupted says what an interrupted run of the command left, true
	// for that command: "" when there is nothing to say.
	interrupted string
}

// Messages of interrupted commands.
const (
	nothingPublished = "nothing was published; the previous outputs stand"
)

func commands() []command {
	return []command{
		{"run", "analyse a time range of the archive into Parquet tables and a summary", runCmd, nothingPublished},
		{"query", "answer a range of days from the daily partitions, not the archive", queryCmd, ""},
		{"nightly", "process only what is new in the archive since the last nightly run", nightlyCmd,
			nothingPublished + " and the state is unchanged: the next run redoes the work"},
		{"merge", "combine the shards of a sharded run", mergeCmd, nothingPublished},
		{"serve", "serve the dashboard, its JSON feed and the Slack slash command", serveCmd, ""},
		{"report", "write the dashboard of a range as one self-contained HTML file", reportCmd, "no report was written"},
		{"status", "show what an output folder covers, what is stale and what failed", statusCmd, ""},
		{"prune", "remove the daily partitions before a day (retention), published atomically", pruneCmd,
			"nothing was removed; the previous outputs stand"},
		{"gen", "generate a synthetic archive in the Firehose layout", genCmd,
			"the archive is incomplete: run the same command again (the same flags write the same bytes)"},
		{"ingest", "receive Slack's messages into an archive: ingest serve", ingestCmd, ""},
		{"backfill", "convert a Slack workspace export into archive objects", backfillCmd,
			"run the same command again to resume"},
		{"score", "show sentiment, sarcasm cues, tokens and topics of texts, one per line", scoreCmd, ""},
		{"version", "print the version", versionCmd, ""},
	}
}

const usage = `Wiretap turns an archive of Slack messages, as Amazon Data Firehose writes it
to S3, into Parquet aggregates and a dashboard summary.

Usage:
  wiretap <command> [flags]

Commands:
%s
Examples:
  # Generate a small archive and analyse it, no AWS account needed:
  wiretap gen --out ./archive --messages 50000
  wiretap run --source ./archive --roster ./archive/roster.csv \
              --from 2016-11-14 --to 2016-11-21 --out ./out

  # Analyse a day of the real archive in S3:
  wiretap run --source s3://acme-slack-archive/slack/ --from 2016-11-18 --to 2016-11-19 \
              --roster s3://acme-slack-archive/roster.csv --out ./out

Run 'wiretap <command> --help' for a command's flags.
`

// Main runs the command line args (without the program name) and returns
// the exit code.
func Main(ctx context.Context, io *IO, args []string) int {
	var list strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&list, "  %-9s %s\n", c.name, c.summary)
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprintf(io.Err, usage, list.String())
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, io, args[1:])
		switch {
		case err == nil:
			return ExitOK
		case errors.Is(err, flag.ErrHelp):
			return ExitOK
		case errors.As(err, new(*usageError)):
			fmt.Fprintf(io.Err, "wiretap %s: %v\nRun 'wiretap %s --help' for usage.\n", c.name, err, c.name)
			return ExitUsage
		case errors.Is(err, context.Canceled):
			if c.interrupted != "" {
				fmt.Fprintf(io.Err, "wiretap %s: interrupted; %s\n", c.name, c.interrupted)
			} else {
				fmt.Fprintf(io.Err, "wiretap %s: interrupted\n", c.name)
			}
			return ExitError
		default:
			fmt.Fprintf(io.Err, "wiretap %s: %v\n", c.name, err)
			return ExitError
		}
	}
	fmt.Fprintf(io.Err, "wiretap: unknown command %q\n\n", args[0])
	fmt.Fprintf(io.Err, usage, list.String())
	return ExitUsage
}

// usageError is a mistake on the command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// newFlagSet returns a flag set whose --help prints the command's examples.
func newFlagSet(io *IO, name, synopsis, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet("wiretap "+name, flag.ContinueOnError)
	fs.SetOutput(io.Err)
	fs.Usage = func() {
		fmt.Fprintf(io.Err, "Usage: wiretap %s\n\n%s\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(io.Err, "\nExamples:\n%s", examples)
		}
	}
	return fs
}

// parse parses flags, turning parse errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err}
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	return nil
}

// logger returns the structured logger for a command: quiet on a terminal,
// where the progress bar speaks, and at info level otherwise.
func logger(io *IO, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if io.Terminal && !verbose {
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(io.Err, &slog.HandlerOptions{Level: level}))
}

// shareS3Client gives o this command's one S3 client, built from o's
// endpoint and tuning, when any of locations is on S3: every store the
// command then opens (source, roster, output, side files) shares its
// connections, retryer and credentials. Local-only commands build none.
func shareS3Client(ctx context.Context, o *archive.S3Options, locations ...archive.Location) error {
	if o.Client != nil || !slices.ContainsFunc(locations, archive.Location.IsS3) {
		return nil
	}
	c, err := archive.NewS3Client(ctx, *o)
	if err != nil {
		return fmt.Errorf("S3 client: %w", err)
	}
	o.Client = c
	return nil
}
