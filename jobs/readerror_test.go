package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wiretap-hq/wiretap/bench/generator"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
)

// TestQueryCorruptPartition checks that a query over a partition that is
// not Parquet, or not the table's, fails with an error naming the file.
func TestQueryCorruptPartition(t *testing.T) {
	dir, roster, facts := genArchive(t, func(c *generator.Config) { c.Messages = 2000; c.Days = 2 })
	out, _ := runRange(t, dir, roster, facts.Start, facts.End, nil)
	files, err := filepath.Glob(filepath.Join(out, jobs.TableTopics, "*", "*.parquet"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no topics partitions (%v)", err)
	}
	topics := files[0]
	good, err := os.ReadFile(topics)
	if err != nil {
		t.Fatal(err)
	}
	reactions, err := filepath.Glob(filepath.Join(out, jobs.TableReactions, "*", "*.parquet"))
	if err != nil || len(reactions) == 0 {
		t.Fatalf("no reactions partitions (%v)", err)
	}
	otherTable, err := os.ReadFile(reactions[0])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)/2], "not a Parquet file"},
		{"garbage", []byte("not parquet at all"), "not a Parquet file"},
		{"another table", otherTable, `no column "topic"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(topics, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := jobs.Query(context.Background(), jobs.QueryOptions{Out: loctest.Parse(t, out), From: facts.Start, To: facts.End})
			if err == nil || !strings.Contains(err.Error(), topics) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one naming %s and saying %q", err, topics, tt.want)
			}
		})
	}
}
