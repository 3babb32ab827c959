package slashcmd

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Command
	}{
		{"", Command{Kind: KindGlance}},
		{"   ", Command{Kind: KindGlance}},
		{"public", Command{Kind: KindGlance, Public: true}},
		{"help", Command{Kind: KindHelp}},
		{"me", Command{Kind: KindMe}},
		{"ME", Command{Kind: KindMe}},
		{"office Berlin", Command{Kind: KindOffice, Arg: "berlin"}},
		{"office new york public", Command{Kind: KindOffice, Arg: "new york", Public: true}},
		{"topic Kubernetes", Command{Kind: KindTopic, Arg: "kubernetes"}},
		{"topic", Command{Kind: KindHelp, Problem: "`topic` needs a name after it"}},
		{"dance", Command{Kind: KindHelp, Problem: "I do not know `dance`"}},
		{"me too", Command{Kind: KindHelp, Problem: "I do not know `me`"}},
	} {
		if got := Parse(tc.text); got != tc.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
}

// slackForm is a slash command body in Slack's documented format.
func slackForm(text string) string {
	return url.Values{
		"token": {"gIkuvaNzQIHg97ATvDxqgjtO"}, "team_id": {"T0001"}, "team_domain": {"example"},
		"enterprise_id": {"E0001"}, "enterprise_name": {"Globular Construct Inc"},
		"channel_id": {"C2147483705"}, "channel_name": {"test"}, "user_id": {"U2147483697"},
		"user_name": {"Steve"}, "command": {"/wiretap"}, "text": {text},
		"response_url": {"https://hooks.slack.com/commands/1234/5678"},
		"trigger_id":   {"13345224609.738474920.8088930838d88f008e0"},
		"api_app_id":   {"A123456"},
	}.Encode()
}

func TestParseRequest(t *testing.T) {
	r, err := ParseRequest([]byte(slackForm("office berlin")))
	if err != nil {
		t.Fatal(err)
	}
	want := Request{TeamID: "T0001", TeamDomain: "example", ChannelID: "C2147483705", UserID: "U2147483697",
		UserName: "Steve", Command: "/wiretap", Text: "office berlin", ResponseURL: "https://hooks.slack.com/commands/1234/5678"}
	if r != want {
		t.Errorf("got %+v, want %+v", r, want)
	}
	for _, bad := range []string{"", "command=/wiretap", "user_id=U1", "%zz"} {
		if _, err := ParseRequest([]byte(bad)); err == nil {
			t.Errorf("ParseRequest(%q) accepted", bad)
		}
	}
}

// TestAnswersEscape checks that names and topics from the data cannot
// become Slack markup (a <!channel> in a topic would notify everyone).
func TestAnswersEscape(t *testing.T) {
	s := &Summary{
		Range:          Range{From: "2016-11-14T00:00:00Z", To: "2016-11-21T00:00:00Z", Days: 7},
		Offices:        []Office{{Office: "<!channel>", Messages: 3}},
		TopUsers:       []Person{{UserID: "U1", UserName: "<@U2> & <!here>", Messages: 5}},
		TopTopics:      []Topic{{Topic: "<https://evil.example|click>", Messages: 4}},
		TopicsByOffice: map[string][]Topic{"<!channel>": {{Topic: "<!everyone>", Messages: 2}}},
	}
	for _, m := range []Message{
		Glance(Command{}, s, true), OfficeWeek(Command{Arg: "<!channel>"}, s), OfficeWeek(Command{Arg: "<nope>"}, s),
		TopicAnswer(Command{Arg: "<!everyone>"}, s), TopicAnswer(Command{Arg: "<x>"}, s),
	} {
		data, err := json.Marshal(m.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if v["type"] == "mrkdwn" {
					texts = append(texts, v["text"].(string))
				}
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		var tree any
		_ = json.Unmarshal(data, &tree)
		walk(tree)
		for _, txt := range texts {
			if strings.ContainsAny(txt, "<>") {
				t.Errorf("mrkdwn carries markup from the data: %q", txt)
			}
		}
		if m.ResponseType != "ephemeral" {
			t.Errorf("answer is %q, want ephemeral", m.ResponseType)
		}
	}
	if m := Glance(Command{Public: true}, s, false); m.ResponseType != "in_channel" {
		t.Errorf("public answer is %q", m.ResponseType)
	}
	if m := Glance(Command{}, s, false); strings.Contains(mustJSON(t, m), "U2") {
		t.Error("a person appears in the glance although rankings are off")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "office berlin", "topic x public", "me", "help", "\x00 office"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := Parse(text)
		switch c.Kind {
		case KindGlance, KindOffice, KindTopic, KindMe, KindHelp:
		default:
			t.Fatalf("Parse(%q) kind %q", text, c.Kind)
		}
		if (c.Kind == KindOffice || c.Kind == KindTopic) && c.Arg == "" {
			t.Fatalf("Parse(%q): %s without an argument", text, c.Kind)
		}
		_ = Help(c)
	})
}

func FuzzParseRequest(f *testing.F) {
	f.Add(slackForm("office berlin"))
	f.Add("command=%2Fwiretap&user_id=U1&text=%3C%21channel%3E")
	f.Fuzz(func(t *testing.T, body string) {
		r, err := ParseRequest([]byte(body))
		if err == nil && (r.Command == "" || r.UserID == "") {
			t.Fatalf("accepted %q without command or user", body)
		}
	})
}
