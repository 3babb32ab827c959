package ingest

import (
	"fmt"
	"strings"
	"testing"
)

// TestSecretsRedacted checks that formatting the values that hold secrets,
// in every verb a careless log line might use, shows none of them.
func TestSecretsRedacted(t *testing.T) {
	v := NewVerifier(testSecret, testToken)
	values := []any{
		v, *v,
		Secrets{SigningSecret: testSecret, VerificationToken: testToken},
		ServeOptions{SigningSecret: testSecret, VerificationToken: testToken, Addr: "127.0.0.1:0"},
	}
	for _, val := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, val)
			if strings.Contains(out, testSecret) || strings.Contains(out, testToken) {
				t.Errorf("%s of %T leaks a secret: %s", verb, val, out)
			}
		}
	}
}
