package ingest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// HandleAPIGatewayV1 serves an API Gateway REST API (payload format 1.0)
// proxy event. It never returns an error: every outcome is an HTTP answer.
func (h *Handler) HandleAPIGatewayV1(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	hdr := make(http.Header, len(e.Headers))
	if len(e.MultiValueHeaders) > 0 {
		for k, vs := range e.MultiValueHeaders {
			for _, v := range vs {
				hdr.Add(k, v)
			}
		}
	} else {
		for k, v := range e.Headers {
			hdr.Set(k, v)
		}
	}
	resp := h.handleEncoded(ctx, e.HTTPMethod, hdr, e.Body, e.IsBase64Encoded)
	return events.APIGatewayProxyResponse{
		StatusCode: resp.Status, Headers: responseHeaders(resp), Body: resp.Body,
	}, nil
}

// HandleAPIGatewayV2 serves an API Gateway HTTP API (payload format 2.0)
// event. It never returns an error.
func (h *Handler) HandleAPIGatewayV2(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	resp := h.handleEncoded(ctx, e.RequestContext.HTTP.Method, headerMap(e.Headers), e.Body, e.IsBase64Encoded)
	return events.APIGatewayV2HTTPResponse{
		StatusCode: resp.Status, Headers: responseHeaders(resp), Body: resp.Body,
	}, nil
}

// HandleFunctionURL serves a Lambda function URL event (the 2.0 payload
// format). It never returns an error.
func (h *Handler) HandleFunctionURL(ctx context.Context, e events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	resp := h.handleEncoded(ctx, e.RequestContext.HTTP.Method, headerMap(e.Headers), e.Body, e.IsBase64Encoded)
	return events.LambdaFunctionURLResponse{
		StatusCode: resp.Status, Headers: responseHeaders(resp), Body: resp.Body,
	}, nil
}

// HandleLambda is the function's entry point for lambda.Start: it tells the
// payload format from the event itself ("version":"2.0" for HTTP APIs and
// function URLs, "httpMethod" for REST APIs and HTTP APIs' 1.0 format) and
// dispatches to the matching adapter. It returns an error only for an event
// that is no HTTP request at all.
func (h *Handler) HandleLambda(ctx context.Context, payload json.RawMessage) (any, error) {
	var probe struct {
		Version        string `json:"version"`
		HTTPMethod     string `json:"httpMethod"`
		RequestContext struct {
			HTTP struct {
				Method string `json:"method"`
			} `json:"http"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(payload, &probe); err != nil {
		return nil, fmt.Errorf("ingest: event is not an HTTP request: %w", err)
	}
	switch {
	case probe.Version == "2.0" || (probe.HTTPMethod == "" && probe.RequestContext.HTTP.Method != ""):
		var e events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(payload, &e); err != nil {
			return nil, fmt.Errorf("ingest: bad 2.0 payload: %w", err)
		}
		return h.HandleAPIGatewayV2(ctx, e)
	case probe.HTTPMethod != "":
		var e events.APIGatewayProxyRequest
		if err := json.Unmarshal(payload, &e); err != nil {
			return nil, fmt.Errorf("ingest: bad 1.0 payload: %w", err)
		}
		return h.HandleAPIGatewayV1(ctx, e)
	}
	return nil, errors.New("ingest: event is not an API Gateway or function URL request")
}

// handleEncoded decodes a base64 body, as the transport flagged it, and
// handles the request. The signature covers the decoded bytes.
func (h *Handler) handleEncoded(ctx context.Context, method string, hdr http.Header, body string, b64 bool) Response {
	raw := []byte(body)
	if b64 {
		var err error
		if raw, err = base64.StdEncoding.DecodeString(body); err != nil {
			h.c.badRequests.Add(1)
			h.log.Warn("ingest: body flagged base64 does not decode")
			return respBadRequest
		}
	}
	return h.Handle(ctx, Request{Method: method, Headers: hdr, Body: raw})
}

// headerMap turns the 2.0 format's header map (lower-case names, repeated
// headers joined by commas) into an http.Header with canonical keys.
func headerMap(m map[string]string) http.Header {
	hdr := make(http.Header, len(m))
	for k, v := range m {
		hdr.Set(k, v)
	}
	return hdr
}

func responseHeaders(resp Response) map[string]string {
	hdr := map[string]string{"X-Content-Type-Options": "nosniff"}
	if resp.ContentType != "" {
		hdr["Content-Type"] = resp.ContentType
	}
	return hdr
}

// Environment of the Lambda function.
const (
	EnvStream             = "FIREHOSE_STREAM_NAME"
	EnvSigningSecret      = "SLACK_SIGNING_SECRET"
	EnvVerificationToken  = "SLACK_VERIFICATION_TOKEN"
	EnvSigningSecretParam = "SLACK_SIGNING_SECRET_PARAM"
	EnvTokenParam         = "SLACK_VERIFICATION_TOKEN_PARAM"
)

// NewLambdaHandler builds the Lambda function's Handler from its
// environment: the Firehose stream from FIREHOSE_STREAM_NAME, the secrets
// from SLACK_SIGNING_SECRET / SLACK_VERIFICATION_TOKEN or, when those are
// unset, from the SSM parameters named by SLACK_SIGNING_SECRET_PARAM /
// SLACK_VERIFICATION_TOKEN_PARAM. Call it once per container, at init:
// the secrets are fetched then and kept for the container's life.
func NewLambdaHandler(ctx context.Context, getenv func(string) string, logger *slog.Logger) (*Handler, error) {
	stream := getenv(EnvStream)
	if stream == "" {
		return nil, fmt.Errorf("ingest: %s is not set", EnvStream)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("ingest: AWS configuration: %w", err)
	}
	secrets := &SecretLoader{Getenv: getenv, SSM: ssm.NewFromConfig(cfg)}
	s, err := secrets.Load(ctx)
	if err != nil {
		return nil, err
	}
	sink := NewFirehoseSink(firehose.NewFromConfig(cfg), stream, logger)
	return NewHandler(NewVerifier(s.SigningSecret, s.VerificationToken), sink, logger), nil
}
