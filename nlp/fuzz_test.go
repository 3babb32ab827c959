package nlp

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func fuzzSeeds(f *testing.F) {
	for _, tc := range tokenCases {
		f.Add(tc.in)
	}
	for _, s := range builtinCorpus {
		f.Add(s)
	}
	f.Add("<@U1|" + strings.Repeat("x", 300))
	f.Add(":" + strings.Repeat("a", 200) + ":")
	f.Add("\u200d\ufe0f🏽 🇫 \u200d")
}

func FuzzTokenize(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in string) {
		toks := Tokenize(in, nil)
		checkTokenInvariants(t, in, toks)
		for _, tk := range toks {
			if utf8.ValidString(in) && !utf8.ValidString(tk.Text) {
				t.Fatalf("%q: token %q splits a rune", in, tk.Text)
			}
		}
	})
}

func FuzzAnalyze(f *testing.F) {
	fuzzSeeds(f)
	a := New()
	f.Fuzz(func(t *testing.T, in string) {
		var out Analysis
		a.Analyze(in, &out)
		s := out.Sentiment
		if math.IsNaN(s.Compound) || s.Compound < -1 || s.Compound > 1 {
			t.Fatalf("%q: compound %v", in, s.Compound)
		}
		for _, p := range []float64{s.Pos, s.Neu, s.Neg} {
			if math.IsNaN(p) || p < 0 || p > 1+1e-9 {
				t.Fatalf("%q: proportion %v in %+v", in, p, s)
			}
		}
		if sum := s.Pos + s.Neu + s.Neg; sum != 0 && math.Abs(sum-1) > 1e-9 {
			t.Fatalf("%q: proportions sum to %v", in, sum)
		}
		for i := 1; i < len(out.Topics); i++ {
			if out.Topics[i-1] >= out.Topics[i] {
				t.Fatalf("%q: topics not sorted and distinct: %q", in, out.Topics)
			}
		}
		for _, list := range [][]string{out.Mentions, out.Channels, out.Emoji} {
			seen := map[string]bool{}
			for _, x := range list {
				if seen[x] {
					t.Fatalf("%q: duplicate %q in %q", in, x, list)
				}
				seen[x] = true
			}
		}
		for _, m := range out.Mentions {
			if !strings.Contains(in, m) {
				t.Fatalf("%q: mention %q not in input", in, m)
			}
		}
		if out.Words < 0 || out.Words > len(in) {
			t.Fatalf("%q: %d words", in, out.Words)
		}
		// Reusing the Analysis must give the same answer as a fresh one.
		keep := clonePub(pub(&out)) // out's strings and slices are reused by the next call
		a.Analyze("something else entirely :tada:", &out)
		a.Analyze(in, &out)
		if got := pub(&out); !equalPub(got, keep) {
			t.Fatalf("%q: reuse changed result", in)
		}
	})
}

func equalPub(a, b []any) bool {
	for i := range a {
		switch x := a[i].(type) {
		case []string:
			y := b[i].([]string)
			if strings.Join(x, "\x00") != strings.Join(y, "\x00") || len(x) != len(y) {
				return false
			}
		default:
			if a[i] != b[i] {
				return false
			}
		}
	}
	return true
}

func clonePub(p []any) []any {
	out := make([]any, len(p))
	for i, v := range p {
		if ss, ok := v.([]string); ok {
			c := make([]string, len(ss))
			for j, s := range ss {
				c[j] = strings.Clone(s)
			}
			v = c
		}
		out[i] = v
	}
	return out
}

// FuzzSentimentMatchesAnalyze checks that AnalyzeSentiment, which skips
// the tokenizer for plain pieces of text, gives exactly the Sentiment that
// Analyze gives, for any input.
func FuzzSentimentMatchesAnalyze(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range sentimentEdgeCases {
		f.Add(s)
	}
	a := New()
	var full, only Analysis
	f.Fuzz(func(t *testing.T, in string) {
		a.Analyze(in, &full)
		got := a.AnalyzeSentiment(in, &only)
		if !sameSentiment(got, full.Sentiment) || got != only.Sentiment {
			t.Fatalf("%q:\nAnalyzeSentiment %+v\nAnalyze          %+v", in, got, full.Sentiment)
		}
	})
}

// sameSentiment is bit-for-bit equality, which == is not for NaN.
func sameSentiment(x, y Sentiment) bool {
	return math.Float64bits(x.Compound) == math.Float64bits(y.Compound) &&
		math.Float64bits(x.Pos) == math.Float64bits(y.Pos) &&
		math.Float64bits(x.Neu) == math.Float64bits(y.Neu) &&
		math.Float64bits(x.Neg) == math.Float64bits(y.Neg)
}
