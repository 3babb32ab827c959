package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"

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

// readDay reads the tables of one day from a local output folder.
func readDay(root string, day aggregate.Day) (*aggregate.Tables, error) {
	t := &aggregate.Tables{}
	var err error
	read := func(table string, dst any) {
		if err != nil {
			return
		}
		p := filepath.Join(root, filepath.FromSlash(partition(table, day)))
		switch d := dst.(type) {
		case *[]aggregate.OfficeRow:
			*d, err = parquet.ReadFile[aggregate.OfficeRow](p)
		case *[]aggregate.UserRow:
			*d, err = parquet.ReadFile[aggregate.UserRow](p)
		case *[]aggregate.ChannelRow:
			*d, err = parquet.ReadFile[aggregate.ChannelRow](p)
		case *[]aggregate.ChannelUserRow:
			*d, err = parquet.ReadFile[aggregate.ChannelUserRow](p)
		case *[]aggregate.TopicRow:
			*d, err = parquet.ReadFile[aggregate.TopicRow](p)
		case *[]aggregate.ActivityRow:
			*d, err = parquet.ReadFile[aggregate.ActivityRow](p)
		}
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%s: %w (%s)", day, ErrMissingDay, p)
		} else if err != nil {
			err = fmt.Errorf("read %s: %w", p, err)
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

// localRoot returns the folder of a local output location.
func localRoot(out string) (string, error) {
	if pipelineIsS3(out) {
		return "", fmt.Errorf("%s: reading outputs back needs a local folder for now", out)
	}
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
