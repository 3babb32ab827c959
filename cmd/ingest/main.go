// Command ingest is the Slack ingestion Lambda: it receives Slack's
// requests through API Gateway (REST or HTTP API) or a function URL,
// verifies, normalises and puts them on Firehose. See package
// internal/ingest for the behaviour and deploy/ for the stack.
//
// Configuration is the environment: FIREHOSE_STREAM_NAME, and
// SLACK_SIGNING_SECRET (or SLACK_SIGNING_SECRET_PARAM, an SSM parameter
// name), optionally SLACK_VERIFICATION_TOKEN (or
// SLACK_VERIFICATION_TOKEN_PARAM) for legacy outgoing webhooks.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wiretap-hq/wiretap/internal/ingest"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	h, err := ingest.NewLambdaHandler(ctx, os.Getenv, logger)
	cancel()
	if err != nil {
		logger.Error("ingest: cannot start", "err", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.HandleLambda)
}
