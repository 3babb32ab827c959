package dashboard_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/internal/dashboard"
	"github.com/wiretap-hq/wiretap/internal/slackverify"
	"github.com/wiretap-hq/wiretap/internal/slashcmd"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
)

const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5" // Slack's documented example secret

var slackNow = time.Unix(1700000000, 0)

// slashForm is a slash command body in Slack's format.
func slashForm(user, text, responseURL string) string {
	return url.Values{
		"token": {"gIkuvaNzQIHg97ATvDxqgjtO"}, "team_id": {"T0001"}, "team_domain": {"example"},
		"channel_id": {"C2147483705"}, "channel_name": {"test"}, "user_id": {user},
		"user_name": {"steve"}, "command": {"/wiretap"}, "text": {text},
		"response_url": {responseURL}, "trigger_id": {"13345224609.738474920.8088930838d88f008e0"},
		"api_app_id": {"A123456"}, "is_enterprise_install": {"false"},
	}.Encode()
}

func postSlash(t *testing.T, srv *httptest.Server, body string, ts time.Time, sig string) (int, slashcmd.Message) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/slack/commands", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if !ts.IsZero() {
		req.Header.Set(slackverify.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	}
	if sig != "" {
		req.Header.Set(slackverify.HeaderSignature, sig)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m slashcmd.Message
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("answer %q: %v", data, err)
		}
	}
	return resp.StatusCode, m
}

func TestSlashCommand(t *testing.T) {
	out, _, _, _ := fixture(t)
	source := &dashboard.Source{Out: loctest.Parse(t, out)}
	// Slack's side: the response_url endpoint late answers go to.
	posted := make(chan slashcmd.Message, 4)
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m slashcmd.Message
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&m) != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		posted <- m
	}))
	defer slack.Close()
	newServer := func(ackAfter time.Duration, rank bool) *httptest.Server {
		h := &slashcmd.Handler{
			Secret: slackSecret, Now: func() time.Time { return slackNow }, RankPeople: rank,
			Source: &dashboard.SlashSource{Source: source}, AckAfter: ackAfter, Client: slack.Client(),
			AllowResponseURL: func(u *url.URL) bool { return "http://"+u.Host == slack.URL },
		}
		return start(t, &dashboard.Server{Source: source, Slash: h, Auth: dashboard.Auth{Token: "dashboard-only"}})
	}
	srv := newServer(time.Minute, false)
	sign := func(body string, ts time.Time) string { return slackverify.Sign(slackSecret, ts.Unix(), []byte(body)) }

	t.Run("verification", func(t *testing.T) {
		body := slashForm("U2147483697", "", slack.URL)
		for _, tc := range []struct {
			name string
			ts   time.Time
			sig  string
			want int
		}{
			{"signed", slackNow, sign(body, slackNow), http.StatusOK},
			{"unsigned", time.Time{}, "", http.StatusUnauthorized},
			{"forged", slackNow, sign(body+"&text=me", slackNow), http.StatusUnauthorized},
			{"wrong secret", slackNow, slackverify.Sign("another-secret", slackNow.Unix(), []byte(body)), http.StatusUnauthorized},
			{"stale", slackNow.Add(-10 * time.Minute), sign(body, slackNow.Add(-10*time.Minute)), http.StatusUnauthorized},
			{"from the future", slackNow.Add(10 * time.Minute), sign(body, slackNow.Add(10*time.Minute)), http.StatusUnauthorized},
		} {
			if code, _ := postSlash(t, srv, body, tc.ts, tc.sig); code != tc.want {
				t.Errorf("%s: %d, want %d", tc.name, code, tc.want)
			}
		}
	})

	answer := func(t *testing.T, srv *httptest.Server, user, text string) slashcmd.Message {
		t.Helper()
		body := slashForm(user, text, slack.URL)
		code, m := postSlash(t, srv, body, slackNow, sign(body, slackNow))
		if code != http.StatusOK {
			t.Fatalf("%q: %d", text, code)
		}
		return m
	}
	blocks := func(m slashcmd.Message) string {
		data, _ := json.Marshal(m.Blocks)
		return string(data)
	}

	t.Run("commands", func(t *testing.T) {
		m := answer(t, srv, "U2147483697", "")
		if m.ResponseType != "ephemeral" || !strings.Contains(blocks(m), "at a glance") || !strings.Contains(blocks(m), "berlin") {
			t.Errorf("/wiretap: %s %s", m.ResponseType, blocks(m))
		}
		if strings.Contains(blocks(m), "Most active") {
			t.Error("/wiretap ranks people although rankings are off")
		}
		if m := answer(t, srv, "U2147483697", "public"); m.ResponseType != "in_channel" {
			t.Errorf("/wiretap public: %s", m.ResponseType)
		}
		if m := answer(t, srv, "U2147483697", "office BERLIN"); !strings.Contains(blocks(m), "Wiretap: berlin") {
			t.Errorf("/wiretap office BERLIN: %s", blocks(m))
		}
		if m := answer(t, srv, "U2147483697", "office atlantis"); !strings.Contains(blocks(m), "No office called *atlantis*") {
			t.Errorf("/wiretap office atlantis: %s", blocks(m))
		}
		if m := answer(t, srv, "U2147483697", "topic planning"); !strings.Contains(blocks(m), "berlin") {
			t.Errorf("/wiretap topic planning: %s", blocks(m))
		}
		me := answer(t, srv, xssUser, "me")
		if !strings.Contains(blocks(me), "Your figures") || !strings.Contains(blocks(me), "*Messages*\\n280") {
			t.Errorf("/wiretap me: %s", blocks(me))
		}
		if m := answer(t, srv, "UNOBODY00", "me"); !strings.Contains(blocks(m), "You wrote nothing") {
			t.Errorf("/wiretap me for a stranger: %s", blocks(m))
		}
		if m := answer(t, srv, "U2147483697", "dance"); !strings.Contains(blocks(m), "I do not know `dance`") {
			t.Errorf("/wiretap dance: %s", blocks(m))
		}
		ranked := newServer(time.Minute, true)
		m = answer(t, ranked, "U2147483697", "")
		if !strings.Contains(blocks(m), "Most active") || !strings.Contains(blocks(m), "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;") {
			t.Errorf("/wiretap with rankings: %s", blocks(m))
		}
	})

	t.Run("late answer to response_url", func(t *testing.T) {
		late := newServer(-1, false)
		m := answer(t, late, "U2147483697", "office nyc")
		if !strings.Contains(m.Text, "Working on it") || m.ResponseType != "ephemeral" {
			t.Errorf("acknowledgement: %+v", m)
		}
		select {
		case p := <-posted:
			if !p.ReplaceOriginal || !strings.Contains(blocks(p), "Wiretap: nyc") {
				t.Errorf("posted answer: %+v", p)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no answer posted to response_url")
		}
	})
}
