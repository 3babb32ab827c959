package nlp

import (
	"runtime"
	"testing"
)

// builtinCorpus stands in for the ground-truth tweets when the shared data
// is absent, so the benchmarks always run on Slack-shaped text.
var builtinCorpus = []string{
	"Deploy of <https://ci.example.com/build/123|build 123> finished :tada: thanks <@U024BE7LH>!",
	"<!here> the staging database is down again :rage: can someone from <#C0G9QF9GZ|ops> look?",
	"I'm not sure this PR is ready, the tests are kind of flaky but the refactor looks GREAT :+1::skin-tone-2:",
	"```go\nfunc main() { panic(\"x\") }\n``` this panics on startup, no idea why :thinking_face:",
	"lol that meeting could have been an email 🙃 &lt;3 to everyone who sat through it",
	"Release notes: *new* dashboards, _faster_ queries, ~old~ exporters removed. Policies updated.",
	"Never so happy to see green builds!!! The deploys are finally stable :white_check_mark:",
	"ugh, the VPN keeps dropping... worst Monday ever 😩 <@U12345|alice> can you reset my token?",
}

// benchCorpus returns the texts the benchmarks run over and their total size.
func benchCorpus(b *testing.B) ([]string, int64) {
	var texts []string
	if groundTruthPath() != "" {
		for _, r := range loadGroundTruth(b) {
			texts = append(texts, r.text)
		}
	}
	if len(texts) == 0 {
		texts = builtinCorpus
	}
	var n int64
	for _, t := range texts {
		n += int64(len(t))
	}
	return texts, n
}

func BenchmarkAnalyze(b *testing.B) {
	a := New()
	var out Analysis
	benchMessages(b, func(t string) { a.Analyze(t, &out) })
}

// BenchmarkSentiment is the VADER score alone, as AnalyzeSentiment gives
// it: the figure issue #4 compares with govader (BenchmarkGovader).
func BenchmarkSentiment(b *testing.B) {
	a := New()
	var out Analysis
	benchMessages(b, func(t string) { a.AnalyzeSentiment(t, &out) })
}

// benchMessages runs score over the corpus, reporting bytes of text per
// second and heap allocations per message.
func benchMessages(b *testing.B, score func(text string)) {
	texts, n := benchCorpus(b)
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	m := startAllocs()
	for b.Loop() {
		for _, t := range texts {
			score(t)
		}
	}
	m.report(b, len(texts))
}

// allocCounter reports heap allocations per message, which is the unit
// the pipeline thinks in; allocs/op is per pass over the whole corpus.
type allocCounter struct{ mallocs uint64 }

func startAllocs() allocCounter {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return allocCounter{ms.Mallocs}
}

func (c allocCounter) report(b *testing.B, msgs int) {
	b.StopTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.Mallocs-c.mallocs)/float64(b.N)/float64(msgs), "allocs/msg")
}

func BenchmarkAnalyzeParallel(b *testing.B) {
	texts, n := benchCorpus(b)
	a := New()
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var out Analysis
		for pb.Next() {
			for _, t := range texts {
				a.Analyze(t, &out)
			}
		}
	})
}

func BenchmarkTokenize(b *testing.B) {
	texts, n := benchCorpus(b)
	var toks []Token
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, t := range texts {
			toks = Tokenize(t, toks[:0])
		}
	}
}

func BenchmarkGovader(b *testing.B) {
	gv := govaderOnce()
	benchMessages(b, func(t string) { gv.PolarityScores(t) })
}
