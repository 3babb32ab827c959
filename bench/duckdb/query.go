package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver
)

// Queries are the DuckDB sides of the comparison, in the order compare
// runs them:
//   - a: messages per user and channel;
//   - b: the top 100 lowercase words;
//   - ab: both in one query over a materialised scan, the closest a plain
//     SQL engine comes to what one pass of Wiretap does.
var Queries = []string{"a", "b", "ab"}

// scanSQL reads the three producer shapes Wiretap decodes (webhook,
// Events API envelope, canonical) into one user, channel and text per
// record. Malformed lines are skipped, as Wiretap quarantines them.
const scanSQL = `SELECT coalesce(user_id, "user", event."user") AS u,
	coalesce(channel_id, channel, event.channel) AS c,
	coalesce(text, event.text) AS text
FROM read_json(%s, format = 'newline_delimited', ignore_errors = true,
	columns = {'user_id': 'VARCHAR', 'user': 'VARCHAR', 'channel_id': 'VARCHAR', 'channel': 'VARCHAR',
		'text': 'VARCHAR', 'event': 'STRUCT("user" VARCHAR, channel VARCHAR, text VARCHAR)'})`

// perUserSQL and topWordsSQL read from the relation named src.
const (
	perUserSQL  = `SELECT u, c, count(*) AS n FROM %s WHERE u IS NOT NULL GROUP BY u, c`
	topWordsSQL = `SELECT w, count(*) AS n FROM (SELECT unnest(regexp_extract_all(lower(text), '[a-z]+')) AS w FROM %s)
	GROUP BY w ORDER BY n DESC, w LIMIT 100`
)

// querySQL returns the SQL of query q over files. Every query answers one
// row: the number of (user, channel) groups and their messages, the number
// of top words, their occurrences and the first of them; a query leaves
// out what it does not compute.
func querySQL(q string, files []string) (string, error) {
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = "'" + strings.ReplaceAll(f, "'", "''") + "'"
	}
	scan := fmt.Sprintf(scanSQL, "["+strings.Join(quoted, ", ")+"]")
	switch q {
	case "a":
		return fmt.Sprintf(`WITH a AS (`+perUserSQL+`)
SELECT count(*), sum(n), NULL, NULL, NULL FROM a`, "("+scan+")"), nil
	case "b":
		return fmt.Sprintf(`WITH b AS (`+topWordsSQL+`)
SELECT NULL, NULL, count(*), sum(n), first(w ORDER BY n DESC, w) FROM b`, "("+scan+")"), nil
	case "ab":
		return fmt.Sprintf(`WITH m AS MATERIALIZED (%s), a AS (`+perUserSQL+`), b AS (`+topWordsSQL+`)
SELECT (SELECT count(*) FROM a), (SELECT sum(n) FROM a), (SELECT count(*) FROM b), (SELECT sum(n) FROM b),
	(SELECT first(w ORDER BY n DESC, w) FROM b)`, scan, "m", "m"), nil
	}
	return "", fmt.Errorf("no query %q: want one of %s", q, strings.Join(Queries, ", "))
}

// Answer is what a query prints: enough to see that it did the work and
// that two runs agree.
type Answer struct {
	Query       string  `json:"query"`
	Groups      int64   `json:"groups,omitempty"`   // (user, channel) groups
	Messages    int64   `json:"messages,omitempty"` // records with a user
	TopWords    int64   `json:"top_words,omitempty"`
	TopWordsN   int64   `json:"top_words_n,omitempty"` // occurrences of the top words
	FirstWord   string  `json:"first_word,omitempty"`
	Files       int     `json:"files"`
	Bytes       int64   `json:"bytes"`
	QuerySecond float64 `json:"query_seconds"` // inside the process, without its start
}

// openDB opens an in-memory DuckDB limited to threads threads (0: its
// default, one per core).
func openDB(ctx context.Context, threads int) (*sql.DB, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	if threads > 0 {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("SET threads = %d", threads)); err != nil {
			db.Close()
			return nil, fmt.Errorf("duckdb: set threads: %w", err)
		}
	}
	return db, nil
}

// runQuery runs query q over files and returns its answer.
func runQuery(ctx context.Context, db *sql.DB, q string, files []string) (*Answer, error) {
	text, err := querySQL(q, files)
	if err != nil {
		return nil, err
	}
	a := &Answer{Query: q, Files: len(files)}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		a.Bytes += st.Size()
	}
	var groups, msgs, words, wordsN sql.NullInt64
	var first sql.NullString
	start := time.Now()
	if err := db.QueryRowContext(ctx, text).Scan(&groups, &msgs, &words, &wordsN, &first); err != nil {
		return nil, fmt.Errorf("duckdb query %s over %d files: %w", q, len(files), err)
	}
	a.QuerySecond = time.Since(start).Seconds()
	a.Groups, a.Messages, a.TopWords, a.TopWordsN, a.FirstWord = groups.Int64, msgs.Int64, words.Int64, wordsN.Int64, first.String
	return a, nil
}

// archiveFiles lists the Firehose objects of stream under archive that a
// run over [from, to) reads: those under the hour prefixes from
// from-lookBehind to to+margin, exclusive, as Wiretap lists them.
func archiveFiles(archive, stream string, from, to time.Time, lookBehind, margin time.Duration) ([]string, error) {
	var files []string
	for h := from.Add(-lookBehind); h.Before(to.Add(margin)); h = h.Add(time.Hour) {
		dir := filepath.Join(archive, h.Format("2006/01/02/15"))
		ents, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if e.Type().IsRegular() && strings.HasPrefix(e.Name(), stream+"-") {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	slices.Sort(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("no objects of stream %q under %s between %s and %s", stream, archive,
			from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	return files, nil
}

// rangeFlags are the flags that say which objects a run reads.
type rangeFlags struct {
	archive, stream, from, to string
	lookBehind, margin        time.Duration
	threads                   int
}

func (r *rangeFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&r.archive, "archive", "", "archive folder (required)")
	fs.StringVar(&r.stream, "stream", "slack-wiretap", "Firehose delivery stream name")
	fs.StringVar(&r.from, "from", "", "range start, YYYY-MM-DD (required)")
	fs.StringVar(&r.to, "to", "", "range end, exclusive (required)")
	fs.DurationVar(&r.lookBehind, "look-behind", time.Hour, "hour prefixes read before the range, as wiretap run")
	fs.DurationVar(&r.margin, "margin", time.Hour, "hour prefixes read after the range, as wiretap run's --margin")
	fs.IntVar(&r.threads, "threads", 2, "DuckDB threads (0: one per core)")
}

func (r *rangeFlags) files() ([]string, error) {
	if r.archive == "" || r.from == "" || r.to == "" {
		return nil, errors.New("--archive, --from and --to are required")
	}
	from, err := time.Parse(time.DateOnly, r.from)
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	to, err := time.Parse(time.DateOnly, r.to)
	if err != nil {
		return nil, fmt.Errorf("--to: %w", err)
	}
	return archiveFiles(r.archive, r.stream, from, to, r.lookBehind, r.margin)
}

func queryCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("duckbench query", flag.ContinueOnError)
	var r rangeFlags
	r.bind(fs)
	q := fs.String("q", "ab", "query: "+strings.Join(Queries, ", "))
	if err := fs.Parse(args); err != nil {
		return err
	}
	files, err := r.files()
	if err != nil {
		return err
	}
	db, err := openDB(ctx, r.threads)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := runQuery(ctx, db, *q, files)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(a)
}
