package ingest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

var lambdaBody = `{"token":"x","team_id":"T1","type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":"hi <b> & é","ts":"1700000000.000100"}}`

func lambdaHeaders(body string, secret string) map[string]string {
	ts := testNow.Unix()
	return map[string]string{
		"content-type":              "application/json",
		"x-slack-request-timestamp": strconv.FormatInt(ts, 10),
		"x-slack-signature":         Sign(secret, ts, []byte(body)),
		"x-slack-retry-num":         "2",
	}
}

func TestLambdaAdapters(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte(lambdaBody))
	tests := []struct {
		name   string
		call   func(h *Handler) (int, map[string]string, string)
		status int
		puts   int
	}{
		{"v1", func(h *Handler) (int, map[string]string, string) {
			r, _ := h.HandleAPIGatewayV1(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Headers: lambdaHeaders(lambdaBody, testSecret), Body: lambdaBody})
			return r.StatusCode, r.Headers, r.Body
		}, 200, 1},
		{"v1 base64", func(h *Handler) (int, map[string]string, string) {
			r, _ := h.HandleAPIGatewayV1(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Headers: lambdaHeaders(lambdaBody, testSecret), Body: b64, IsBase64Encoded: true})
			return r.StatusCode, r.Headers, r.Body
		}, 200, 1},
		{"v1 multi-value headers", func(h *Handler) (int, map[string]string, string) {
			mv := map[string][]string{}
			for k, v := range lambdaHeaders(lambdaBody, testSecret) {
				mv[strings.ToUpper(k)] = []string{v}
			}
			r, _ := h.HandleAPIGatewayV1(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Headers: map[string]string{"X-Slack-Signature": "v0=bad"}, MultiValueHeaders: mv, Body: lambdaBody})
			return r.StatusCode, r.Headers, r.Body
		}, 200, 1},
		{"v1 signature over the encoded body is wrong", func(h *Handler) (int, map[string]string, string) {
			r, _ := h.HandleAPIGatewayV1(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Headers: lambdaHeaders(b64, testSecret), Body: b64, IsBase64Encoded: true})
			return r.StatusCode, r.Headers, r.Body
		}, 401, 0},
		{"v1 wrong secret", func(h *Handler) (int, map[string]string, string) {
			r, _ := h.HandleAPIGatewayV1(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Headers: lambdaHeaders(lambdaBody, "nope"), Body: lambdaBody})
			return r.StatusCode, r.Headers, r.Body
		}, 401, 0},
		{"v1 GET", func(h *Handler) (int, map[string]string, string) {
			r, _ := h.HandleAPIGatewayV1(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "GET", Headers: lambdaHeaders(lambdaBody, testSecret), Body: lambdaBody})
			return r.StatusCode, r.Headers, r.Body
		}, 405, 0},
		{"v2", func(h *Handler) (int, map[string]string, string) {
			e := events.APIGatewayV2HTTPRequest{Version: "2.0", Headers: lambdaHeaders(lambdaBody, testSecret), Body: lambdaBody}
			e.RequestContext.HTTP.Method = "POST"
			r, _ := h.HandleAPIGatewayV2(context.Background(), e)
			return r.StatusCode, r.Headers, r.Body
		}, 200, 1},
		{"v2 base64", func(h *Handler) (int, map[string]string, string) {
			e := events.APIGatewayV2HTTPRequest{Version: "2.0", Headers: lambdaHeaders(lambdaBody, testSecret), Body: b64, IsBase64Encoded: true}
			e.RequestContext.HTTP.Method = "POST"
			r, _ := h.HandleAPIGatewayV2(context.Background(), e)
			return r.StatusCode, r.Headers, r.Body
		}, 200, 1},
		{"v2 bad base64", func(h *Handler) (int, map[string]string, string) {
			e := events.APIGatewayV2HTTPRequest{Version: "2.0", Headers: lambdaHeaders(lambdaBody, testSecret), Body: "!!!", IsBase64Encoded: true}
			e.RequestContext.HTTP.Method = "POST"
			r, _ := h.HandleAPIGatewayV2(context.Background(), e)
			return r.StatusCode, r.Headers, r.Body
		}, 400, 0},
		{"function URL base64", func(h *Handler) (int, map[string]string, string) {
			e := events.LambdaFunctionURLRequest{Headers: lambdaHeaders(lambdaBody, testSecret), Body: b64, IsBase64Encoded: true}
			e.RequestContext.HTTP.Method = "POST"
			r, _ := h.HandleFunctionURL(context.Background(), e)
			return r.StatusCode, r.Headers, r.Body
		}, 200, 1},
		{"function URL unsigned", func(h *Handler) (int, map[string]string, string) {
			e := events.LambdaFunctionURLRequest{Headers: map[string]string{"content-type": "application/json"}, Body: lambdaBody}
			e.RequestContext.HTTP.Method = "POST"
			r, _ := h.HandleFunctionURL(context.Background(), e)
			return r.StatusCode, r.Headers, r.Body
		}, 401, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &memSink{}
			h := newTestHandler(sink, "")
			status, hdr, _ := tt.call(h)
			if status != tt.status {
				t.Fatalf("status %d, want %d", status, tt.status)
			}
			if hdr["X-Content-Type-Options"] != "nosniff" {
				t.Errorf("headers %v", hdr)
			}
			recs := sink.records()
			if len(recs) != tt.puts {
				t.Fatalf("%d records, want %d", len(recs), tt.puts)
			}
			if tt.puts == 1 && !strings.Contains(string(recs[0]), `"text":"hi <b> & é"`) {
				t.Errorf("record %s", recs[0])
			}
		})
	}
}

