package nlp

import (
	"encoding/binary"
	"math"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		words    int
		mentions []string
		channels []string
		emoji    []string
		topics   []string
		polarity Polarity
	}{
		{
			name:  "empty",
			in:    "",
			words: 0, polarity: Neutral,
		},
		{
			name:     "mentions dedup in order",
			in:       "<@U2|bob> thanks <@U1> and <@U2>",
			words:    2,
			mentions: []string{"U2", "U1"},
			polarity: Positive,
		},
		{
			name:     "channels and specials",
			in:       "<!here> moving to <#C9|incidents> from <#C1>",
			words:    3,
			channels: []string{"C9", "C1"},
			topics:   []string{"moving"},
			polarity: Neutral,
		},
		{
			name:     "emoji codes, skin tones and unicode",
			in:       "shipped :tada: :+1::skin-tone-2: :+1: 👍🏽 👍 ❤\ufe0f",
			words:    1,
			emoji:    []string{"tada", "+1", "👍", "❤"},
			topics:   []string{"shipped"},
			polarity: Positive,
		},
		{
			name:     "link label is dropped",
			in:       "see <https://x.y/terrible|terrible awful page> now",
			words:    2,
			polarity: Neutral,
		},
		{
			name:     "code is dropped",
			in:       "try `kill -9 hate` and ```rm -rf / # terrible```",
			words:    2,
			topics:   []string{"try"},
			polarity: Neutral,
		},
		{
			name:     "formatting markers keep words and bigrams",
			in:       "the *deploy pipeline* is _broken_",
			words:    5,
			topics:   []string{"broken", "deploy", "deploy pipeline", "pipeline"},
			polarity: Negative,
		},
		{
			name:  "plural folding",
			in:    "meetings deploys policies bus status news class analysis movies user's",
			words: 10,
			topics: []string{"analysis", "analysis movie", "bus", "bus status", "class", "class analysis", "deploy", "deploy policy",
				"meeting", "meeting deploy", "movie", "movie user", "news", "news class", "policy", "policy bus", "status", "status news", "user"},
			polarity: Neutral,
		},
		{
			name:     "bigrams break on stop words, numbers, punctuation, mentions",
			in:       "release train, release 42 train <@U1> release the train",
			words:    8,
			mentions: []string{"U1"},
			topics:   []string{"release", "release train", "train"},
			polarity: Neutral,
		},
		{
			name:     "short words and numbers are not topics",
			in:       "DB is up 99.9 pct on k8s",
			words:    7,
			topics:   []string{"k8s", "pct"},
			polarity: Neutral,
		},
		{
			name:     "html escapes decoded",
			in:       "Q&amp;A was great &lt;3", // numbers count as words
			words:    5,
			topics:   []string{"great"},
			polarity: Positive,
		},
		{
			name:     "whitespace of all kinds",
			in:       "build\tfailed\r\nagain\u00a0today",
			words:    4,
			topics:   []string{"build", "build failed", "failed", "today"}, // "again" is an NLTK stop word
			polarity: Negative,
		},
		{
			name:     "emoji only sentiment",
			in:       ":rage: :rage:",
			emoji:    []string{"rage"},
			polarity: Negative,
		},
		{
			name:     "negated emoji",
			in:       "not :smile:",
			words:    1,
			emoji:    []string{"smile"},
			polarity: Negative,
		},
		{
			name:     "sarcasm cue",
			in:       "prod is down again :upside_down_face:",
			words:    4,
			emoji:    []string{"upside_down_face"},
			topics:   []string{"prod"},
			polarity: Negative,
		},
		{
			name:     "typographic apostrophe negates",
			in:       "it isn’t good",
			words:    3,
			topics:   []string{"good"},
			polarity: Negative,
		},
		{
			name:     "invalid utf8 does not panic",
			in:       "good \xff\xfe job",
			words:    2,
			topics:   []string{"good", "job"},
			polarity: Positive,
		},
	}
	a := analyzerOnce()
	var out Analysis
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.Analyze(tt.in, &out)
			got := []any{out.Words, nilIfEmpty(out.Mentions), nilIfEmpty(out.Channels), nilIfEmpty(out.Emoji), nilIfEmpty(out.Topics), Classify(out.Sentiment.Compound)}
			want := []any{tt.words, tt.mentions, tt.channels, tt.emoji, tt.topics, tt.polarity}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Analyze(%q)\ngot  %#v\nwant %#v\nsentiment %+v", tt.in, got, want, out.Sentiment)
			}
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// TestSentimentMatchesGovader checks each VADER rule on sentences where our
// tokenization and govader's coincide, so the scores must agree exactly.
// (Not "": govader splits it into one empty item and reports Neutral 1,
// while the Python reference, like us, reports all zeros.)
func TestSentimentMatchesGovader(t *testing.T) {
	sentences := []string{
		"The movie is good",
		"The movie is VERY good",
		"The movie is very GOOD",
		"The movie is not good",
		"The movie is not very good",
		"The movie isn't good at all",
		"The movie is never so good",
		"It was never this good before",
		"Without doubt a good movie",
		"The plot was good, but the characters are uncompelling",
		"Not bad at all",
		"At least it isn't a horrible book",
		"It is the least good movie",
		"The very least they could do was good",
		"The food was kind of good",
		"The food was sort of good",
		"The food was just enough good",
		"No way this is good",
		"No problems at all",
		"There is no good or bad here",
		"Great!!!",
		"Great!!!!!!!!",
		"Great??",
		"Terrible???????",
		"That was the shit",
		"He is the bomb",
		"You are a bad ass",
		"Yeah right, sure",
		"That was the kiss of death",
		"A cake to die for",
		"Barely adequate",
		"Today SUX!",
		"Today only kinda sux! But I'll get by, lol",
		"Make sure you :) or :D today!",
		"Catch utf-8 emoji such as 💘 and 💋 and 😁",
		"Not bad at all 😂",
		"!!!",
		"ALL CAPS GOOD ONLY",
		"Despite the rain it was fun",
		"He hardly ever complains",
		"It's not the worst thing",
		"nothing good, nothing bad",
	}
	a := analyzerOnce()
	gv := govaderOnce()
	for _, s := range sentences {
		got := a.Sentiment(s)
		want := gv.PolarityScores(s)
		if math.Abs(got.Compound-want.Compound) > 1e-12 || math.Abs(got.Pos-want.Positive) > 1e-12 ||
			math.Abs(got.Neg-want.Negative) > 1e-12 || math.Abs(got.Neu-want.Neutral) > 1e-12 {
			t.Errorf("%q:\n got %+v\nwant %+v", s, got, want)
		}
	}
}

