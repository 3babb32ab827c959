package phrase

import (
	"testing"

	"github.com/jdkato/prose/v2"

	"github.com/wiretap-hq/wiretap/nlp"
)

// The benchmarks below run over the same texts so that one
//
//	go test ./nlp/phrase -run '^$' -bench . -benchtime 1s -count 5
//
// compares, in MB/s of message text, prose's tokenizer alone, prose's
// tokenizer and tagger, our tokenizer, and the whole noun-phrase
// extraction (our tokenizer, prose's tokenizer and tagger, chunking).

// fallbackCorpus stands in for the rated tweets when the shared data is
// absent, so the benchmarks always run on Slack-shaped text.
var fallbackCorpus = []string{
	"Deploy of <https://ci.example.com/build/123|build 123> finished :tada: thanks <@U024BE7LH>!",
	"<!here> the staging database is down again :rage: can someone from <#C0G9QF9GZ|ops> look?",
	"I'm not sure this PR is ready, the tests are kind of flaky but the refactor looks GREAT :+1::skin-tone-2:",
	"Release notes: *new* dashboards, _faster_ queries, ~old~ exporters removed. Policies updated.",
	"ugh, the VPN keeps dropping... worst Monday ever 😩 <@U12345|alice> can you reset my token?",
}

func benchTexts(b *testing.B) ([]string, int64) {
	texts := groundTruthTexts(b)
	if len(texts) == 0 {
		texts = fallbackCorpus
	}
	var n int64
	for _, t := range texts {
		n += int64(len(t))
	}
	return texts, n
}

func BenchmarkNounPhrases(b *testing.B) {
	texts, n := benchTexts(b)
	e := extractor(b)
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, t := range texts {
			if _, err := e.NounPhrases(t); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkProseTokenize(b *testing.B) {
	texts, n := benchTexts(b)
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, t := range texts {
			if _, err := prose.NewDocument(t, prose.WithTagging(false), prose.WithSegmentation(false), prose.WithExtraction(false)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkProseTag(b *testing.B) {
	texts, n := benchTexts(b)
	e := extractor(b)
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, t := range texts {
			if _, err := prose.NewDocument(t, prose.UsingModel(e.model), prose.WithSegmentation(false), prose.WithExtraction(false)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkTokenize(b *testing.B) {
	texts, n := benchTexts(b)
	var toks []nlp.Token
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, t := range texts {
			toks = nlp.Tokenize(t, toks[:0])
		}
	}
}