// Payloads as Lambda delivers them, trimmed to the fields that matter.
const (
	restPayload = `{"resource":"/slack/events","path":"/slack/events","httpMethod":"POST","headers":HEADERS,"multiValueHeaders":null,"requestContext":{"stage":"prod","httpMethod":"POST"},"body":BODY,"isBase64Encoded":false}`
	httpPayload = `{"version":"2.0","routeKey":"POST /slack/events","rawPath":"/slack/events","rawQueryString":"","headers":HEADERS,"requestContext":{"http":{"method":"POST","path":"/slack/events"},"routeKey":"POST /slack/events"},"body":BODY,"isBase64Encoded":true}`
	urlPayload  = `{"version":"2.0","routeKey":"$default","rawPath":"/","rawQueryString":"","headers":HEADERS,"requestContext":{"domainName":"abc.lambda-url.eu-west-1.on.aws","http":{"method":"POST","path":"/"}},"body":BODY,"isBase64Encoded":true}`
)

func TestHandleLambdaDispatch(t *testing.T) {
	hdr, _ := json.Marshal(lambdaHeaders(lambdaBody, testSecret))
	plain, _ := json.Marshal(lambdaBody)
	enc, _ := json.Marshal(base64.StdEncoding.EncodeToString([]byte(lambdaBody)))
	fill := func(p string, body []byte) json.RawMessage {
		return json.RawMessage(strings.NewReplacer("HEADERS", string(hdr), "BODY", string(body)).Replace(p))
	}
	tests := []struct {
		name    string
		payload json.RawMessage
		status  int
		wantErr bool
	}{
		{"REST API", fill(restPayload, plain), 200, false},
		{"HTTP API", fill(httpPayload, enc), 200, false},
		{"function URL", fill(urlPayload, enc), 200, false},
		{"not HTTP", json.RawMessage(`{"Records":[{"eventSource":"aws:s3"}]}`), 0, true},
		{"not JSON", json.RawMessage(`nope`), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &memSink{}
			h := newTestHandler(sink, "")
			out, err := h.HandleLambda(context.Background(), tt.payload)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr {
				return
			}
			// The response must marshal to what API Gateway expects.
			b, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			var resp struct {
				StatusCode int               `json:"statusCode"`
				Headers    map[string]string `json:"headers"`
				Body       string            `json:"body"`
			}
			if err := json.Unmarshal(b, &resp); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || len(sink.records()) != 1 {
				t.Fatalf("response %s, %d records", b, len(sink.records()))
			}
			if h.Stats().Retries != 1 {
				t.Errorf("retry header not seen: %+v", h.Stats())
			}
		})
	}
}

type fakeSSM struct {
	calls  atomic.Int64
	values map[string]string
	err    error
}

