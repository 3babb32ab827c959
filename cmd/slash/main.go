// Command slash is the /wiretap slash command as its own small Lambda
// behind an HTTP API: it verifies Slack's signature and answers in Block
// Kit from the summary.json the nightly job publishes in the output
// bucket, one small S3 GET (cached a minute per container), never Parquet,
// so it links neither Arrow nor the batch engine and starts fast. See
// package internal/slashcmd and deploy/template.yaml.
//
// Configuration is the environment: WIRETAP_OUT (s3://bucket/prefix, the
// output of `wiretap nightly`), SLACK_SIGNING_SECRET, and WIRETAP_RANK_PEOPLE=1
// to include rankings of people in /wiretap.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wiretap-hq/wiretap/internal/slashcmd"
	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/privacy"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	out, err := archive.ParseLocation(os.Getenv("WIRETAP_OUT"))
	if err == nil && !out.IsS3() {
		err = fmt.Errorf("WIRETAP_OUT %q: want s3://bucket/prefix", out)
	}
	if err != nil {
		logger.Error("slash: cannot start", "err", err.Error())
		os.Exit(1)
	}
	secret := os.Getenv("SLACK_SIGNING_SECRET")
	if secret == "" {
		logger.Error("slash: cannot start: SLACK_SIGNING_SECRET is not set")
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	cfg, err := config.LoadDefaultConfig(ctx)
	cancel()
	if err != nil {
		logger.Error("slash: AWS configuration", "err", err.Error())
		os.Exit(1)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = os.Getenv("AWS_ENDPOINT_URL_S3") != "" })
	h := &slashcmd.Handler{
		Secret:     secret,
		Source:     &slashcmd.SummaryObject{Client: client, At: out.Join("summary.json")},
		RankPeople: os.Getenv("WIRETAP_RANK_PEOPLE") == "1",
		Logger:     logger,
		// Set when the summary carries pseudonyms: /wiretap me then finds
		// the caller by theirs.
		PseudonymKey: pseudonymKey(),
		// Within Slack's three seconds, in the response: a frozen Lambda
		// cannot post later.
		AckAfter:         2500 * time.Millisecond,
		Timeout:          2500 * time.Millisecond,
		AllowResponseURL: func(*url.URL) bool { return false },
	}
	lambda.Start(func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return slashcmd.HandleAPIGatewayV2(ctx, h, e)
	})
}

// pseudonymKey is WIRETAP_PSEUDONYM_KEY, nil when unset.
func pseudonymKey() []byte {
	if k := os.Getenv(privacy.KeyEnv); k != "" {
		return []byte(k)
	}
	return nil
}
