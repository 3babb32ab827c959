package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// Table names, as they appear under the output root.
const (
	TableOffices      = "offices"
	TableUsers        = "users"
	TableChannels     = "channels"
	TableChannelUsers = "channel_users"
	TableTopics       = "topics"
	TableActivity     = "activity"
)

// Tables lists the output tables in the order they are written.
var Tables = []string{TableOffices, TableUsers, TableChannels, TableChannelUsers, TableTopics, TableActivity}

// partFile is the one file of each table's day partition.
const partFile = "part-0.parquet"

func partition(table string, day aggregate.Day) string {
	return pipeline.PartitionPath(table, "date", day.String(), partFile)
}

// writeDay stages the tables of one day. Every table is written, empty or
// not, so that a rerun replaces whatever an earlier run left there.
func writeDay(ctx context.Context, out pipeline.Output, day aggregate.Day, t *aggregate.Tables) error {
	files := []struct {
		table string
		data  func() ([]byte, error)
	}{
		{TableOffices, func() ([]byte, error) { return pipeline.EncodeParquet(t.Offices, Version) }},
		{TableUsers, func() ([]byte, error) { return pipeline.EncodeParquet(t.Users, Version) }},
		{TableChannels, func() ([]byte, error) { return pipeline.EncodeParquet(t.Channels, Version) }},
		{TableChannelUsers, func() ([]byte, error) { return pipeline.EncodeParquet(t.ChannelUsers, Version) }},
		{TableTopics, func() ([]byte, error) { return pipeline.EncodeParquet(t.Topics, Version) }},
		{TableActivity, func() ([]byte, error) { return pipeline.EncodeParquet(t.Activity, Version) }},
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

// ErrMissingDay is wrapped when a day's partitions are not in the output.
var ErrMissingDay = errors.New("day not in the outputs")

// readDay reads the tables of one day from the outputs.
func readDay(ctx context.Context, r outputReader, day aggregate.Day) (*aggregate.Tables, error) {
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
	return t, err
}

// readTable reads the rows of one Parquet file of the outputs.
func readTable[T any](ctx context.Context, r outputReader, name string) ([]T, error) {
	data, err := r.ReadFile(ctx, name)
	if err != nil {
		return nil, err
	}
	return readColumns[T](ctx, data)
}

// localRoot returns the folder of a local output location (a path or a
// file:// URL).
func localRoot(out string) (string, error) {
	if pipelineIsS3(out) {
		return "", fmt.Errorf("%s: not a local output folder", out)
	}
	out = localPath(out)
	fi, err := os.Stat(out)
	if err != nil {
		return "", fmt.Errorf("outputs: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("outputs %s: not a folder", out)
	}
	return out, nil
}

func pipelineIsS3(loc string) bool { return len(loc) > 5 && loc[:5] == "s3://" }
