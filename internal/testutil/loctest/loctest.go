// Package loctest gives tests the archive.Location of a location they spell
// out, failing the test rather than returning an error: a test's own
// location is never outside input.
package loctest

import (
	"testing"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// Parse parses raw with archive.ParseLocation and fails tb when it is bad.
// An empty raw is no location, as an unset flag is.
func Parse(tb testing.TB, raw string) archive.Location {
	tb.Helper()
	if raw == "" {
		return archive.Location{}
	}
	l, err := archive.ParseLocation(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}
