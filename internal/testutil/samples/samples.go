// Package samples gives tests the messages of schema's decoder testdata,
// so that every form of a message (NDJSON, Arrow) is checked against the
// same variety of shapes the decoder accepts.
package samples

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/wiretap-hq/wiretap/schema"
)

// Messages decodes every message of the *.ndjson files in dir (schema's
// testdata/decode, seen from the calling test's package). Lines that do not
// decode are skipped: the decoder tests cover them. It fails the test when
// fewer than 20 messages are found, which means dir is wrong.
func Messages(tb testing.TB, dir string) []schema.Message {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []schema.Message
	var d schema.Decoder
	var m schema.Message
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		for line := range bytes.SplitSeq(data, []byte("\n")) {
			d.Reset(line)
			for {
				err := d.Next(&m)
				if err == io.EOF {
					break
				}
				if err == nil {
					out = append(out, m.Clone())
				}
			}
		}
	}
	if len(out) < 20 {
		tb.Fatalf("only %d sample messages in %s", len(out), dir)
	}
	return out
}
