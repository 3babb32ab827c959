package schema_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wiretap-hq/wiretap/schema"
)

var updateSlack = flag.Bool("update-slack", false, "rewrite the goldens in testdata/slack")

// normaliseFile runs the normaliser that matches the file's extension: .form
// for outgoing-webhook form bodies, .json for Events API bodies.
func normaliseFile(t *testing.T, file string, body []byte) (schema.Message, error) {
	t.Helper()
	if strings.HasSuffix(file, ".form") {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			t.Fatalf("bad form testdata: %v", err)
		}
		return schema.FromWebhookForm(form)
	}
	return schema.FromEventsAPI(body)
}

// slackGolden renders the outcome of normalising one body: the canonical
// NDJSON line, or the sentinel and field of the error.
func slackGolden(t *testing.T, m *schema.Message, err error) []byte {
	t.Helper()
	if err != nil {
		r := errorRecord(t, err)
		return fmt.Appendf(nil, "error is=%q field=%q\n", r.Is, r.Field)
	}
	return schema.AppendNDJSON(nil, m)
}

// TestSlackGolden normalises every request body in testdata/slack (*.json
// Events API bodies, *.form outgoing-webhook bodies) and compares the
// canonical NDJSON with the matching .golden file. Run with -update-slack to
// rewrite the goldens after an intended change, and review the diff. The
// ingest package sends the same bodies through its handler and compares with
// the same goldens.
func TestSlackGolden(t *testing.T) {
	var files []string
	for _, pat := range []string{"testdata/slack/*.json", "testdata/slack/*.form"} {
		f, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d testdata/slack files", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			m, err := normaliseFile(t, file, body)
			got := slackGolden(t, &m, err)
			if bytes.Contains(got, []byte(secretToken)) {
				t.Errorf("the token survived normalisation:\n%s", got)
			}
			if err == nil {
				assertNoToken(t, &m)
				// The batch side reads back exactly what ingest wrote.
				var dec schema.Decoder
				dec.Reset(bytes.TrimSuffix(got, []byte("\n")))
				var back schema.Message
				if err := dec.Next(&back); err != nil {
					t.Fatalf("decoding the canonical record: %v", err)
				}
				if !reflect.DeepEqual(back.Clone(), m) {
					t.Errorf("round trip:\ngot  %+v\nwant %+v", back, m)
				}
				if err := dec.Next(&back); err != io.EOF {
					t.Errorf("second Next = %v, want io.EOF", err)
				}
			}
			golden := strings.TrimSuffix(file, filepath.Ext(file)) + ".golden"
			if *updateSlack {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update-slack to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("normalising %s:\ngot:\n%s\nwant:\n%s", file, got, want)
			}
		})
	}
}