func (f *fakeSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.calls.Add(1)
	if f.err != nil {
		return nil, f.err
	}
	if !aws.ToBool(in.WithDecryption) {
		return nil, errors.New("want WithDecryption")
	}
	v, ok := f.values[aws.ToString(in.Name)]
	if !ok {
		return nil, errors.New("ParameterNotFound")
	}
	return &ssm.GetParameterOutput{Parameter: &types.Parameter{Value: aws.String(v)}}, nil
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestSecretLoader(t *testing.T) {
	params := map[string]string{"/wiretap/signing": testSecret, "/wiretap/token": testToken}
	tests := []struct {
		name     string
		env      map[string]string
		ssmErr   error
		want     Secrets
		ssmCalls int64
		wantErr  bool
	}{
		{"env", map[string]string{EnvSigningSecret: "s1", EnvVerificationToken: "t1", EnvSigningSecretParam: "/wiretap/signing"}, nil, Secrets{"s1", "t1"}, 0, false},
		{"ssm", map[string]string{EnvSigningSecretParam: "/wiretap/signing", EnvTokenParam: "/wiretap/token"}, nil, Secrets{testSecret, testToken}, 2, false},
		{"env and ssm", map[string]string{EnvSigningSecret: "s1", EnvTokenParam: "/wiretap/token"}, nil, Secrets{"s1", testToken}, 1, false},
		{"secret only", map[string]string{EnvSigningSecretParam: "/wiretap/signing"}, nil, Secrets{testSecret, ""}, 1, false},
		{"nothing", map[string]string{}, nil, Secrets{}, 0, true},
		{"missing parameter", map[string]string{EnvSigningSecretParam: "/nope"}, nil, Secrets{}, 1, true},
		{"ssm down", map[string]string{EnvSigningSecretParam: "/wiretap/signing"}, errors.New("AccessDenied"), Secrets{}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSSM{values: params, err: tt.ssmErr}
			l := &SecretLoader{Getenv: envOf(tt.env), SSM: f}
			got, err := l.Load(context.Background())
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				if strings.Contains(err.Error(), testSecret) {
					t.Errorf("error leaks the secret: %v", err)
				}
				return
			}
			if got != tt.want || f.calls.Load() != tt.ssmCalls {
				t.Fatalf("got %#v after %d calls, want %#v after %d", got, f.calls.Load(), tt.want, tt.ssmCalls)
			}
			// Fetched once per container.
			for range 3 {
				if again, err := l.Load(context.Background()); err != nil || again != got {
					t.Fatalf("second Load: %v", err)
				}
			}
			if f.calls.Load() != tt.ssmCalls {
				t.Errorf("SSM called again: %d calls", f.calls.Load())
			}
		})
	}
	// A failure is not cached: the next Load tries again.
	f := &fakeSSM{values: params, err: errors.New("throttled")}
	l := &SecretLoader{Getenv: envOf(map[string]string{EnvSigningSecretParam: "/wiretap/signing"}), SSM: f}
	if _, err := l.Load(context.Background()); err == nil {
		t.Fatal("no error")
	}
	f.err = nil
	if s, err := l.Load(context.Background()); err != nil || s.SigningSecret != testSecret {
		t.Fatalf("retry: %v", err)
	}
	// No SSM client while a parameter is named.
	l = &SecretLoader{Getenv: envOf(map[string]string{EnvSigningSecretParam: "/x"})}
	if _, err := l.Load(context.Background()); err == nil {
		t.Fatal("no error without an SSM client")
	}
}

func TestNewLambdaHandlerNeedsStream(t *testing.T) {
	if _, err := NewLambdaHandler(context.Background(), envOf(map[string]string{EnvSigningSecret: "s"}), nil); err == nil || !strings.Contains(err.Error(), EnvStream) {
		t.Fatalf("err = %v", err)
	}
}

func TestNewLambdaHandlerFromEnv(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	h, err := NewLambdaHandler(context.Background(), envOf(map[string]string{EnvStream: "slack-wiretap", EnvSigningSecret: testSecret}), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Verification happens before any Firehose call.
	r, err := h.HandleAPIGatewayV1(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Headers: map[string]string{"Content-Type": "application/json"}, Body: lambdaBody})
	if err != nil || r.StatusCode != 401 {
		t.Fatalf("%d %v", r.StatusCode, err)
	}
}
