package jobs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/pipeline/output"
)

// TestQuarantineSpool delivers quarantine entries in a scrambled order from
// several goroutines, some keys twice, and checks that the file written is
// the sorted encoding of all of them: what keeping them in memory and
// sorting at the end wrote.
func TestQuarantineSpool(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var all []pipeline.QuarantineEntry
	var calls [][]pipeline.QuarantineEntry
	for k := range 60 {
		key := fmt.Sprintf("2016/11/%02d/00/obj-%03d", 1+k%28, r.IntN(1000))
		for range 1 + k%3 { // some keys are delivered more than once
			var es []pipeline.QuarantineEntry
			for range 1 + r.IntN(5) {
				es = append(es, pipeline.QuarantineEntry{Key: key, Line: 1 + r.IntN(50),
					Reason: "malformed JSON", Record: fmt.Sprintf(`{"x":%d,"é":"<&>"}`, r.IntN(9))})
			}
			all = append(all, es...)
			calls = append(calls, es)
		}
	}
	// One call may carry several keys.
	calls = append(calls, []pipeline.QuarantineEntry{calls[0][0], calls[5][0]})
	all = append(all, calls[0][0], calls[5][0])
	r.Shuffle(len(calls), func(i, j int) { calls[i], calls[j] = calls[j], calls[i] })

	sorted := slices.Clone(all)
	slices.SortFunc(sorted, compareEntries)
	want, err := encodeEntries(sorted)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		calls [][]pipeline.QuarantineEntry
		want  []byte
	}{
		{"entries", calls, want},
		{"none", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &quarantineCollector{}
			defer q.close()
			var wg sync.WaitGroup
			for w := range 3 {
				wg.Go(func() {
					for i := w; i < len(tc.calls); i += 3 {
						if err := q.Quarantine(tc.calls[i]); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
			root := t.TempDir()
			out, err := output.NewLocalOutput(root)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.writeTo(context.Background(), out, QuarantineFile); err != nil {
				t.Fatal(err)
			}
			if err := out.Commit(context.Background()); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(root, QuarantineFile))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(tc.want) {
				t.Errorf("quarantine file differs from the sorted entries:\ngot  %q\nwant %q", got, tc.want)
			}
			spool := ""
			if q.spool != nil {
				spool = q.spool.Name()
			}
			q.close()
			if spool != "" {
				if _, err := os.Stat(spool); !os.IsNotExist(err) {
					t.Errorf("spool %s left behind: %v", spool, err)
				}
			}
		})
	}
}
