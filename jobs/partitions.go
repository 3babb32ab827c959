package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// Table names, as they appear under the output root.
const (
	TableOffices      = "offices"
	TableUsers        = "users"
	TableChannels     = "channels"
	TableChannelUsers = "channel_users"
	TableTopics       = "topics"
	TableActivity     = "activity"
	TableReactions    = "reactions"
	TableThreads      = "threads"
)

// Tables lists the output tables in the order they are written.
var Tables = []string{TableOffices, TableUsers, TableChannels, TableChannelUsers, TableTopics, TableActivity, TableReactions, TableThreads}

// partFile is the one file of each table's day partition.
const partFile = "part-0.parquet"

func partition(table string, day aggregate.Day) string {
	return output.PartitionPath(table, "date", day.String(), partFile)
}

// writeDay stages the tables of one day, agg. Every table is written,
// empty or not, so that a rerun replaces whatever an earlier run left
// there. Tables are rendered one at a time, each dropped once written: a
// large workspace's day has millions of rows, and all its tables at once
// were a sixth of a run's live heap. With text, the offices, users and
// topics tables get the column evidence_text (every row, even one without
// text, so that a run's files agree); without it they are written exactly
// as before that column existed.
func writeDay(ctx context.Context, out output.Output, day aggregate.Day, agg *aggregate.Aggregate, text bool) error {
	files := []struct {
		table string
		data  func() ([]byte, error)
	}{
		{TableOffices, func() ([]byte, error) {
			return encodeRows(agg.OfficeRows(), text, func(r aggregate.OfficeRow) aggregate.OfficeTextRow {
				return aggregate.OfficeTextRow{OfficeRow: r, EvidenceText: r.EvidenceText,
					PositiveEvidenceText: r.PositiveEvidenceText, NegativeEvidenceText: r.NegativeEvidenceText}
			})
		}},
		{TableUsers, func() ([]byte, error) {
			return encodeRows(agg.UserRows(), text, func(r aggregate.UserRow) aggregate.UserTextRow {
				return aggregate.UserTextRow{UserRow: r, EvidenceText: r.EvidenceText,
					MentionEvidenceText: r.MentionEvidenceText, SarcasmEvidenceText: r.SarcasmEvidenceText,
					PositiveEvidenceText: r.PositiveEvidenceText, NegativeEvidenceText: r.NegativeEvidenceText}
			})
		}},
		{TableChannels, func() ([]byte, error) { return output.EncodeParquet(agg.ChannelRows(), Version) }},
		{TableChannelUsers, func() ([]byte, error) { return output.EncodeParquet(agg.ChannelUserRows(), Version) }},
		{TableTopics, func() ([]byte, error) {
			return encodeRows(agg.TopicRows(), text, func(r aggregate.TopicRow) aggregate.TopicTextRow {
				return aggregate.TopicTextRow{TopicRow: r, EvidenceText: r.EvidenceText}
			})
		}},
		{TableActivity, func() ([]byte, error) { return output.EncodeParquet(agg.ActivityRows(), Version) }},
		{TableReactions, func() ([]byte, error) { return output.EncodeParquet(agg.ReactionRows(), Version) }},
		{TableThreads, func() ([]byte, error) {
			return encodeRows(agg.ThreadRows(), text, func(r aggregate.ThreadRow) aggregate.ThreadTextRow {
				return aggregate.ThreadTextRow{ThreadRow: r, QuestionText: r.QuestionText}
			})
		}},
	}
	for _, f := range files {
		data, err := f.data()
		if err != nil {
			return fmt.Errorf("encode %s for %s: %w", f.table, day, err)
		}
		if err := out.WriteFile(ctx, partition(f.table, day), data); err != nil {
			return err
		}
	}
	return nil
}

// encodeRows encodes a table's rows as Parquet, converted to the form
// written with evidence text when text is set.
func encodeRows[R, W any](rows []R, text bool, conv func(R) W) ([]byte, error) {
	if text {
		return output.EncodeParquet(withText(rows, conv), Version)
	}
	return output.EncodeParquet(rows, Version)
}

// withText converts rows to the form written with evidence text.
func withText[R, W any](rows []R, conv func(R) W) []W {
	out := make([]W, len(rows))
	for i, r := range rows {
		out[i] = conv(r)
	}
	return out
}

// ErrMissingDay is wrapped when a day's partitions are not in the output.
var ErrMissingDay = errors.New("day not in the outputs")

// readDay reads the tables of one day from the outputs.
func readDay(ctx context.Context, r output.Reader, day aggregate.Day) (*aggregate.Tables, error) {
	t := &aggregate.Tables{}
	var err error
	read := func(table string, dst any) {
		if err != nil {
			return
		}
		name := partition(table, day)
		switch d := dst.(type) {
		case *[]aggregate.OfficeRow:
			*d, err = readTable[aggregate.OfficeRow](ctx, r, name)
		case *[]aggregate.UserRow:
			*d, err = readTable[aggregate.UserRow](ctx, r, name)
		case *[]aggregate.ChannelRow:
			*d, err = readTable[aggregate.ChannelRow](ctx, r, name)
		case *[]aggregate.ChannelUserRow:
			*d, err = readTable[aggregate.ChannelUserRow](ctx, r, name)
		case *[]aggregate.TopicRow:
			*d, err = readTable[aggregate.TopicRow](ctx, r, name)
		case *[]aggregate.ActivityRow:
			*d, err = readTable[aggregate.ActivityRow](ctx, r, name)
		case *[]aggregate.ReactionRow:
			*d, err = readTable[aggregate.ReactionRow](ctx, r, name)
		case *[]aggregate.ThreadRow:
			*d, err = readTable[aggregate.ThreadRow](ctx, r, name)
		}
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%s: %w (%s)", day, ErrMissingDay, r.Locate(name))
		} else if err != nil {
			err = fmt.Errorf("read %s: %w", r.Locate(name), err)
		}
	}
	read(TableOffices, &t.Offices)
	read(TableUsers, &t.Users)
	read(TableChannels, &t.Channels)
	read(TableChannelUsers, &t.ChannelUsers)
	read(TableTopics, &t.Topics)
	read(TableActivity, &t.Activity)
	read(TableReactions, &t.Reactions)
	read(TableThreads, &t.Threads)
	return t, err
}

// readTable reads the rows of one Parquet file of the outputs.
func readTable[T any](ctx context.Context, r output.Reader, name string) ([]T, error) {
	data, err := r.ReadFile(ctx, name)
	if err != nil {
		return nil, err
	}
	return output.ReadColumns[T](ctx, data)
}
