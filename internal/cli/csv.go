package cli

import (
	"encoding/csv"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// query --format csv writes one table's rows. Its columns are read from the
// row types' parquet tags, the definitions the Parquet files are written
// from, so that a column added to a table (sarcasm, reactions) reaches the
// CSV without anyone remembering to add it here. Only scalar columns are
// written: lists (evidence refs, author hashes) do not fit a cell, and
// text is never written.

// csvTables are the rows of each table of t, by table name.
func csvTables(t *aggregate.Tables) map[string]any {
	return map[string]any{
		jobs.TableOffices: t.Offices, jobs.TableUsers: t.Users, jobs.TableChannels: t.Channels,
		jobs.TableChannelUsers: t.ChannelUsers, jobs.TableTopics: t.Topics, jobs.TableActivity: t.Activity,
		jobs.TableReactions: t.Reactions, jobs.TableThreads: t.Threads,
	}
}

// csvColumn is a column of a row type: its name and the field's index path
// (through embedded structs).
type csvColumn struct {
	name  string
	index []int
}

// csvColumns lists the scalar columns of the row type typ in the order of
// its fields, as the Parquet files have them.
func csvColumns(typ reflect.Type) []csvColumn {
	var cols []csvColumn
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
		switch {
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			for _, c := range csvColumns(f.Type) {
				cols = append(cols, csvColumn{c.name, append([]int{i}, c.index...)})
			}
		case name == "" || name == "-" || !f.IsExported():
		case f.Type.Kind() == reflect.String, f.Type.Kind() == reflect.Bool,
			f.Type.Kind() >= reflect.Int && f.Type.Kind() <= reflect.Int64, f.Type.Kind() == reflect.Float64:
			cols = append(cols, csvColumn{name, []int{i}})
		}
	}
	return cols
}

// csvCell formats a scalar value as the CSV writes it.
func csvCell(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	default:
		return strconv.FormatInt(v.Int(), 10)
	}
}

// writeCSV writes the rows of table, a header line first.
func writeCSV(io *IO, t *aggregate.Tables, table string) error {
	rows, ok := csvTables(t)[table]
	if !ok {
		return usageErrorf("--table %q: want one of %s", table, strings.Join(jobs.Tables, ", "))
	}
	v := reflect.ValueOf(rows)
	cols := csvColumns(v.Type().Elem())
	w := csv.NewWriter(io.Out)
	record := make([]string, len(cols))
	for i, c := range cols {
		record[i] = c.name
	}
	if err := w.Write(record); err != nil {
		return err
	}
	for r := range v.Len() {
		row := v.Index(r)
		for i, c := range cols {
			record[i] = csvCell(row.FieldByIndex(c.index))
		}
		if err := w.Write(record); err != nil {
			return fmt.Errorf("write %s: %w", table, err)
		}
	}
	w.Flush()
	return w.Error()
}
