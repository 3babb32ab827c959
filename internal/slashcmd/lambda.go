package slashcmd

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// HandleAPIGatewayV2 answers an API Gateway HTTP API (payload 2.0) event
// with h. A Lambda is frozen once it returns, so nothing may be left to
// post later: give h an AllowResponseURL that refuses every address and a
// Timeout under Slack's three seconds, and it answers in the response.
func HandleAPIGatewayV2(ctx context.Context, h http.Handler, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	body := e.Body
	if e.IsBase64Encoded {
		raw, err := base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest, Body: "bad body encoding"}, nil
		}
		body = string(raw)
	}
	method := e.RequestContext.HTTP.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, "/slack/commands", strings.NewReader(body))
	if err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest, Body: "bad request"}, nil
	}
	for k, v := range e.Headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return events.APIGatewayV2HTTPResponse{
		StatusCode: rec.Code,
		Headers:    map[string]string{"Content-Type": rec.Header().Get("Content-Type")},
		Body:       rec.Body.String(),
	}, nil
}
