package generator

import (
	"slices"
	"testing"

	"github.com/wiretap-hq/wiretap/nlp"
)

// TestPlantedSarcasm checks the planted sarcasm in an archive: the people
// and the office, and what nlp makes of the messages as written, markup
// and all. Messages ending with sincere praise are rarely flagged (the
// issue's bar: under 10 %); those ending with a sarcastic line score well
// above them.
func TestPlantedSarcasm(t *testing.T) {
	cfg := smallConfig()
	store, f := generate(t, cfg)
	if f.SarcasticOffice == "" || f.SarcasticOffice == f.PositiveOffice {
		t.Fatalf("sarcastic office %q, positive office %q", f.SarcasticOffice, f.PositiveOffice)
	}
	if len(f.SarcasticUsers) == 0 || !slices.IsSorted(f.SarcasticUsers) {
		t.Fatalf("sarcastic users %v", f.SarcasticUsers)
	}
	for _, u := range f.SarcasticUsers {
		if f.Users[u].Office != f.SarcasticOffice {
			t.Errorf("sarcastic user %s is in %s, not %s", u, f.Users[u].Office, f.SarcasticOffice)
		}
	}
	for u, n := range f.SarcasticByUser {
		if f.Users[u].Office != f.SarcasticOffice || n <= 0 {
			t.Errorf("user %s of %s has %d sarcastic lines", u, f.Users[u].Office, n)
		}
	}
	rb := readArchive(t, store, f, cfg.Gzip)
	if len(rb.Lines[0]) == 0 || int64(len(rb.Lines[1])) != f.SincerePraise || f.SincerePraise == 0 {
		t.Fatalf("%d sarcastic and %d sincere lines read, facts say %d sincere", len(rb.Lines[0]), len(rb.Lines[1]), f.SincerePraise)
	}
	a := nlp.New()
	var out nlp.Analysis
	score := func(texts []string) (flagged, mean float64) {
		for _, s := range texts {
			a.Analyze(s, &out)
			if out.Sarcastic() {
				flagged++
			}
			mean += out.Sarcasm
		}
		return flagged / float64(len(texts)), mean / float64(len(texts))
	}
	sarcFlag, sarcMean := score(rb.Lines[0])
	sinFlag, sinMean := score(rb.Lines[1])
	t.Logf("sarcastic lines: %d, %.1f%% flagged, mean %.3f; sincere lines: %d, %.1f%% flagged, mean %.3f",
		len(rb.Lines[0]), 100*sarcFlag, sarcMean, len(rb.Lines[1]), 100*sinFlag, sinMean)
	if sinFlag >= 0.10 {
		t.Errorf("%.1f%% of sincere praise flagged, want under 10%%", 100*sinFlag)
	}
	if sarcMean < 2*sinMean || sarcFlag < 3*sinFlag {
		t.Errorf("sarcastic lines: %.1f%% flagged, mean %.3f; sincere: %.1f%%, %.3f", 100*sarcFlag, sarcMean, 100*sinFlag, sinMean)
	}
}
