package ingest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/jobs"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// fakeClock is the server's clock (verifier and sink): it moves only when
// the test moves it, so that requests arrive in the hours the test wants.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// e2eRequest is one request of the end-to-end test and the answer it must
// get.
type e2eRequest struct {
	name        string
	contentType string
	body        string
	sign        string // secret to sign with; "" sends it unsigned
	signedAt    time.Duration
	retry       bool
	status      int
	answer      string // expected body, when not ""
}

// TestEndToEnd: signed requests → local ingest server → archive →
// `wiretap run` (jobs.Run) counts exactly the accepted messages.
//
// Messages of 4 users in 3 channels over 3 days, several hours a day, each
// arriving a few seconds after it was written (the last of each day after
// midnight, so filed under the next day's first hour); an outgoing webhook
// with the verification token; a bot message; a Slack retry of one event;
// a url_verification; and unsigned, wrongly signed and stale requests that
// must be rejected and leave no trace.
func TestEndToEnd(t *testing.T) {
	const team = "T0001"
	dir := t.TempDir()
	clock := &fakeClock{}
	start := time.Date(2016, 11, 14, 0, 0, 0, 0, time.UTC)
	clock.Set(start)
	endpoint, cancel, done := startServe(t, ServeOptions{
		Archive: archive.Dir{Root: dir}, SigningSecret: testSecret, VerificationToken: testToken,
		FlushInterval: 50 * time.Millisecond, Now: clock.Now,
	})
	var stopErr error
	stop := sync.OnceFunc(func() {
		cancel()
		stopErr = <-done
	})
	defer stop() // when the test fails early

	var (
		authored   = map[string]int64{} // user → messages accepted
		channels   = map[string]bool{}
		accepted   int64 // distinct records accepted
		retried    string
		rejectedTS []string
		events     int
	)
	event := func(user, channel string, at time.Time, text string, extra string) string {
		events++
		return fmt.Sprintf(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","team_id":%q,"api_app_id":"A1","type":"event_callback",`+
			`"event_id":"Ev%05d","event_time":%d,"event":{"type":"message","channel":%q,"channel_type":"channel",`+
			`"user":%q,"text":%q,"ts":%q,"event_ts":%q%s}}`,
			team, events, at.Unix(), channel, user, text, schema.FormatTS(at), schema.FormatTS(at), extra)
	}
	users := []string{"U1", "U2", "U3", "U4"}
	chans := []string{"C1", "C2", "C3"}
	type group struct {
		arrival time.Time
		reqs    []e2eRequest
	}
	var groups []group
	n := 0
	for d := range 3 {
		day := start.AddDate(0, 0, d)
		for _, hm := range [][2]int{{9, 0}, {14, 30}, {23, 59}} {
			first := day.Add(time.Duration(hm[0])*time.Hour + time.Duration(hm[1])*time.Minute + 50*time.Second)
			g := group{arrival: first.Add(14 * time.Second)} // 23:59:50 + 14s is past midnight
			for i := range 4 {
				at := first.Add(time.Duration(i)*2*time.Second + time.Duration(n)*time.Microsecond)
				u, c := users[n%len(users)], chans[(n/2)%len(chans)]
				n++
				body := event(u, c, at, fmt.Sprintf("message %d from %s: ça marche 👍 <@U1>", n, u), "")
				g.reqs = append(g.reqs, e2eRequest{name: "event", contentType: "application/json", body: body, sign: testSecret, status: 200})
				authored[u]++
				channels[c] = true
				accepted++
				if retried == "" {
					retried = body
				}
			}
			groups = append(groups, g)
		}
	}
	// Extras, in the first day's 14:30 group.
	extraAt := start.Add(14*time.Hour + 31*time.Minute)
	form := url.Values{
		"token": {testToken}, "team_id": {team}, "team_domain": {"acme"}, "channel_id": {"C3"}, "channel_name": {"random"},
		"timestamp": {schema.FormatTS(extraAt)}, "user_id": {"U4"}, "user_name": {"dave"}, "text": {"from the webhook"},
		"trigger_word": {"from"},
	}
	authored["U4"]++
	accepted++
	bot := event("", "C1", extraAt.Add(time.Second), "Deployed :rocket:", `,"subtype":"bot_message","bot_id":"B1","username":"deploybot"`)
	accepted++
	reject := func(name string, sign string, signedAt time.Duration) e2eRequest {
		at := extraAt.Add(time.Duration(3+len(rejectedTS)) * time.Second)
		rejectedTS = append(rejectedTS, schema.FormatTS(at))
		return e2eRequest{name: name, contentType: "application/json", body: event("U666", "C1", at, "forged", ""),
			sign: sign, signedAt: signedAt, status: 401}
	}
	groups[1].reqs = append(groups[1].reqs,
		e2eRequest{name: "webhook", contentType: "application/x-www-form-urlencoded", body: form.Encode(), status: 200},
		e2eRequest{name: "bot", contentType: "application/json", body: bot, sign: testSecret, status: 200},
		e2eRequest{name: "url_verification", contentType: "application/json",
			body: `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`,
			sign: testSecret, status: 200, answer: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"},
		reject("unsigned", "", 0),
		reject("wrong secret", "not-the-secret", 0),
		reject("stale", testSecret, -6*time.Minute),
		e2eRequest{name: "webhook with a wrong token", contentType: "application/x-www-form-urlencoded",
			body: strings.Replace(form.Encode(), "token="+testToken, "token=guess", 1), status: 401},
	)
	// Slack's retry of the first event, 30 seconds after it first arrived:
	// a separate object of the same hour.
	groups = append(groups[:1], append([]group{{arrival: groups[0].arrival.Add(30 * time.Second), reqs: []e2eRequest{
		{name: "retry", contentType: "application/json", body: retried, sign: testSecret, retry: true, status: 200},
	}}}, groups[1:]...)...)

	client := &http.Client{Timeout: 10 * time.Second}
	send := func(r e2eRequest) {
		req, err := http.NewRequest("POST", endpoint, strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", r.contentType)
		if r.sign != "" {
			ts := clock.Now().Add(r.signedAt).Unix()
			req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
			req.Header.Set(HeaderSignature, Sign(r.sign, ts, []byte(r.body)))
		}
		if r.retry {
			req.Header.Set(HeaderRetryNum, "1")
			req.Header.Set(HeaderRetryReason, "http_timeout")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s: %v", r.name, err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != r.status || r.answer != "" && string(body) != r.answer {
			t.Errorf("%s: %d %q, want %d %q", r.name, resp.StatusCode, body, r.status, r.answer)
		}
	}
	for i, g := range groups {
		clock.Set(g.arrival)
		var wg sync.WaitGroup
		for w := range 3 { // a few clients at once
			wg.Go(func() {
				for j := w; j < len(g.reqs); j += 3 {
					send(g.reqs[j])
				}
			})
		}
		wg.Wait()
		if i == len(groups)-1 {
			break // the last group is written by the graceful shutdown
		}
		// Let the buffer age past the flush interval and wait for its
		// object, so that each group is one object filed at its arrival.
		clock.Set(g.arrival.Add(time.Second))
		waitFor(t, fmt.Sprintf("object %d", i+1), func() bool { return len(archiveKeys(t, dir)) == i+1 })
	}
	stop()
	if stopErr != nil {
		t.Fatal(stopErr)
	}
	keys := archiveKeys(t, dir)
	if len(keys) != len(groups) {
		t.Fatalf("%d objects for %d groups: %v", len(keys), len(groups), keys)
	}
	if !strings.HasPrefix(keys[len(keys)-1], "2016/11/17/00/slack-wiretap-1-2016-11-17-00-00-") {
		t.Errorf("the last group, arriving after midnight, is filed as %s", keys[len(keys)-1])
	}
	for _, k := range keys {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(k)))
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range rejectedTS {
			if strings.Contains(string(data), ts) || strings.Contains(string(data), "U666") {
				t.Errorf("%s holds a rejected request", k)
			}
		}
		if strings.Contains(string(data), testToken) || strings.Contains(string(data), "Jhj5dZrVaK7ZwHHjRyZWjbDl") {
			t.Errorf("%s holds a token", k)
		}
	}

	res, err := jobs.Run(context.Background(), jobs.RunOptions{
		Source: loctest.Parse(t, dir), Out: loctest.Parse(t, t.TempDir()), From: start, To: start.AddDate(0, 0, 3), MaxBadRatio: 0.01, Workers: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Manifest.Counts
	t.Logf("%d objects; run counts: read %d, parsed %d, duplicates %d, in range %d, authored %d, bots %d",
		len(keys), c.RecordsRead, c.Parsed, c.Duplicates, c.InRange, c.Authored, c.Bots)
	var wantAuthored int64
	for _, n := range authored {
		wantAuthored += n
	}
	for _, chk := range []struct {
		name      string
		got, want int64
	}{
		{"objects_read", c.ObjectsRead, int64(len(groups))},
		{"records_read", c.RecordsRead, accepted + 1},
		{"parsed", c.Parsed, accepted},
		{"duplicates (the retry)", c.Duplicates, 1},
		{"quarantined", c.Quarantined, 0},
		{"in_range", c.InRange, accepted},
		{"out_of_range", c.OutOfRange, 0},
		{"authored", c.Authored, wantAuthored},
		{"bots", c.Bots, 1},
		{"summary messages", res.Summary.Totals.Messages, wantAuthored},
		{"summary active users", res.Summary.Totals.ActiveUsers, int64(len(authored))},
		{"summary channels", res.Summary.Totals.Channels, int64(len(channels))},
	} {
		if chk.got != chk.want {
			t.Errorf("%s = %d, want %d", chk.name, chk.got, chk.want)
		}
	}
	got := map[string]int64{}
	for _, u := range res.Summary.TopUsers {
		got[u.UserID] = u.Messages
	}
	if fmt.Sprint(got) != fmt.Sprint(authored) {
		t.Errorf("messages per user %v, want %v", got, authored)
	}
	if res.Summary.Range.Days != 3 {
		t.Errorf("summary range %+v", res.Summary.Range)
	}
}

// archiveKeys lists the Firehose objects of the archive in dir, in order.
func archiveKeys(t *testing.T, dir string) []string {
	t.Helper()
	var keys []string
	for info, err := range (archive.Dir{Root: dir}).List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := archive.ParseObjectKey("", info.Key); ok {
			keys = append(keys, info.Key)
		}
	}
	return keys
}
