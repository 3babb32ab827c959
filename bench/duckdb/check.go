package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// totals are summary.json's totals, which check compares with.
type totals = jobs.SummaryTotals

// tableCheck is one figure of a table read back, and what it must equal.
type tableCheck struct {
	table, what, sql string
	want             func(*totals) int64
}

// tableChecks are the sums check compares, per table. Every table is also
// checked to have one partition per date folder.
var tableChecks = []tableCheck{
	{"offices", "messages", "sum(messages)", func(t *totals) int64 { return t.Messages }},
	{"offices", "words", "sum(words)", func(t *totals) int64 { return t.Words }},
	{"offices", "thread replies", "sum(thread_replies)", func(t *totals) int64 { return t.ThreadReplies }},
	{"offices", "offices", "count(DISTINCT office)", func(t *totals) int64 { return t.Offices }},
	{"offices", "sentiment n", "sum(sentiment_n)", func(t *totals) int64 { return t.Sentiment.N }},
	{"offices", "positive", "sum(positive)", func(t *totals) int64 { return t.Sentiment.Positive }},
	{"offices", "neutral", "sum(neutral)", func(t *totals) int64 { return t.Sentiment.Neutral }},
	{"offices", "negative", "sum(negative)", func(t *totals) int64 { return t.Sentiment.Negative }},
	{"offices", "sarcastic", "sum(sarcastic)", func(t *totals) int64 { return t.Sarcasm.Flagged }},
	{"users", "messages", "sum(messages)", func(t *totals) int64 { return t.Messages }},
	{"users", "words", "sum(words)", func(t *totals) int64 { return t.Words }},
	{"users", "thread replies", "sum(thread_replies)", func(t *totals) int64 { return t.ThreadReplies }},
	{"users", "active users", "count(DISTINCT (team_id, user_id)) FILTER (WHERE messages > 0)", func(t *totals) int64 { return t.ActiveUsers }},
	{"channels", "messages", "sum(messages)", func(t *totals) int64 { return t.Messages }},
	{"channels", "words", "sum(words)", func(t *totals) int64 { return t.Words }},
	{"channels", "thread replies", "sum(thread_replies)", func(t *totals) int64 { return t.ThreadReplies }},
	{"channels", "channels", "count(DISTINCT (team_id, channel_id)) FILTER (WHERE messages > 0)", func(t *totals) int64 { return t.Channels }},
	{"channel_users", "messages", "sum(messages)", func(t *totals) int64 { return t.Messages }},
	{"activity", "messages", "sum(messages)", func(t *totals) int64 { return t.Messages }},
}

func checkCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("duckbench check", flag.ContinueOnError)
	out := fs.String("out", "", "a wiretap run's output folder (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	return checkOut(ctx, *out, os.Stdout)
}

// checkOut reads every Parquet table under out with DuckDB and compares
// its sums with out's summary.json totals, and the quarantine's lines with
// the manifest's count. It reports each table on w and returns an error
// naming every figure that differs.
func checkOut(ctx context.Context, out string, w io.Writer) error {
	var s jobs.Summary
	if err := readJSON(filepath.Join(out, jobs.SummaryFile), &s); err != nil {
		return err
	}
	db, err := openDB(ctx, 0)
	if err != nil {
		return err
	}
	defer db.Close()

	tables, err := parquetTables(out)
	if err != nil {
		return err
	}
	for _, c := range tableChecks {
		if !slices.Contains(tables, c.table) {
			return fmt.Errorf("%s: no %s table", out, c.table)
		}
	}
	var bad []string
	for _, table := range tables {
		src := fmt.Sprintf("read_parquet('%s', hive_partitioning = true)",
			strings.ReplaceAll(filepath.Join(out, table, "*", "*.parquet"), "'", "''"))
		dates, err := filepath.Glob(filepath.Join(out, table, "date=*"))
		if err != nil {
			return err
		}
		var rows, parts int64
		if err := db.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT date) FROM "+src).Scan(&rows, &parts); err != nil {
			return fmt.Errorf("read back %s: %w", table, err)
		}
		// A day without rows (no reactions, say) still has its partition,
		// an empty file: every date folder holds one file, and the rows
		// name no date without a folder.
		files, err := filepath.Glob(filepath.Join(out, table, "date=*", "*.parquet"))
		if err != nil {
			return err
		}
		if parts > int64(len(dates)) || len(files) != len(dates) {
			bad = append(bad, fmt.Sprintf("%s: %d dates in the rows, %d files in %d date folders", table, parts, len(files), len(dates)))
		}
		line := fmt.Sprintf("  %-14s %8d rows in %3d date partitions", table, rows, parts)
		for _, c := range tableChecks {
			if c.table != table {
				continue
			}
			var got sql.NullInt64
			if err := db.QueryRowContext(ctx, "SELECT "+c.sql+" FROM "+src).Scan(&got); err != nil {
				return fmt.Errorf("read back %s %s: %w", table, c.what, err)
			}
			if want := c.want(&s.Totals); got.Int64 != want {
				bad = append(bad, fmt.Sprintf("%s: %s %d, summary.json says %d", table, c.what, got.Int64, want))
			}
			line += fmt.Sprintf(", %s %d", c.what, got.Int64)
		}
		fmt.Fprintln(w, line)
	}
	if err := checkQuarantine(ctx, db, out, w); err != nil {
		bad = append(bad, err.Error())
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s: tables read back with DuckDB differ from the summary:\n  %s", out, strings.Join(bad, "\n  "))
	}
	fmt.Fprintf(w, "  every table of %s read back with DuckDB: the sums match summary.json and manifest.json\n", out)
	return nil
}

// readJSON decodes the JSON file path into v.
func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// parquetTables lists the folders of out that hold date partitions of
// Parquet files, in name order.
func parquetTables(out string) ([]string, error) {
	parts, err := filepath.Glob(filepath.Join(out, "*", "date=*", "*.parquet"))
	if err != nil {
		return nil, err
	}
	var tables []string
	for _, p := range parts {
		t := filepath.Base(filepath.Dir(filepath.Dir(p)))
		if !slices.Contains(tables, t) {
			tables = append(tables, t)
		}
	}
	slices.Sort(tables)
	if len(tables) == 0 {
		return nil, fmt.Errorf("%s: no Parquet tables", out)
	}
	return tables, nil
}

// checkQuarantine compares the records of the quarantine with the
// manifest's count of quarantined records.
func checkQuarantine(ctx context.Context, db *sql.DB, out string, w io.Writer) error {
	var m jobs.Manifest
	if err := readJSON(filepath.Join(out, output.ManifestName), &m); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(out, "quarantine", "*.ndjson"))
	if err != nil {
		return err
	}
	var n int64
	if len(files) > 0 {
		src := fmt.Sprintf("read_json('%s', format = 'newline_delimited', columns = {'key': 'VARCHAR', 'line': 'BIGINT', 'reason': 'VARCHAR', 'record': 'VARCHAR'})",
			strings.ReplaceAll(filepath.Join(out, "quarantine", "*.ndjson"), "'", "''"))
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+src).Scan(&n); err != nil {
			return fmt.Errorf("read back the quarantine: %w", err)
		}
	}
	fmt.Fprintf(w, "  %-14s %8d records\n", "quarantine", n)
	if n != m.Counts.Quarantined {
		return fmt.Errorf("quarantine: %d records, manifest.json says %d quarantined", n, m.Counts.Quarantined)
	}
	return nil
}