// TestFromWebhookFormMatchesDecoder checks that a webhook form body and the
// flat webhook JSON of the first archives normalise to the same Message.
func TestFromWebhookFormMatchesDecoder(t *testing.T) {
	form := url.Values{
		"token": {secretToken}, "team_id": {"T0001"}, "team_domain": {"acme"},
		"channel_id": {"C2147483705"}, "channel_name": {"general"},
		"timestamp": {"1355517523.000005"}, "user_id": {"U2147483697"}, "user_name": {"Steve"},
		"text": {"a <b> & c"}, "trigger_word": {"a"}, "thread_ts": {"1355517500.000001"},
	}
	got, err := schema.FromWebhookForm(form)
	if err != nil {
		t.Fatal(err)
	}
	want, err := schema.Decode([]byte(`{"token":"` + secretToken + `","team_id":"T0001","team_domain":"acme",` +
		`"channel_id":"C2147483705","channel_name":"general","timestamp":"1355517523.000005",` +
		`"user_id":"U2147483697","user_name":"Steve","text":"a <b> & c","trigger_word":"a",` +
		`"thread_ts":"1355517500.000001"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromWebhookForm:\ngot  %+v\nwant %+v", got, want)
	}
	assertNoToken(t, &got)
}

// TestFromEventsAPIMatchesDecoder checks that FromEventsAPI gives what the
// batch Decoder gives for the same envelope stored raw in the archive.
func TestFromEventsAPIMatchesDecoder(t *testing.T) {
	files, err := filepath.Glob("testdata/slack/events_*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := schema.FromEventsAPI(body)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		want, err := schema.Decode(body)
		if err != nil {
			t.Errorf("%s: Decode: %v", file, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nFromEventsAPI %+v\nDecode        %+v", file, got, want)
		}
	}
}

func TestFromEventsAPIErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		is   error
	}{
		{"empty", ``, schema.ErrSyntax},
		{"array", `[1,2]`, schema.ErrUnknownShape},
		{"webhook json", `{"channel_id":"C1","timestamp":"1355517523.000005","team_id":"T1"}`, schema.ErrUnknownShape},
		{"canonical", `{"v":1,"team":"T1","channel":"C1","ts":"1355517523.000005"}`, schema.ErrUnknownShape},
		{"two records", `{"type":"event_callback"}{"type":"event_callback"}`, schema.ErrSyntax},
		{"invalid utf8", "{\"type\":\"event_callback\",\"x\":\"\xff\"}", schema.ErrInvalidUTF8},
		{"event not object", `{"type":"event_callback","team_id":"T1","event":"x"}`, schema.ErrFieldType},
		{"url_verification", `{"type":"url_verification","challenge":"c"}`, schema.ErrNotMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schema.FromEventsAPI([]byte(tt.body))
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			if len(tt.body) > 4 && strings.Contains(err.Error(), tt.body) {
				t.Errorf("error quotes the body: %v", err)
			}
		})
	}
}

// FuzzFromEventsAPI checks that any body either normalises to a valid
// Message that survives the canonical round trip, or fails with a sentinel.
func FuzzFromEventsAPI(f *testing.F) {
	files, _ := filepath.Glob("testdata/slack/*.json")
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := schema.FromEventsAPI(body)
		if err != nil {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error %v wraps no sentinel", err)
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("normalised message fails Validate: %v", err)
		}
		back, err := schema.Decode(schema.AppendNDJSON(nil, &m))
		if err != nil {
			t.Fatalf("canonical form does not decode: %v", err)
		}
		if !reflect.DeepEqual(back, m) {
			t.Fatalf("round trip:\ngot  %+v\nwant %+v", back, m)
		}
	})
}

func TestFromMessageObjectMatchesEvent(t *testing.T) {
	event := `{"type":"message","subtype":"thread_broadcast","channel":"C1","user":"U1","text":"hi <@U2>","ts":"1479000000.000100","thread_ts":"1478999999.000001","parent_user_id":"U3","edited":{"user":"U1","ts":"1479000001.000000"}}`
	live, err := schema.FromEventsAPI([]byte(`{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":` + event + `}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := schema.FromMessageObject([]byte(event), "T1", "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Key() != live.Key() || got.Text != live.Text || got.ThreadTS != live.ThreadTS || got.EditedTS != live.EditedTS || !got.Time.Equal(live.Time) {
		t.Errorf("export form %+v differs from the live event %+v", got, live)
	}
	if m, err := schema.FromMessageObject([]byte(event), "T1", "C9"); err != nil || m.ChannelID != "C9" {
		t.Errorf("the caller's channel does not win: %+v, %v", m, err)
	}
	for _, bad := range []string{`{"type":"message","user":"U1","text":"x"}`, `[1]`, `{"ts":12}`, "{\"ts\":\"1479000000.000100\",\"text\":\"\xff\"}"} {
		if _, err := schema.FromMessageObject([]byte(bad), "T1", "C1"); err == nil {
			t.Errorf("FromMessageObject(%q) succeeded", bad)
		}
	}
}
