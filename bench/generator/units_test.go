package generator

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wiretap-hq/wiretap/nlp"
	"github.com/wiretap-hq/wiretap/schema"
)

func TestAppendTS(t *testing.T) {
	for _, us := range []int64{
		schema.Epoch.UnixMicro(), 1355517523000005, 1479463800123456, 1479463800000000, 4102444799999999,
	} {
		want := schema.FormatTS(time.UnixMicro(us))
		if got := string(appendTS(nil, us)); got != want {
			t.Errorf("appendTS(%d) = %q, want %q", us, got, want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := []string{
		"", "plain", `quote " and \ backslash`, "line\nbreak\ttab\r\x01\x1f", "a/b <https://x.y/z|w>",
		"café 日本語 🎉 :+1::skin-tone-2:", "&amp; &lt; &gt;", "\u2028\u2029", "😡🚀☕",
	}
	for _, s := range tests {
		for _, slack := range []bool{false, true} {
			b := appendJSONString(nil, s, slack)
			var got string
			if err := json.Unmarshal(b, &got); err != nil || got != s {
				t.Errorf("slack=%v: %q encodes as %s, which decodes to %q (%v)", slack, s, b, got, err)
			}
			if slack {
				for _, c := range b {
					if c >= utf8.RuneSelf {
						t.Errorf("slack escaping of %q left non-ASCII: %s", s, b)
						break
					}
				}
				if strings.Contains(s, "/") && !strings.Contains(string(b), `\/`) {
					t.Errorf("slack escaping of %q keeps '/': %s", s, b)
				}
			}
			// The decoder the engine uses must agree.
			rec := `{"v":1,"team":"T","channel":"C","ts":"1479463800.000001","text":` + string(b) + `}`
			m, err := schema.Decode([]byte(rec))
			if err != nil || m.Text != s {
				t.Errorf("schema decodes %s to %q (%v), want %q", rec, m.Text, err, s)
			}
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("café 🎉 a/b \"q\" \n", true)
	f.Fuzz(func(t *testing.T, s string, slack bool) {
		if !utf8.ValidString(s) {
			return
		}
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s, slack), &got); err != nil || got != s {
			t.Fatalf("%q round-trips to %q (%v)", s, got, err)
		}
	})
}

func TestEventIDs(t *testing.T) {
	format := regexp.MustCompile(`^Ev[A-Z0-9]{10}$`)
	seen := map[string]bool{}
	for _, day := range []int{0, 1, 2, 999, maxDays - 1} {
		for _, seq := range []uint64{0, 1, 2, 3, 1000, 123456, eventSeqMax - 1} {
			id := string(appendEventID(nil, day, seq))
			if !format.MatchString(id) {
				t.Errorf("event id %q", id)
			}
			if seen[id] {
				t.Errorf("event id %q repeats", id)
			}
			seen[id] = true
		}
	}
	for seq := range uint64(200_000) {
		id := string(appendEventID(nil, 7, seq))
		if seen[id] {
			t.Fatalf("event id %q repeats", id)
		}
		seen[id] = true
	}
}

func TestUUIDs(t *testing.T) {
	format := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	r := newRNG(1, 1)
	for range 1000 {
		if u := string(r.appendUUID(nil)); !format.MatchString(u) {
			t.Fatalf("uuid %q", u)
		}
	}
}

func TestVocabulary(t *testing.T) {
	v := vocabulary()
	if len(v.words) < 500 {
		t.Errorf("%d words", len(v.words))
	}
	planted := map[string]bool{}
	for _, w := range append(append([]string{}, positiveWords...), negativeWords...) {
		planted[w] = true
	}
	for _, w := range strings.Fields(Topic) {
		planted[w] = true
	}
	seen := map[string]bool{}
	for _, w := range v.words {
		if strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Errorf("word %q is not lowercase ASCII letters", w)
		}
		if planted[w] {
			t.Errorf("vocabulary word %q is planted", w)
		}
		if seen[w] {
			t.Errorf("word %q twice", w)
		}
		seen[w] = true
	}
	// Zipf: the most frequent word is drawn far more than a rare one.
	r := newRNG(1, 1)
	counts := map[string]int{}
	for range 100_000 {
		counts[v.word(r)]++
	}
	if first, rare := counts[v.words[0]], counts[v.words[500]]; first < 50*rare || rare == 0 {
		t.Errorf("%q drawn %d times, %q %d times", v.words[0], first, v.words[500], rare)
	}
	// Nothing else in generated text carries planted words.
	for _, list := range [][]string{neutralEmoji, positiveEmoji, negativeEmoji, nonASCII, codeSpans, ampPhrases, urlHosts, urlPaths, botTexts, slackbotTexts, channelNames, firstNames, lastNames} {
		for _, s := range list {
			for _, w := range wordsIn(s) {
				if planted[w] {
					t.Errorf("%q carries the planted word %q", s, w)
				}
			}
		}
	}
}

// TestLargeVocabulary checks the synthetic words of a large vocabulary:
// distinct, lowercase ASCII, none planted, none carrying VADER sentiment
// and none a stop word (either would change what the planted facts say),
// and drawn with Zipf frequencies down to the rarest word.
func TestLargeVocabulary(t *testing.T) {
	v := newVocab(maxVocabulary, 1.1)
	if len(v.words) != maxVocabulary {
		t.Fatalf("%d words, want %d", len(v.words), maxVocabulary)
	}
	a := nlp.New()
	planted := map[string]bool{}
	for _, w := range append(append(strings.Fields(Topic), positiveWords...), negativeWords...) {
		planted[w] = true
	}
	seen := map[string]bool{}
	for i, w := range v.words {
		switch {
		case strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "":
			t.Errorf("word %d %q is not lowercase ASCII letters", i, w)
		case seen[w]:
			t.Errorf("word %d %q twice", i, w)
		case planted[w]:
			t.Errorf("word %d %q is planted", i, w)
		case a.Sentiment("it is "+w).Compound != 0:
			t.Errorf("word %d %q carries sentiment", i, w)
		case i >= len(vocabulary().words) && a.IsStopWord(w):
			t.Errorf("synthetic word %d %q is a stop word", i, w)
		}
		seen[w] = true
	}
	// Every word has a slot: the table is fine enough for the rarest.
	slots := make([]int, len(v.words))
	for _, i := range v.zipf {
		slots[i]++
	}
	for i, n := range slots {
		if n == 0 {
			t.Fatalf("word %d %q has no slot", i, v.words[i])
		}
	}
	// Zipf(1.1): rank 1 has 10^1.1 times the mass of rank 10.
	if r := float64(slots[0]) / float64(slots[9]); r < 11.5 || r > 13.7 {
		t.Errorf("rank 1 / rank 10 = %.2f, want about 12.6", r)
	}
	// A smaller vocabulary is a prefix of the built-in words.
	if small := newVocab(100, 1); !reflect.DeepEqual(small.words, vocabulary().words[:100]) {
		t.Errorf("a vocabulary of 100 words is not the first 100 built-in words")
	}
}
