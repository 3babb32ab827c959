package schema_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/internal/testutil/samples"
	"github.com/wiretap-hq/wiretap/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files and seed corpora in testdata")

// secretToken is the outgoing-webhook token used throughout testdata. It is
// a credential: it must never survive decoding.
const secretToken = "SECRET-TOKEN-Zz9wq"

// sentinels are the errors a Decoder wraps, in the order goldens name them.
var sentinels = []error{
	schema.ErrInvalidUTF8, schema.ErrSyntax, schema.ErrUnknownShape, schema.ErrNotMessage,
	schema.ErrMissingField, schema.ErrFieldType, schema.ErrBadTS, schema.ErrImplausibleTS,
}

// goldenMessage is the stable JSON form of a Message in the golden files.
type goldenMessage struct {
	Team        string `json:"team"`
	ChannelID   string `json:"channel_id"`
	ChannelName string `json:"channel_name,omitempty"`
	UserID      string `json:"user_id,omitempty"`
	UserName    string `json:"user_name,omitempty"`
	TS          string `json:"ts"`
	Time        string `json:"time"`
	Text        string `json:"text,omitempty"`
	ThreadTS    string `json:"thread_ts,omitempty"`
	ParentUser  string `json:"parent_user,omitempty"`
	Subtype     string `json:"subtype,omitempty"`
	BotID       string `json:"bot_id,omitempty"`
	EventID     string `json:"event_id,omitempty"`
	EditedTS    string `json:"edited_ts,omitempty"`
	Source      string `json:"source"`
	Kind        string `json:"kind"`
	Reaction    string `json:"reaction,omitempty"`
	ItemUser    string `json:"item_user,omitempty"`
	ItemTS      string `json:"item_ts,omitempty"`
	Authored    bool   `json:"authored"`
	ThreadReply bool   `json:"thread_reply"`
}

func toGolden(m *schema.Message) *goldenMessage {
	return &goldenMessage{
		Team: m.Team, ChannelID: m.ChannelID, ChannelName: m.ChannelName, UserID: m.UserID,
		UserName: m.UserName, TS: m.TS, Time: m.Time.Format(time.RFC3339Nano), Text: m.Text,
		ThreadTS: m.ThreadTS, ParentUser: m.ParentUser, Subtype: m.Subtype, BotID: m.BotID,
		EventID: m.EventID, EditedTS: m.EditedTS, Source: m.Source.String(), Kind: m.Kind.String(),
		Reaction: m.Reaction, ItemUser: m.ItemUser, ItemTS: m.ItemTS,
		Authored: m.IsAuthored(), ThreadReply: m.IsThreadReply(),
	}
}

// goldenRecord is one record of a line: a message or an error.
type goldenRecord struct {
	Message *goldenMessage `json:"message,omitempty"`
	Error   string         `json:"error,omitempty"`
	Is      string         `json:"is,omitempty"`    // the sentinel the error wraps
	Field   string         `json:"field,omitempty"` // FieldError.Field, when there is one
}

type goldenLine struct {
	Line    int            `json:"line"`
	Records []goldenRecord `json:"records"`
}

// decodeLines decodes every line of data the way the engine does and
// returns the messages (cloned) and the golden form of the result.
func decodeLines(t *testing.T, data []byte) ([]schema.Message, []goldenLine) {
	t.Helper()
	var (
		msgs  []schema.Message
		lines []goldenLine
		dec   schema.Decoder
		m     schema.Message
	)
	for i, line := range bytes.Split(data, []byte("\n")) {
		if i == bytes.Count(data, []byte("\n")) && len(line) == 0 {
			break // after the final newline
		}
		gl := goldenLine{Line: i + 1, Records: []goldenRecord{}}
		dec.Reset(line)
		for n := 0; ; n++ {
			if n > len(line)+1 {
				t.Fatalf("line %d: Decoder returned more records than the line has bytes", i+1)
			}
			err := dec.Next(&m)
			if err == io.EOF {
				break
			}
			if err != nil {
				gl.Records = append(gl.Records, errorRecord(t, err))
				continue
			}
			if verr := m.Validate(); verr != nil {
				t.Errorf("line %d: decoded message fails Validate: %v", i+1, verr)
			}
			c := m.Clone()
			msgs = append(msgs, c)
			gl.Records = append(gl.Records, goldenRecord{Message: toGolden(&c)})
		}
		// Next keeps returning io.EOF.
		if err := dec.Next(&m); err != io.EOF {
			t.Errorf("line %d: Next after io.EOF = %v, want io.EOF", i+1, err)
		}
		lines = append(lines, gl)
	}
	return msgs, lines
}

