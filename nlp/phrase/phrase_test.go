package phrase

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jdkato/prose/v2"

	"github.com/wiretap-hq/wiretap/nlp"

	"github.com/wiretap-hq/wiretap/internal/testutil/golden"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// extractorOnce shares one Extractor between tests: New decodes prose's
// tagger weights, which takes a fraction of a second.
var extractorOnce = sync.OnceValues(func() (*Extractor, error) { return New(nil) })

func extractor(tb testing.TB) *Extractor {
	tb.Helper()
	e, err := extractorOnce()
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// phraseCases covers the phrase rules of the package doc and the markup
// that must never reach the tagger. The golden file records the output.
var phraseCases = []struct{ name, in string }{
	{"empty", ""},
	{"no words", "!!! 10:30 :tada: <@U1>"},
	{"adjective noun", "We need a faster build server."},
	{"noun compound", "The release notes mention the new dashboards."},
	{"plural folding", "Policies and deploys and the news about analysis classes"},
	{"gerund inside", "the load balancing config for the Kubernetes cluster"},
	{"gerund first", "failing tests everywhere"},
	{"trailing adjective", "the server is slow"},
	{"stop words at edges", "lol the other deploy thanks"},
	{"possessive", "the team's deploy script"},
	{"contraction", "don't touch the prod database"},
	{"mention breaks", "ask <@U024BE7LH> about staging <@U1|bob> database"},
	{"channel and special", "<!here> see <#C0G9QF9GZ|ops> channel for the outage report"},
	{"link label dropped", "see <https://ci.example.com/build/123|the build log> for the flaky test"},
	{"bare url", "docs at https://example.com/api/v2 describe the rate limit"},
	{"emoji", "the :fire: alarm went off, database :tada: migration done 🎉 release party"},
	{"code", "set `max_connections` in the `postgres config` file"},
	{"formatting", "*new* dashboards, _faster_ queries, ~old~ exporters"},
	{"escapes", "AT&amp;T &lt;tag&gt; support ticket"},
	{"capitals", "GREAT JOB ON THE NEW RELEASE"},
	{"typographic apostrophe", "the team’s on-call rotation isn’t fair"},
	{"unicode", "naïve café owners love crème brûlée"},
	{"lowercase shrinks", "İstanbul's office party"},
	{"lowercase grows", "ȺȺȺȺȺȺ's office party"},
	{"repeated", "the build failed, the build is red, fix the build"},
	{"one letter nouns", "a b c x y z"},
	{"question", "can someone from ops look at the VPN issue?"},
}

func TestNounPhrasesGolden(t *testing.T) {
	e := extractor(t)
	var b strings.Builder
	for _, tc := range phraseCases {
		got, err := e.NounPhrases(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		checkPhrases(t, tc.in, got)
		fmt.Fprintf(&b, "== %s: %q\n", tc.name, tc.in)
		for _, p := range got {
			fmt.Fprintf(&b, "  %q\n", p)
		}
	}
	golden.Check(t, filepath.Join("testdata", "nounphrases.golden"), []byte(b.String()), *update)
}

// TestNounPhrasesRules pins the rules of the package doc independently of
// the golden file, on sentences whose tags prose gets right.
func TestNounPhrasesRules(t *testing.T) {
	e := extractor(t)
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"adjective and compound", "We need a faster build server.", []string{"faster build server"}},
		{"folding every word", "Release notes for new dashboards", []string{"release note", "new dashboard"}},
		{"gerund inside, not first", "the load balancing config", []string{"load balancing config"}},
		{"one run", "our database server", []string{"database server"}},
		{"markup breaks a run", "our database <@U1> server", []string{"database", "server"}},
		{"stop word breaks a run", "GREAT JOB ON THE NEW RELEASE", []string{"great job", "new release"}},
		{"no markup text", "<#C1|general> <https://x.y|the label> :tada: `the code`", nil},
		{"lowercase longer than the word", "ȺȺȺȺȺȺ's office party", []string{"ⱥⱥⱥⱥⱥⱥ", "office party"}},
		{"tagged as read, cut at markup", "thanks <@U1> for the quick fix", []string{"quick fix"}},
		{"distinct", "the build and the build", []string{"build"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.NounPhrases(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("NounPhrases(%q)\ngot  %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestNounPhrasesHugeInputs guards against quadratic time on inputs larger
// than any Slack message (40,000 characters): runs of the punctuation
// prose strips one character per pass, and thousands of distinct phrases.
func TestNounPhrasesHugeInputs(t *testing.T) {
	const n = 1 << 16
	var distinct strings.Builder
	for i := 0; distinct.Len() < n; i++ {
		fmt.Fprintf(&distinct, "the server%d, ", i)
	}
	cases := map[string]string{
		"open parens":  strings.Repeat("(", n) + "x",
		"close parens": "x" + strings.Repeat(")", n),
		"quotes":       strings.Repeat(`"`, n) + "word" + strings.Repeat(`"`, n),
		"dollars":      strings.Repeat("$", n),
		"one word":     strings.Repeat("a", n),
		"clitics":      strings.Repeat("a'sb ", n/5),
		"distinct":     distinct.String(),
		"realistic":    strings.Repeat("Deploy <https://x.y|done> :tada: thanks <@U1>! *great* new build server ", n/72),
	}
	e := extractor(t)
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			got, err := e.NounPhrases(in)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("%d bytes took %v: not linear", len(in), d)
			}
			checkPhrases(t, name, got)
		})
	}
}

// TestFieldOf checks the walk that maps prose's tokens back to our
// tokens, including across the pieces prose v2.0.0 loses.
func TestFieldOf(t *testing.T) {
	fields := []field{{text: "don't"}, {text: "a'sb"}, {text: "deploy", cut: true}, {text: "'s"}, {text: "x"}}
	tagged := []prose.Token{{Text: "do"}, {Text: "n't"}, {Text: "a"}, {Text: "deploy"}, {Text: "'s"}, {Text: "y"}}
	if got, want := fieldOf(tagged, fields), []int{0, 0, 1, 2, 3, -1}; !slices.Equal(got, want) {
		t.Errorf("fieldOf = %v, want %v", got, want)
	}
	e := extractor(t)
	got, err := e.NounPhrases("x'sy build server")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, "build server") {
		t.Errorf("after a field prose cuts short: %q, want build server", got)
	}
}

// checkPhrases asserts what every caller may rely on: phrases are
// non-empty, distinct, lowercase, trimmed, made of words only (so no
// markup), and one-word phrases are topic words.
func checkPhrases(tb testing.TB, in string, got []string) {
	tb.Helper()
	seen := map[string]bool{}
	for _, p := range got {
		switch {
		case p == "":
			tb.Fatalf("%q: empty phrase in %q", in, got)
		case seen[p]:
			tb.Fatalf("%q: duplicate phrase %q in %q", in, p, got)
		case strings.ToLower(p) != p:
			tb.Fatalf("%q: phrase %q is not lowercase", in, p)
		case strings.TrimSpace(p) != p || strings.Contains(p, "  "):
			tb.Fatalf("%q: phrase %q has stray spaces", in, p)
		case strings.ContainsAny(p, "<>|@#!:`*_~&/.,;?()[]{}\"") || strings.Contains(p, "://"):
			tb.Fatalf("%q: phrase %q carries markup or punctuation", in, p)
		}
		seen[p] = true
		words := strings.Split(p, " ")
		for _, w := range words {
			if !isWord(w) {
				tb.Fatalf("%q: phrase %q has the non-word %q", in, p, w)
			}
		}
		if len(words) == 1 && utf8.RuneCountInString(p) < 3 {
			tb.Fatalf("%q: one-word phrase %q is shorter than a topic", in, p)
		}
	}
}

// TestTopicFormMatchesTopics checks the contract this package relies on:
// nlp's TopicForm folds a word exactly as Analyze folds it into a topic.
func TestTopicFormMatchesTopics(t *testing.T) {
	a := nlp.New()
	texts := groundTruthTexts(t)
	if len(texts) == 0 {
		texts = []string{"Policies deploys news analysis classes k8s movies Monday's releases"}
	}
	var out nlp.Analysis
	var toks []nlp.Token
	checked := 0
	for _, text := range texts {
		a.Analyze(text, &out)
		toks = nlp.Tokenize(text, toks[:0])
		for _, tk := range toks {
			if tk.Kind != nlp.Word || a.IsStopWord(tk.Text) {
				continue
			}
			f := a.TopicForm(tk.Text)
			if utf8.RuneCountInString(f) < 3 {
				continue
			}
			checked++
			if _, ok := slices.BinarySearch(out.Topics, f); !ok {
				t.Fatalf("%q: TopicForm(%q) = %q is not among the topics %q", text, tk.Text, f, out.Topics)
			}
		}
	}
	t.Logf("%d words checked", checked)
}

// TestExtractorConcurrent runs one Extractor from several goroutines; with
// -race it checks that tagging never writes the shared model.
func TestExtractorConcurrent(t *testing.T) {
	e := extractor(t)
	texts := make([]string, 0, len(phraseCases))
	for _, tc := range phraseCases {
		texts = append(texts, tc.in)
	}
	want := make([][]string, len(texts))
	for i, s := range texts {
		var err error
		if want[i], err = e.NounPhrases(s); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			for r := range 3 {
				for k := range texts {
					i := (k + g + r) % len(texts)
					got, err := e.NounPhrases(texts[i])
					if err == nil && !slices.Equal(got, want[i]) {
						err = fmt.Errorf("%q: %q concurrently, %q alone", texts[i], got, want[i])
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// groundTruthRel is where the VADER tweet ratings live relative to the
// repository root (see nlp/groundtruth_test.go). The data belongs to the
// shared area, never to the repo.
const groundTruthRel = "../shared/data/sentiment/tweets_GroundTruth.txt"

// groundTruthTexts returns the texts of the rated tweets, found by walking
// up from the package directory, or nil when the shared data is absent.
func groundTruthTexts(tb testing.TB) []string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		return nil
	}
	for d := dir; ; d = filepath.Dir(d) {
		raw, err := os.ReadFile(filepath.Join(d, groundTruthRel))
		if err == nil {
			var out []string
			for line := range bytes.SplitSeq(raw, []byte("\n")) {
				f := strings.SplitN(strings.TrimRight(string(line), "\r"), "\t", 3)
				if len(f) != 3 {
					continue
				}
				if _, err := strconv.ParseFloat(f[1], 64); err != nil {
					tb.Fatalf("ground truth line %q: %v", f[0], err)
				}
				out = append(out, f[2])
			}
			return out
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// TestNounPhrasesGroundTruth runs the extractor over the rated tweets:
// no errors, every output well formed, and the share of tweets with a
// phrase logged.
func TestNounPhrasesGroundTruth(t *testing.T) {
	texts := groundTruthTexts(t)
	if len(texts) == 0 {
		t.Skipf("%s not found; this check needs the shared data", groundTruthRel)
	}
	if testing.Short() {
		texts = texts[:500]
	}
	e := extractor(t)
	with, multi, total := 0, 0, 0
	for _, s := range texts {
		got, err := e.NounPhrases(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		checkPhrases(t, s, got)
		if len(got) > 0 {
			with++
		}
		for _, p := range got {
			total++
			if strings.Contains(p, " ") {
				multi++
			}
		}
	}
	t.Logf("%d tweets: %d with a noun phrase; %d phrases, %d of several words", len(texts), with, total, multi)
}

func FuzzNounPhrases(f *testing.F) {
	for _, tc := range phraseCases {
		f.Add(tc.in)
	}
	f.Add("<@U1|" + strings.Repeat("x", 300))
	f.Add("İİİ's K's ẞ's \u0130'll ȺȺȺ's Ⱦ'm")
	f.Add("'s 's n't 're x'sy a'mb")
	f.Add("\xff\xfe word \xe2\x82 end")
	e, err := New(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := e.NounPhrases(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		checkPhrases(t, in, got)
	})
}
