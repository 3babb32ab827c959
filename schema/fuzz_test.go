package schema_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wiretap-hq/wiretap/schema"
)

// FuzzDecoder feeds arbitrary lines to a Decoder. Whatever the line, the
// Decoder must not panic, must stop after a bounded number of records, and
// every Message it returns must be valid, dated at or after Epoch, and
// survive the canonical round trip.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte(`{"v":1,"team":"T1","channel":"C1","ts":"1355517523.000005"}`))
	f.Add([]byte(`{"v":1,"team":"T1","channel":"C1","ts":"1355517523.000005"}{"v":1`))
	f.Add([]byte("\xff"))
	// The seed corpus in testdata/fuzz/FuzzDecoder holds every line of
	// testdata/decode (see TestSeedCorpus).
	f.Fuzz(func(t *testing.T, line []byte) {
		orig := bytes.Clone(line)
		var d schema.Decoder
		d.Reset(line)
		var m schema.Message
		var enc schema.Encoder
		for n := 0; ; n++ {
			// Every record takes at least one byte, and an error may come
			// last.
			if n > len(line)+1 {
				t.Fatalf("more than %d records from a %d-byte line", len(line)+1, len(line))
			}
			err := d.Next(&m)
			if err == io.EOF {
				break
			}
			if err != nil {
				if err.Error() == "" {
					t.Errorf("empty error message")
				}
				continue
			}
			if err := m.Validate(); err != nil {
				t.Errorf("decoded Message fails Validate: %v\n%+v", err, m)
			}
			if m.Time.Before(schema.Epoch) {
				t.Errorf("decoded Message has Time %v before Epoch", m.Time)
			}
			if pt, err := schema.ParseTS(m.TS); err != nil || !pt.Equal(m.Time) {
				t.Errorf("Time %v does not match ts %q (%v)", m.Time, m.TS, err)
			}
			if m.Source == schema.SourceUnknown {
				t.Errorf("decoded Message has no Source")
			}
			if !utf8.ValidString(m.Text) || !utf8.ValidString(m.Team) {
				t.Errorf("decoded Message holds invalid UTF-8: %+v", m)
			}
			rec := enc.AppendNDJSON(nil, &m)
			back, err := schema.Decode(rec)
			if err != nil {
				t.Fatalf("re-decoding %s: %v", rec, err)
			}
			if !messagesEqual(back, m) {
				t.Errorf("canonical round trip:\ngot  %+v\nwant %+v", back, m)
			}
		}
		if err := d.Next(&m); err != io.EOF {
			t.Errorf("Next after io.EOF = %v", err)
		}
		if !bytes.Equal(line, orig) {
			t.Errorf("Decoder modified its input: %q, was %q", line, orig)
		}
	})
}

// FuzzEncodeDecode checks that any Message with valid UTF-8 strings and the
// required fields survives Encoder.AppendNDJSON followed by a Decoder.
func FuzzEncodeDecode(f *testing.F) {
	f.Add("T1", "C1", "general", "U1", "steve", "hello <@U2> &amp; :smile:", "", "", "", "", "Ev1", "", "", "", "",
		int64(1355517523), uint32(5), uint8(schema.SourceWebhook), uint8(schema.KindMessage))
	f.Add("T1", "C1", "", "U2", "", "", "", "", "", "", "", "", "+1", "U1", "1355517523.000005",
		int64(1479464500), uint32(1300), uint8(schema.SourceEventsAPI), uint8(schema.KindReactionAdded))
	f.Fuzz(func(t *testing.T, team, channel, channelName, user, userName, text, threadTS, parentUser,
		subtype, botID, eventID, editedTS, reaction, itemUser, itemTS string,
		sec int64, usec uint32, src, kind uint8) {
		m := schema.Message{
			Team: team, ChannelID: channel, ChannelName: channelName, UserID: user, UserName: userName,
			Text: text, ThreadTS: threadTS, ParentUser: parentUser, Subtype: subtype, BotID: botID,
			EventID: eventID, EditedTS: editedTS, Reaction: reaction, ItemUser: itemUser, ItemTS: itemTS,
			Source: schema.Source(src%4 + 1), Kind: schema.Kind(kind % 3),
		}
		// A valid ts at or after Epoch, with at most 12 digits of seconds.
		const maxSec = 999999999999
		lo := schema.Epoch.Unix()
		if sec < 0 {
			sec = -(sec + 1)
		}
		sec = lo + sec%(maxSec-lo+1)
		m.Time = time.Unix(sec, int64(usec%1_000_000)*1000).UTC()
		m.TS = schema.FormatTS(m.Time)
		if m.Validate() != nil {
			return
		}
		for _, s := range []string{team, channel, channelName, user, userName, text, threadTS, parentUser,
			subtype, botID, eventID, editedTS, reaction, itemUser, itemTS} {
			if !utf8.ValidString(s) {
				return
			}
		}
		rec := schema.AppendNDJSON(nil, &m)
		if bytes.Count(rec, []byte("\n")) != 1 || rec[len(rec)-1] != '\n' {
			t.Fatalf("AppendNDJSON wrote %q, want one line", rec)
		}
		var d schema.Decoder
		d.Reset(rec)
		var got schema.Message
		if err := d.Next(&got); err != nil {
			t.Fatalf("decoding %s: %v", rec, err)
		}
		if !messagesEqual(got, m) {
			t.Errorf("round trip through %s:\ngot  %+v\nwant %+v", rec, got, m)
		}
		if err := d.Next(&got); err != io.EOF {
			t.Errorf("second Next = %v, want io.EOF", err)
		}
		if got.Key() != m.Key() {
			t.Error("Key changed in the round trip")
		}
	})
}