func TestSentimentInvariants(t *testing.T) {
	a := analyzerOnce()
	for _, s := range []string{"", "good", "GOOD GOOD bad!!!!", strings.Repeat("love ", 10000), strings.Repeat("hate ", 10000)} {
		got := a.Sentiment(s)
		if got.Compound < -1 || got.Compound > 1 || math.IsNaN(got.Compound) {
			t.Errorf("%.20q: compound %v out of range", s, got.Compound)
		}
		if sum := got.Pos + got.Neu + got.Neg; s != "" && math.Abs(sum-1) > 1e-9 {
			t.Errorf("%.20q: proportions sum to %v", s, sum)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		c    float64
		want Polarity
	}{{0.05, Positive}, {0.0499, Neutral}, {0, Neutral}, {-0.0499, Neutral}, {-0.05, Negative}, {1, Positive}, {-1, Negative}} {
		if got := Classify(tt.c); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.c, got, tt.want)
		}
	}
	if Positive.String() != "positive" || Negative.String() != "negative" || Neutral.String() != "neutral" {
		t.Error("Polarity.String")
	}
}

func TestAnalyzeReuseResets(t *testing.T) {
	a := analyzerOnce()
	var out, fresh Analysis
	a.Analyze("<@U1> <#C1> :smile: great meetings :tada: "+strings.Repeat("x", 5000), &out)
	const second = "plain words here"
	a.Analyze(second, &out)
	a.Analyze(second, &fresh)
	if !reflect.DeepEqual(pub(&out), pub(&fresh)) {
		t.Errorf("reused Analysis differs from fresh one:\n%#v\n%#v", pub(&out), pub(&fresh))
	}
}

