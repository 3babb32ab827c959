package dashboard_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wiretap-hq/wiretap/internal/dashboard"
	"github.com/wiretap-hq/wiretap/internal/slackverify"
	"github.com/wiretap-hq/wiretap/internal/slashcmd"
	"github.com/wiretap-hq/wiretap/internal/testutil/loctest"
	"github.com/wiretap-hq/wiretap/internal/testutil/s3test"
	"github.com/wiretap-hq/wiretap/jobs"
)

// s3Bucket makes a bucket on the real test S3 server (scripts/s3server.sh)
// and returns a client for it and its name.
func s3Bucket(t *testing.T) (*s3.Client, string) {
	t.Helper()
	ep := s3test.Endpoint(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", ep)
	return s3test.Client(t, ep), s3test.NewBucket(t, ep)
}

// TestServeS3 serves outputs published to S3: the feed is query's bytes,
// and the slash command's Lambda answers from the published summary.json.
func TestServeS3(t *testing.T) {
	client, bucket := s3Bucket(t)
	_, facts, src, roster := fixture(t)
	out := "s3://" + bucket + "/out"
	if _, err := jobs.Run(t.Context(), jobs.RunOptions{
		Source: loctest.Parse(t, src), Out: loctest.Parse(t, out), Roster: loctest.Parse(t, roster), From: facts.Start, To: facts.End,
		Workers: 2, MaxBadRatio: jobs.DefaultMaxBadRatio, IncludeText: true,
	}); err != nil {
		t.Fatal(err)
	}
	// As serve makes it: with the minimum group query applies by default.
	srv := start(t, &dashboard.Server{Source: &dashboard.Source{Out: loctest.Parse(t, out), MinGroup: jobs.DefaultMinGroup}})
	from, to := facts.Start.AddDate(0, 0, 4).Format(time.DateOnly), facts.End.Format(time.DateOnly)
	resp, body := get(t, srv, "/api/v1/summary?from="+from+"&to="+to+"&office=berlin")
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s", resp.Status, body)
	}
	if want := queryCLI(t, "--out", out, "--from", from, "--to", to, "--office", "berlin"); !bytes.Equal(body, want) {
		t.Error("the feed over S3 differs from wiretap query")
	}
	if resp, body := get(t, srv, "/"); resp.StatusCode != 200 || !strings.Contains(string(body), "Messages per day") {
		t.Errorf("page over S3: %s", resp.Status)
	}

	// The Lambda: signed API Gateway events answered from summary.json.
	h := &slashcmd.Handler{
		Secret: slackSecret, Now: func() time.Time { return slackNow },
		Source:   &slashcmd.SummaryObject{Client: client, At: loctest.Parse(t, "s3://"+bucket+"/out/summary.json")},
		AckAfter: 2500 * time.Millisecond, Timeout: 2500 * time.Millisecond,
		AllowResponseURL: func(*url.URL) bool { return false },
	}
	for text, want := range map[string]string{"": "at a glance", "office sydney": "Wiretap: sydney", "me": "You wrote nothing"} {
		form := slashForm("UNOBODY00", text, "https://hooks.slack.com/commands/1/2")
		ev := events.APIGatewayV2HTTPRequest{Body: form, Headers: map[string]string{
			"content-type": "application/x-www-form-urlencoded",
			strings.ToLower(slackverify.HeaderTimestamp): strconv.FormatInt(slackNow.Unix(), 10),
			strings.ToLower(slackverify.HeaderSignature): slackverify.Sign(slackSecret, slackNow.Unix(), []byte(form)),
		}}
		ev.RequestContext.HTTP.Method = "POST"
		res, err := slashcmd.HandleAPIGatewayV2(t.Context(), h, ev)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%q: %v %d %s", text, err, res.StatusCode, res.Body)
		}
		var m slashcmd.Message
		if err := json.Unmarshal([]byte(res.Body), &m); err != nil || !strings.Contains(res.Body, want) {
			t.Errorf("%q: %s", text, res.Body)
		}
		ev.Headers[strings.ToLower(slackverify.HeaderSignature)] = "v0=" + strings.Repeat("0", 64)
		if res, _ := slashcmd.HandleAPIGatewayV2(t.Context(), h, ev); res.StatusCode != 401 {
			t.Errorf("forged event: %d", res.StatusCode)
		}
	}
}