// corpusFile renders values in the "go test fuzz v1" format.
func corpusFile(values ...any) []byte {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, v := range values {
		switch v := v.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
		case string:
			fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(v))
		case int64:
			fmt.Fprintf(&b, "int64(%d)\n", v)
		case uint32:
			fmt.Fprintf(&b, "uint32(%d)\n", v)
		case uint8:
			fmt.Fprintf(&b, "uint8(%d)\n", v)
		default:
			panic(fmt.Sprintf("corpusFile: unsupported %T", v))
		}
	}
	return []byte(b.String())
}

// seedCorpora builds the seed corpora from testdata/decode: every line for
// FuzzDecoder, every decoded message for FuzzEncodeDecode.
func seedCorpora(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/decode/*.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(filepath.Base(file), ".ndjson")
		var d schema.Decoder
		var m schema.Message
		for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
			name := fmt.Sprintf("seed-%s-%d", base, i+1)
			out[filepath.Join("FuzzDecoder", name)] = corpusFile(line)
			d.Reset(line)
			for j := 0; ; j++ {
				err := d.Next(&m)
				if err == io.EOF {
					break
				}
				if err != nil {
					continue
				}
				out[filepath.Join("FuzzEncodeDecode", fmt.Sprintf("%s-%d", name, j+1))] = corpusFile(
					m.Team, m.ChannelID, m.ChannelName, m.UserID, m.UserName, m.Text, m.ThreadTS,
					m.ParentUser, m.Subtype, m.BotID, m.EventID, m.EditedTS, m.Reaction, m.ItemUser, m.ItemTS,
					m.Time.Unix()-schema.Epoch.Unix(), uint32(m.Time.Nanosecond()/1000),
					uint8(m.Source-1), uint8(m.Kind))
			}
		}
	}
	return out
}

// TestSeedCorpus checks that the seed corpora under testdata/fuzz match
// testdata/decode; -update rewrites them. Files not named seed-* (crashers
// the fuzzer found and kept as regressions) are left alone.
func TestSeedCorpus(t *testing.T) {
	want := seedCorpora(t)
	root := filepath.Join("testdata", "fuzz")
	if *update {
		for _, fuzz := range []string{"FuzzDecoder", "FuzzEncodeDecode"} {
			old, _ := filepath.Glob(filepath.Join(root, fuzz, "seed-*"))
			for _, f := range old {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.MkdirAll(filepath.Join(root, fuzz), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for name, data := range want {
			if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	var have []string
	for _, fuzz := range []string{"FuzzDecoder", "FuzzEncodeDecode"} {
		h, err := filepath.Glob(filepath.Join(root, fuzz, "seed-*"))
		if err != nil {
			t.Fatal(err)
		}
		have = append(have, h...)
	}
	if len(have) != len(want) {
		t.Errorf("%d seed corpus files, want %d (run go test -update)", len(have), len(want))
	}
	for name, data := range want {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Errorf("%v (run go test -update)", err)
			continue
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s is stale (run go test -update)", name)
		}
	}
}