// pub is the exported part of an Analysis, with nil and empty made equal.
func pub(a *Analysis) []any {
	return []any{a.Words, nilIfEmpty(a.Mentions), nilIfEmpty(a.Channels), nilIfEmpty(a.Emoji), nilIfEmpty(a.Topics), a.Sentiment}
}

func TestAnalyzeDoesNotAllocate(t *testing.T) {
	a := analyzerOnce()
	var out Analysis
	texts := append([]string{}, builtinCorpus...)
	for _, s := range texts {
		a.Analyze(s, &out) // grow the buffers once
	}
	allocs := testing.AllocsPerRun(200, func() {
		for _, s := range texts {
			a.Analyze(s, &out)
		}
	})
	if allocs != 0 {
		t.Errorf("Analyze allocated %.1f times per corpus pass after warm-up", allocs)
	}
}

// TestAnalyzeManyDistinct exercises the map-based dedup past linearDedup.
func TestAnalyzeManyDistinct(t *testing.T) {
	var b strings.Builder
	for i := range 100 {
		b.WriteString("<@U" + itoa3(i) + "> <@U" + itoa3(i%10) + "> :e" + itoa3(i) + ": ")
	}
	var out Analysis
	analyzerOnce().Analyze(b.String(), &out)
	if len(out.Mentions) != 100 || len(out.Emoji) != 100 {
		t.Fatalf("got %d mentions and %d emoji, want 100 each", len(out.Mentions), len(out.Emoji))
	}
	if out.Mentions[0] != "U000" || out.Mentions[99] != "U099" {
		t.Errorf("order of first appearance lost: %v", out.Mentions[:3])
	}
}

func itoa3(i int) string {
	return string([]byte{byte('0' + i/100), byte('0' + i/10%10), byte('0' + i%10)})
}

// TestAnalyzeConcurrent shares one Analyzer between goroutines; run with
// -race. Results must equal the sequential ones.
func TestAnalyzeConcurrent(t *testing.T) {
	a := analyzerOnce()
	texts := builtinCorpus
	want := make([][]any, len(texts))
	for i, s := range texts {
		var out Analysis
		a.Analyze(s, &out)
		want[i] = pub(&out)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var out Analysis
			for range 50 {
				for i, s := range texts {
					a.Analyze(s, &out)
					if got := pub(&out); !reflect.DeepEqual(got, want[i]) {
						t.Errorf("concurrent result differs for %q", s)
						return
					}
					_ = a.Sentiment(s)
				}
			}
		})
	}
	wg.Wait()
}

// sentimentEdgeCases are texts where AnalyzeSentiment's plain-piece route
// and the tokenizer route meet: pieces that look plain but are not.
var sentimentEdgeCases = []string{
	"GREAT news!!! not bad?? at all",
	"www.example.com is BAD, wwwx.y and awww. are words",
	"see http://x.io/a?b=c!! ftp://f.g HTTPS://X.Y",
	"note:this :smile: a:b: ::: :)) :-( :D) 10:30:45 x:tada:",
	"ok :+1::skin-tone-2:!!! great:tada: :tada:great",
	"*bold* good _bad_ ~meh~ snake_case 2*3",
	"AT&amp;T &lt;3 &gt;:( &quot;nice&quot;",
	"<@U1> great <#C1|x> bad <!here> <https://x.y|awful link> ok",
	"`bad` ```terrible code``` good `unclosed bad",
	"don’t like it, naïve café 👍🏽 love 😩",
	"a\tb\nc\x00d\x7f good\x1fbad",
	"!!! ??? ?!?! ... :) :( ;) <3 </3",
	"it's kind of good but not great, never so happy without doubt",
	"x! y? no. ok. GOOD. Bad! the shit, yeah right",
	"\xff\xfe bad \xe2\x82 good",
}

