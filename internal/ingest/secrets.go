package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Secrets are the Slack app's credentials. They format redacted.
type Secrets struct {
	SigningSecret     string
	VerificationToken string
}

// String redacts the secrets.
func (s Secrets) String() string {
	return "Secrets{SigningSecret:" + redacted([]byte(s.SigningSecret)) +
		", VerificationToken:" + redacted([]byte(s.VerificationToken)) + "}"
}

// GoString redacts the secrets for %#v too.
func (s Secrets) GoString() string { return s.String() }

// ssmAPI is the one SSM call a SecretLoader makes; *ssm.Client implements it.
type ssmAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

var _ ssmAPI = (*ssm.Client)(nil)

// A SecretLoader finds the secrets once and keeps them: each from its
// environment variable (SLACK_SIGNING_SECRET, SLACK_VERIFICATION_TOKEN)
// when set, else from the SSM Parameter Store parameter named by
// SLACK_SIGNING_SECRET_PARAM / SLACK_VERIFICATION_TOKEN_PARAM (a
// SecureString, decrypted). A failed load is not cached, so the next Load
// tries again. It is safe for concurrent use; build one per process.
type SecretLoader struct {
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// SSM fetches parameters, usually an *ssm.Client; nil when only the
	// environment is used.
	SSM ssmAPI

	mu      sync.Mutex
	loaded  bool
	secrets Secrets
}

// Load returns the secrets, fetching them on the first successful call
// only. At least one of the two must be found.
func (l *SecretLoader) Load(ctx context.Context) (Secrets, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.loaded {
		return l.secrets, nil
	}
	getenv := l.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var s Secrets
	var err error
	if s.SigningSecret, err = l.one(ctx, getenv, EnvSigningSecret, EnvSigningSecretParam); err != nil {
		return Secrets{}, err
	}
	if s.VerificationToken, err = l.one(ctx, getenv, EnvVerificationToken, EnvTokenParam); err != nil {
		return Secrets{}, err
	}
	if s.SigningSecret == "" && s.VerificationToken == "" {
		return Secrets{}, fmt.Errorf("ingest: no Slack signing secret: set %s or %s", EnvSigningSecret, EnvSigningSecretParam)
	}
	l.secrets, l.loaded = s, true
	return s, nil
}

func (l *SecretLoader) one(ctx context.Context, getenv func(string) string, env, paramEnv string) (string, error) {
	if v := getenv(env); v != "" {
		return v, nil
	}
	name := getenv(paramEnv)
	if name == "" {
		return "", nil
	}
	if l.SSM == nil {
		return "", fmt.Errorf("ingest: %s names an SSM parameter but no SSM client is configured", paramEnv)
	}
	out, err := l.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		// The SDK's error names the parameter, never its value.
		return "", fmt.Errorf("ingest: SSM parameter %s (from %s): %w", name, paramEnv, err)
	}
	if out.Parameter == nil || aws.ToString(out.Parameter.Value) == "" {
		return "", errors.New("ingest: SSM parameter " + name + " is empty")
	}
	return aws.ToString(out.Parameter.Value), nil
}
