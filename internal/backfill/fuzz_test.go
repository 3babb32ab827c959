package backfill

import (
	"encoding/json"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/wiretap-hq/wiretap/schema"
)

// FuzzConvertDay feeds arbitrary bytes to the day-file parser. It must not
// panic; every message it emits must be a valid record that survives the
// canonical encoding unchanged (what `wiretap run` reads is what backfill
// meant), and the counts must add up.
func FuzzConvertDay(f *testing.F) {
	var day []map[string]any
	for _, m := range testMessages() {
		day = append(day, m.raw)
	}
	seed, _ := json.Marshal(day)
	f.Add(seed)
	for _, s := range []string{
		``, `[]`, `{}`, `null`, `[1,"x",null,[],{}]`, `[{"type":"message"}]`,
		`[{"type":"message","ts":"1479114000.000100","user":"U1","text":"\ud800 \u0000 <b>"}]`,
		`[{"type":"message","subtype":"message_changed","ts":"1479114200.000000","message":{"ts":"1479114000.000100","edited":{"ts":7}}}]`,
		`[{"type":"message","subtype":"message_deleted","ts":"1479114200.000000","deleted_ts":"1479114000.000100"}]`,
		`[{"type":"message","ts":"1479114000.1234567"},{"type":"message","ts":"99.5"}]`,
		"[{\"type\":\"message\",\"ts\":\"1479114000.000100\",\"text\":\"\xff\"}]",
	} {
		f.Add([]byte(s))
	}
	users := map[string]string{"U1": "alice", "U2": "bob"}
	var p fastjson.Parser
	f.Fuzz(func(t *testing.T, data []byte) {
		var emitted int64
		c, err := parseDay(&p, data, team, channel{ID: "C1", Name: "general"}, users, func(m *schema.Message) {
			emitted++
			if err := m.Validate(); err != nil || m.Time.IsZero() {
				t.Fatalf("emitted an invalid message %+v: %v", m, err)
			}
			rec := schema.AppendNDJSON(nil, m)
			back, err := schema.Decode(rec)
			if err != nil {
				t.Fatalf("record %s does not decode: %v", rec, err)
			}
			if back != *m {
				t.Fatalf("round trip changed the message:\n%+v\n%+v", *m, back)
			}
		})
		if err != nil {
			if c.read != 0 {
				t.Fatalf("an error after reading %d elements", c.read)
			}
			return
		}
		if c.nonMessages+c.invalid+emitted != c.read {
			t.Fatalf("counts %+v with %d emitted do not add up", c, emitted)
		}
	})
}