// TestSentimentMatchesAnalyze is the differential test of AnalyzeSentiment
// against Analyze over the edge cases, the benchmark corpus and, when the
// shared data is present, the ground-truth tweets.
func TestSentimentMatchesAnalyze(t *testing.T) {
	a := analyzerOnce()
	texts := append(append([]string{}, sentimentEdgeCases...), builtinCorpus...)
	for _, tc := range tokenCases {
		texts = append(texts, tc.in)
	}
	if _, err := os.Stat(groundTruthPath()); err == nil {
		for _, r := range loadGroundTruth(t) {
			texts = append(texts, r.text)
		}
	}
	var full, only Analysis
	for _, s := range texts {
		a.Analyze(s, &full)
		got := a.AnalyzeSentiment(s, &only)
		if !sameSentiment(got, full.Sentiment) {
			t.Errorf("%q:\nAnalyzeSentiment %+v\nAnalyze          %+v", s, got, full.Sentiment)
		}
		if got := a.Sentiment(s); !sameSentiment(got, full.Sentiment) {
			t.Errorf("%q: Sentiment %+v, Analyze %+v", s, got, full.Sentiment)
		}
	}
	if only.Words != 0 || len(only.Topics) != 0 || only.Sarcasm != 0 {
		t.Errorf("AnalyzeSentiment filled more than Sentiment: %+v", pub(&only))
	}
}

// TestWordTable checks the packed-key table against the map it is built
// from: every key is found with its entry, lookups of non-keys (prefixes,
// extensions, words differing in one byte, long words) miss, and probe
// chains stay short.
func TestWordTable(t *testing.T) {
	lex, _, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	m, err := buildWords(lex)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := newWordTable(m)
	if err != nil {
		t.Fatal(err)
	}
	maxProbe := 0
	for k, e := range m {
		sl, ok := tab.lookup(k)
		if !ok || tenths(sl.val) != e.val || sl.id != e.id || sl.flags&^fDampen != e.flags {
			t.Errorf("lookup(%q) = %+v, %v; want %+v", k, sl, ok, e)
		}
		h := hashWord(k, pack(k))
		probe := 0
		for i := tab.index(h); tab.slots[i].key != sl.key || tab.slots[i].ref != sl.ref; i = (i + 1) & tab.mask {
			probe++
		}
		maxProbe = max(maxProbe, probe)
		for _, miss := range []string{k + "x", k[:len(k)-1], "x" + k, k + "xxxxxxxxx", strings.ToUpper(k)} {
			if _, in := m[miss]; in {
				continue
			}
			if sl, ok := tab.lookup(miss); ok {
				t.Errorf("lookup(%q) found %+v", miss, sl)
			}
		}
	}
	if maxProbe > 32 {
		t.Errorf("longest probe chain %d", maxProbe)
	}
	t.Logf("%d keys in %d slots, longest probe %d", len(m), len(tab.slots), maxProbe)
	for _, s := range []string{"", "a", "ab", "abc", "abcd", "abcdefgh", "abcdefghi", strings.Repeat("z", 300)} {
		b := make([]byte, len(s), len(s)+8)
		copy(b, s)
		if pack(s) != packPadded(append(b[:len(s):len(s)+8], "garbage!"...)[:len(s)]) {
			t.Errorf("pack(%q) != packPadded", s)
		}
	}
}

// TestLowerRun8 compares the eight-bytes-at-once scan of plainItem with a
// byte loop, on words built from the bytes around the a-z boundaries.
func TestLowerRun8(t *testing.T) {
	edge := []byte{0, ' ', '@', 'A', 'Z', '`', 'a', 'b', 'y', 'z', '{', 0x7f, 0x80, 0xe1, 0xfa, 0xff}
	var b [8]byte
	for i := 0; i < 200000; i++ {
		x := uint64(i) * 0x9e3779b97f4a7c15
		for k := range b {
			b[k] = edge[(x>>(4*k))&15]
		}
		want := 0
		for want < 8 && b[want] >= 'a' && b[want] <= 'z' {
			want++
		}
		if got := lowerRun8(binary.LittleEndian.Uint64(b[:])); got != want {
			t.Fatalf("lowerRun8(%q) = %d, want %d", b[:], got, want)
		}
	}
}

// TestNegContraction checks negContraction against the expression it
// replaces, on words with apostrophes in every position.
func TestNegContraction(t *testing.T) {
	for _, s := range []string{"", "'", "n't", "'n't", "don't", "'don't", "dont", "n'", "'t", "can't've", "won't'", "x'n't", "nn''tt", "a'b", "n'tn't", "ain't!", "isn’t"} {
		want := strings.IndexByte(s, '\'') > 0 && strings.Contains(s, "n't")
		if got := negContraction(s); got != want {
			t.Errorf("negContraction(%q) = %v, want %v", s, got, want)
		}
	}
}