func errorRecord(t *testing.T, err error) goldenRecord {
	t.Helper()
	r := goldenRecord{Error: err.Error()}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			r.Is = s.Error()
			break
		}
	}
	if r.Is == "" {
		t.Errorf("error %q wraps none of the schema sentinels", err)
	}
	var fe *schema.FieldError
	if errors.As(err, &fe) {
		r.Field = fe.Field
	}
	return r
}

// TestDecodeGolden decodes each testdata/decode/*.ndjson file line by line
// and compares the result with the matching .golden file. Run with -update
// to rewrite the goldens after an intended change, and review the diff.
func TestDecodeGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/decode/*.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/decode/*.ndjson files")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".ndjson"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			msgs, lines := decodeLines(t, data)
			got, err := json.MarshalIndent(lines, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if bytes.Contains(got, []byte(secretToken)) {
				t.Errorf("the webhook token survived decoding:\n%s", got)
			}
			for i := range msgs {
				assertNoToken(t, &msgs[i])
			}
			golden := strings.TrimSuffix(file, ".ndjson") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("decoding %s:\ngot:\n%s\nwant:\n%s", file, got, want)
			}
		})
	}
}

// assertNoToken checks that no field of m, nor its canonical encoding,
// carries the webhook token.
func assertNoToken(t *testing.T, m *schema.Message) {
	t.Helper()
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.String && strings.Contains(f.String(), secretToken) {
			t.Errorf("Message.%s = %q holds the webhook token", v.Type().Field(i).Name, f.String())
		}
	}
	if enc := schema.AppendNDJSON(nil, m); bytes.Contains(enc, []byte(secretToken)) {
		t.Errorf("canonical encoding holds the webhook token: %s", enc)
	}
}

// TestDecodeErrors pins which sentinel each kind of bad record wraps, and
// the field a FieldError names.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		Name  string
		Input string
		Err   error
		Field string
	}{
		{"Empty", ``, schema.ErrSyntax, ""},
		{"Blank", " \t\r", schema.ErrSyntax, ""},
		{"Truncated", `{"v":1,"team":"T1"`, schema.ErrSyntax, ""},
		{"InvalidUTF8", "{\"v\":1,\"team\":\"T\xc3\x28\"}", schema.ErrInvalidUTF8, ""},
		{"Array", `[1,2]`, schema.ErrSyntax, ""},
		{"String", `"x"`, schema.ErrSyntax, ""},
		{"Number", `42`, schema.ErrSyntax, ""},
		{"Null", `null`, schema.ErrSyntax, ""},
		{"LeadingGarbage", `ERROR: timeout {"v":1}`, schema.ErrSyntax, ""},
		{"EmptyObject", `{}`, schema.ErrUnknownShape, ""},
		{"UnknownObject", `{"foo":"bar"}`, schema.ErrUnknownShape, ""},
		{"URLVerification", `{"token":"x","challenge":"c","type":"url_verification"}`, schema.ErrNotMessage, ""},
		{"UnknownEvent", `{"type":"event_callback","team_id":"T1","event":{"type":"channel_created"}}`, schema.ErrNotMessage, ""},
		{"EventNotObject", `{"type":"event_callback","team_id":"T1","event":"x"}`, schema.ErrFieldType, "event"},
		{"EventMissing", `{"type":"event_callback","team_id":"T1"}`, schema.ErrMissingField, "event"},
		{"TSNumber", `{"type":"event_callback","team_id":"T1","event":{"type":"message","channel":"C1","ts":123}}`, schema.ErrFieldType, "event"},
		{"WebhookTSNumber", `{"team_id":"T1","channel_id":"C1","timestamp":1355517523}`, schema.ErrFieldType, "timestamp"},
		{"CanonicalVersionString", `{"v":"1","team":"T1","channel":"C1","ts":"1355517523.000005"}`, schema.ErrFieldType, "v"},
		{"CanonicalVersion2", `{"v":2,"team":"T1","channel":"C1","ts":"1355517523.000005"}`, schema.ErrUnknownShape, "v"},
		{"CanonicalKind", `{"v":1,"kind":"poke","team":"T1","channel":"C1","ts":"1355517523.000005"}`, schema.ErrUnknownShape, "kind"},
		{"MissingTeam", `{"v":1,"channel":"C1","ts":"1355517523.000005"}`, schema.ErrMissingField, "team"},
		{"MissingChannel", `{"v":1,"team":"T1","ts":"1355517523.000005"}`, schema.ErrMissingField, "channel"},
		{"MissingTS", `{"v":1,"team":"T1","channel":"C1"}`, schema.ErrMissingField, "ts"},
		{"ReactionMissingItemTS", `{"v":1,"kind":"reaction_added","team":"T1","channel":"C1","ts":"1355517523.000005"}`, schema.ErrMissingField, "item_ts"},
		{"BadTS", `{"v":1,"team":"T1","channel":"C1","ts":"soon"}`, schema.ErrBadTS, "ts"},
		{"TSBefore2009", `{"v":1,"team":"T1","channel":"C1","ts":"1000000000.000000"}`, schema.ErrImplausibleTS, "ts"},
		{"TwoRecords", `{"v":1,"team":"T1","channel":"C1","ts":"1355517523.000005"}{"v":1,"team":"T1","channel":"C1","ts":"1355517523.000006"}`, schema.ErrSyntax, ""},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			m, err := schema.Decode([]byte(tt.Input))
			if !errors.Is(err, tt.Err) {
				t.Fatalf("Decode(%q) error = %v, want %v", tt.Input, err, tt.Err)
			}
			if m != (schema.Message{}) {
				t.Errorf("Decode(%q) returned %+v with the error, want the zero Message", tt.Input, m)
			}
			var fe *schema.FieldError
			switch {
			case tt.Field == "" && errors.As(err, &fe):
				t.Errorf("error %q names field %q, want no FieldError", err, fe.Field)
			case tt.Field != "" && !errors.As(err, &fe):
				t.Errorf("error %q is not a *FieldError, want field %q", err, tt.Field)
			case tt.Field != "" && fe.Field != tt.Field:
				t.Errorf("error %q names field %q, want %q", err, fe.Field, tt.Field)
			}
		})
	}
}

// TestDecodeOwnsStrings checks that Decode's result shares no memory with
// its input.
func TestDecodeOwnsStrings(t *testing.T) {
	in := []byte(`{"v":1,"team":"T1","channel":"C1","user":"U1","ts":"1355517523.000005","text":"hello"}`)
	m, err := schema.Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 'x'
	}
	want := schema.Message{Team: "T1", ChannelID: "C1", UserID: "U1", TS: "1355517523.000005",
		Time: time.Unix(1355517523, 5000).UTC(), Text: "hello", Source: schema.SourceCanonical}
	if !messagesEqual(m, want) {
		t.Errorf("after overwriting the input, Decode's result is\n%+v\nwant\n%+v", m, want)
	}
}

// TestDecoderGluedStrings checks that the strings of a glued record stay
// valid while the following records of the same line are decoded, and that
// Reset with a new buffer does not disturb a Clone.
func TestDecoderGluedStrings(t *testing.T) {
	line := []byte(`{"v":1,"team":"T1","channel":"C1","ts":"1355517523.000005","text":"first \u00e9"}` +
		`{"v":1,"team":"T2","channel":"C2","ts":"1355517524.000005","text":"second \"q\""}`)
	var d schema.Decoder
	d.Reset(line)
	var first, second schema.Message
	if err := d.Next(&first); err != nil {
		t.Fatal(err)
	}
	if err := d.Next(&second); err != nil {
		t.Fatal(err)
	}
	if err := d.Next(&schema.Message{}); err != io.EOF {
		t.Fatalf("third Next = %v, want io.EOF", err)
	}
	if first.Text != "first é" || first.Team != "T1" || second.Text != `second "q"` || second.Team != "T2" {
		t.Errorf("glued records decoded as %q/%q and %q/%q", first.Team, first.Text, second.Team, second.Text)
	}
	kept := first.Clone()
	d.Reset([]byte(`{"v":1,"team":"T9","channel":"C9","ts":"1355517529.000005","text":"overwritten!!!!"}`))
	if err := d.Next(&second); err != nil {
		t.Fatal(err)
	}
	if kept.Text != "first é" || kept.Team != "T1" {
		t.Errorf("Clone changed after Reset: %+v", kept)
	}
}

// TestNextOverwrites checks that Next overwrites every field of m.
func TestNextOverwrites(t *testing.T) {
	m := schema.Message{Text: "stale", BotID: "B1", Kind: schema.KindReactionAdded, Reaction: "x", ItemTS: "1.0"}
	var d schema.Decoder
	d.Reset([]byte(`{"v":1,"team":"T1","channel":"C1","ts":"1355517523.000005"}`))
	if err := d.Next(&m); err != nil {
		t.Fatal(err)
	}
	want := schema.Message{Team: "T1", ChannelID: "C1", TS: "1355517523.000005",
		Time: time.Unix(1355517523, 5000).UTC(), Source: schema.SourceCanonical}
	if !messagesEqual(m, want) {
		t.Errorf("got %+v\nwant %+v", m, want)
	}
}

// messagesEqual compares Messages, times by instant.
func messagesEqual(a, b schema.Message) bool {
	if !a.Time.Equal(b.Time) {
		return false
	}
	a.Time, b.Time = time.Time{}, time.Time{}
	return a == b
}

// sampleMessages decodes every message of the testdata inputs.
func sampleMessages(t testing.TB) []schema.Message {
	t.Helper()
	return samples.Messages(t, "testdata/decode")
}

// TestRoundTrip checks that the canonical encoding of every sample message
// decodes to the same Message, with Encoder reuse and through Decoder.
func TestRoundTrip(t *testing.T) {
	msgs := sampleMessages(t)
	var enc schema.Encoder
	var buf []byte
	for _, m := range msgs {
		buf = enc.AppendNDJSON(buf[:0], &m)
		if !bytes.HasSuffix(buf, []byte("\n")) || bytes.Count(buf, []byte("\n")) != 1 {
			t.Fatalf("AppendNDJSON(%+v) = %q, want one line ending in a newline", m, buf)
		}
		got, err := schema.Decode(buf)
		if err != nil {
			t.Fatalf("Decode(%s): %v", buf, err)
		}
		if !messagesEqual(got, m) {
			t.Errorf("round trip of %s:\ngot  %+v\nwant %+v", buf, got, m)
		}
	}

	// All of them glued into one NDJSON object, through one Decoder.
	var all []byte
	for _, m := range msgs {
		all = enc.AppendNDJSON(all, &m)
	}
	var d schema.Decoder
	var got schema.Message
	i := 0
	for line := range bytes.Lines(all) {
		d.Reset(line)
		for {
			err := d.Next(&got)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			if !messagesEqual(got, msgs[i]) {
				t.Errorf("record %d: got %+v, want %+v", i, got, msgs[i])
			}
			i++
		}
	}
	if i != len(msgs) {
		t.Errorf("decoded %d records, want %d", i, len(msgs))
	}
}

// TestEncodeNoHTMLEscape checks that Slack markup is written as is.
func TestEncodeNoHTMLEscape(t *testing.T) {
	m := schema.Message{Team: "T1", ChannelID: "C1", TS: "1355517523.000005", Text: "<@U1> & <#C2|x>",
		Source: schema.SourceWebhook}
	got := string(schema.AppendNDJSON([]byte("prefix:"), &m))
	want := `prefix:{"v":1,"src":"webhook","team":"T1","channel":"C1","ts":"1355517523.000005","text":"<@U1> & <#C2|x>"}` + "\n"
	if got != want {
		t.Errorf("AppendNDJSON = %s\nwant %s", got, want)
	}
}

func TestSourceKindNames(t *testing.T) {
	for s := schema.SourceUnknown; s <= schema.SourceExport; s++ {
		if got, ok := schema.ParseSource(s.String()); !ok || got != s {
			t.Errorf("ParseSource(%q) = %v, %v; want %v, true", s.String(), got, ok, s)
		}
	}
	if _, ok := schema.ParseSource("martian"); ok {
		t.Error(`ParseSource("martian") ok`)
	}
	if got := schema.Source(200).String(); got != "source(200)" {
		t.Errorf("Source(200).String() = %q", got)
	}
	for k := schema.KindMessage; k <= schema.KindReactionRemoved; k++ {
		if got, ok := schema.ParseKind(k.String()); !ok || got != k {
			t.Errorf("ParseKind(%q) = %v, %v; want %v, true", k.String(), got, ok, k)
		}
	}
	if _, ok := schema.ParseKind("poke"); ok {
		t.Error(`ParseKind("poke") ok`)
	}
	if got := schema.Kind(9).String(); got != "kind(9)" {
		t.Errorf("Kind(9).String() = %q", got)
	}
}

func mustDecode(t *testing.T, s string) schema.Message {
	t.Helper()
	m, err := schema.Decode([]byte(s))
	if err != nil {
		t.Fatalf("Decode(%s): %v", s, err)
	}
	return m
}

// TestKey checks deduplication identity across producer shapes and kinds.
func TestKey(t *testing.T) {
	webhook := mustDecode(t, `{"token":"`+secretToken+`","team_id":"T0001","channel_id":"C1","channel_name":"general","timestamp":"1479463495.000200","user_id":"U1","user_name":"steve","text":"hello"}`)
	events := mustDecode(t, `{"type":"event_callback","team_id":"T0001","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":"hello","ts":"1479463495.000200"}}`)
	retry := mustDecode(t, `{"type":"event_callback","team_id":"T0001","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":"hello","ts":"1479463495.000200"}}`)
	canonical := mustDecode(t, string(schema.AppendNDJSON(nil, &events)))
	edit := mustDecode(t, `{"type":"event_callback","team_id":"T0001","event_id":"Ev2","event":{"type":"message","subtype":"message_changed","channel":"C1","ts":"1479463500.000000","message":{"user":"U1","text":"hello!","ts":"1479463495.000200","edited":{"ts":"1479463499.000000"}}}}`)
	edit2 := mustDecode(t, `{"type":"event_callback","team_id":"T0001","event_id":"Ev3","event":{"type":"message","subtype":"message_changed","channel":"C1","ts":"1479463600.000000","message":{"user":"U1","text":"hello!!","ts":"1479463495.000200","edited":{"ts":"1479463599.000000"}}}}`)
	del := mustDecode(t, `{"type":"event_callback","team_id":"T0001","event_id":"Ev4","event":{"type":"message","subtype":"message_deleted","channel":"C1","ts":"1479463700.000000","deleted_ts":"1479463495.000200"}}`)
	react := mustDecode(t, `{"type":"event_callback","team_id":"T0001","event_id":"Ev5","event":{"type":"reaction_added","user":"U2","reaction":"+1","item":{"channel":"C1","ts":"1479463495.000200"},"event_ts":"1479463495.000200"}}`)
	unreact := mustDecode(t, `{"type":"event_callback","team_id":"T0001","event_id":"Ev6","event":{"type":"reaction_removed","user":"U2","reaction":"+1","item":{"channel":"C1","ts":"1479463495.000200"},"event_ts":"1479463495.000200"}}`)
	otherReaction := mustDecode(t, `{"type":"event_callback","team_id":"T0001","event_id":"Ev7","event":{"type":"reaction_added","user":"U2","reaction":"tada","item":{"channel":"C1","ts":"1479463495.000200"},"event_ts":"1479463495.000200"}}`)
	otherChannel := mustDecode(t, `{"type":"event_callback","team_id":"T0001","event":{"type":"message","channel":"C2","user":"U1","text":"hello","ts":"1479463495.000200"}}`)
	otherTeam := mustDecode(t, `{"type":"event_callback","team_id":"T0002","event":{"type":"message","channel":"C1","user":"U1","text":"hello","ts":"1479463495.000200"}}`)
	// Separators keep ("T1","C1x") and ("T1C","1x") apart.
	sepA := schema.Message{Team: "T1", ChannelID: "C1x", TS: "1479463495.000200"}
	sepB := schema.Message{Team: "T1C", ChannelID: "1x", TS: "1479463495.000200"}

	same := [][2]schema.Message{
		{webhook, events}, {events, retry}, {events, canonical},
	}
	for _, p := range same {
		if p[0].Key() != p[1].Key() {
			t.Errorf("Key differs for the same message:\n%+v\n%+v", p[0], p[1])
		}
	}
	distinct := []schema.Message{events, edit, edit2, del, react, unreact, otherReaction, otherChannel, otherTeam, sepA, sepB}
	seen := map[[16]byte]int{}
	for i, m := range distinct {
		if j, ok := seen[m.Key()]; ok {
			t.Errorf("Key of %+v equals Key of %+v", m, distinct[j])
		}
		seen[m.Key()] = i
	}

	// Event keys: a retry repeats the event id; the webhook has none.
	if _, ok := webhook.EventKey(); ok {
		t.Error("webhook message has an EventKey")
	}
	k1, ok1 := events.EventKey()
	k2, ok2 := retry.EventKey()
	if !ok1 || !ok2 || k1 != k2 {
		t.Errorf("Slack retry EventKeys: %x %v, %x %v; want equal", k1, ok1, k2, ok2)
	}
	k3, _ := edit.EventKey()
	if k3 == k1 {
		t.Error("different event ids have the same EventKey")
	}
	if k1 == events.Key() {
		t.Error("EventKey equals Key")
	}
	// The same event id in another team is another event.
	other := events
	other.Team = "T0002"
	if k, _ := other.EventKey(); k == k1 {
		t.Error("EventKey ignores the team")
	}
	// Long fields do not overflow the key's stack buffer.
	long := schema.Message{Team: strings.Repeat("T", 300), ChannelID: strings.Repeat("C", 300), TS: "1.0", EventID: strings.Repeat("E", 300)}
	long2 := long
	long2.TS = "1.1"
	if long.Key() == long2.Key() {
		t.Error("Key ignores the ts of a long-keyed message")
	}
	_, _ = long.EventKey()
}

func TestIsAuthored(t *testing.T) {
	tests := []struct {
		Name string
		M    schema.Message
		Want bool
	}{
		{"Plain", schema.Message{UserID: "U1"}, true},
		{"ThreadBroadcast", schema.Message{UserID: "U1", Subtype: "thread_broadcast"}, true},
		{"FileShare", schema.Message{UserID: "U1", Subtype: "file_share"}, true},
		{"MeMessage", schema.Message{UserID: "U1", Subtype: "me_message"}, true},
		{"ThreadReply", schema.Message{UserID: "U1", ThreadTS: "1.0", TS: "2.0"}, true},
		{"NoUser", schema.Message{}, false},
		{"Slackbot", schema.Message{UserID: "USLACKBOT"}, false},
		{"BotID", schema.Message{UserID: "U1", BotID: "B1"}, false},
		{"BotMessage", schema.Message{UserID: "U1", Subtype: "bot_message"}, false},
		{"Changed", schema.Message{UserID: "U1", Subtype: "message_changed"}, false},
		{"Deleted", schema.Message{UserID: "U1", Subtype: "message_deleted"}, false},
		{"ChannelJoin", schema.Message{UserID: "U1", Subtype: "channel_join"}, false},
		{"ChannelLeave", schema.Message{UserID: "U1", Subtype: "channel_leave"}, false},
		{"UnknownSubtype", schema.Message{UserID: "U1", Subtype: "huddle_thread"}, false},
		{"ReactionAdded", schema.Message{UserID: "U1", Kind: schema.KindReactionAdded}, false},
		{"ReactionRemoved", schema.Message{UserID: "U1", Kind: schema.KindReactionRemoved}, false},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := tt.M.IsAuthored(); got != tt.Want {
				t.Errorf("IsAuthored(%+v) = %v, want %v", tt.M, got, tt.Want)
			}
		})
	}
}

func TestIsThreadReply(t *testing.T) {
	tests := []struct {
		TS, ThreadTS string
		Want         bool
	}{
		{"2.0", "", false},
		{"2.0", "2.0", false}, // a thread parent carries its own ts
		{"2.0", "1.0", true},
	}
	for _, tt := range tests {
		m := schema.Message{TS: tt.TS, ThreadTS: tt.ThreadTS}
		if got := m.IsThreadReply(); got != tt.Want {
			t.Errorf("IsThreadReply(ts=%q, thread_ts=%q) = %v, want %v", tt.TS, tt.ThreadTS, got, tt.Want)
		}
	}
}

func TestFieldError(t *testing.T) {
	_, err := schema.Decode([]byte(`{"v":1,"channel":"C1","ts":"1355517523.000005"}`))
	if got, want := err.Error(), "team: missing field"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

// TestMessageKeyAndTarget checks that an edit, a deletion and a reaction
// point, through Target and MessageKey, at the key of the message they
// revise, and that new messages are no revisions.
func TestMessageKeyAndTarget(t *testing.T) {
	msg := schema.Message{Team: "T1", ChannelID: "C1", TS: "1479427200.000100", Text: "hi"}
	want := msg.Key()
	if got := schema.MessageKey("T1", "C1", "1479427200.000100"); got != want {
		t.Fatalf("MessageKey = %x, want the message's Key %x", got, want)
	}
	tests := []struct {
		Name string
		M    schema.Message
		TS   string
		OK   bool
	}{
		{"Plain", msg, "", false},
		{"Edit", schema.Message{Team: "T1", ChannelID: "C1", Subtype: "message_changed", TS: msg.TS, EditedTS: "1479427300.000000"}, msg.TS, true},
		{"Delete", schema.Message{Team: "T1", ChannelID: "C1", Subtype: "message_deleted", TS: msg.TS, EditedTS: "1479427300.000000"}, msg.TS, true},
		{"Reaction", schema.Message{Team: "T1", ChannelID: "C1", Kind: schema.KindReactionRemoved, TS: "1479427400.000000", ItemTS: msg.TS}, msg.TS, true},
		{"Join", schema.Message{Team: "T1", ChannelID: "C1", Subtype: "channel_join", TS: msg.TS}, "", false},
	}
	for _, tt := range tests {
		ts, ok := tt.M.Target()
		if ts != tt.TS || ok != tt.OK {
			t.Errorf("%s: Target = %q, %v; want %q, %v", tt.Name, ts, ok, tt.TS, tt.OK)
		}
		if ok && schema.MessageKey(tt.M.Team, tt.M.ChannelID, ts) != want {
			t.Errorf("%s: points at another message", tt.Name)
		}
	}
}
