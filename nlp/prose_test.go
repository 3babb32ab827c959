package nlp

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jdkato/prose/v2"
)

// This file checks our Word tokens against the tokenizer of
// github.com/jdkato/prose/v2, an independent, widely used English
// tokenizer, over the human-rated VADER tweets and the iSarcasmEval tweets.
//
// What is compared. prose knows nothing of Slack, and tweets carry Twitter
// conventions that are not English words and that the two tokenizers treat
// on purpose differently (prose keeps "@user", "#tag" and ":-)" whole; we
// split them into punctuation and a word). So each text is first cleaned
// by dropping, as whole whitespace-separated fields, anything that is
// markup rather than prose (see dropNonProse): URLs, @mentions, #hashtags
// and emoticons. A "plain-English token" is then a prose token made only of
// ASCII letters with at most one inner apostrophe between letters
// (plainWord): "deploy", "Monday", "don't", "o'clock". Tokens with digits,
// hyphens, dots, non-ASCII letters or any other symbol are left out: the
// two tokenizers have documented, deliberate differences there ("e-mail"
// and "3.14" are single tokens for us, "U.S." is one for prose).
//
// Conventions normalised. prose splits English clitics off their host,
// Penn-Treebank style: "don't" -> "do" "n't", "they'll" -> "they" "'ll",
// "it's" -> "it" "'s" (also "'re", "'m"). We keep the contraction whole on
// purpose, because VADER's negation and lexicon rules look up "don't" and
// "can't" as items. Before comparing, a clitic token from that list is
// joined back onto the token before it from the same whitespace-separated
// field (proseWords). prose also rewrites the typographic apostrophe to
// ASCII before tokenizing; we keep the text as written but read "’" as
// "'" everywhere it matters (appendLower), so our Word text is compared
// with "’" as "'" (ourText). Both are differences of convention, not of
// segmentation.
//
// How agreement is counted. For each text, the plain-English tokens of
// prose and our plain-English Word tokens are aligned as sequences (a
// longest common subsequence, so order matters and a token matches at most
// once). Agreement is the number of aligned tokens over the number of
// prose's plain-English tokens, summed over all texts, and must reach
// minProseAgreement. Every unaligned token is classified by what the other
// tokenizer made of the same spot, with counts and examples in the log.
// The reverse figure (aligned over our plain Word tokens) is logged, not
// asserted: it counts the places where prose keeps a word glued to
// something we split off, which is prose's convention or its limit, not
// a fault of ours ("Yay." reads as an abbreviation to prose; "house...oh",
// "say/write", "*gasp*" and "account🙄" stay single tokens). One kind of
// disagreement is a bug in prose v2.0.0 itself, reported as such (see
// proseLoss).

// minProseAgreement is the floor for the agreement figure.
const minProseAgreement = 0.99

var plainWordRE = regexp.MustCompile(`^[A-Za-z]+(?:'[A-Za-z]+)?$`)

// plainWord reports whether s is a plain-English token (see the file
// comment).
func plainWord(s string) bool { return plainWordRE.MatchString(s) }

// emoticonRE matches the Western emoticons tweets use, written as a whole
// field: an optional hat, eyes, an optional nose, a mouth (":-)", ";P",
// ">:(", "=D", "xD", ":'("), the same mirrored ("(-:"), and hearts ("<3").
var emoticonRE = regexp.MustCompile(`^(?:[<>}\]]?[:;=8xX][-o^'"]?[()\[\]{}DPpOo/\\|*3@$xX]+|[()\[\]{}/\\|]+[-o^']?[:;=8]|</?3+)[.,!?]*$`)

// dropNonProse removes from text the whitespace-separated fields that are
// markup rather than English: URLs (containing "://" or starting with
// "www."), Twitter mentions and hashtags (starting with '@' or '#', after
// any opening quote or bracket) and emoticons (emoticonRE).
func dropNonProse(text string) string {
	fields := strings.Fields(text)
	kept := fields[:0]
	for _, f := range fields {
		bare := strings.TrimLeft(f, `"'([{`)
		low := strings.ToLower(f)
		switch {
		case strings.Contains(low, "://"), strings.HasPrefix(strings.ToLower(bare), "www."):
		case strings.HasPrefix(bare, "@"), strings.HasPrefix(bare, "#"):
		case emoticonRE.MatchString(f):
		default:
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, " ")
}

// proseClitics are the pieces prose's tokenizer splits off a word.
var proseClitics = map[string]bool{"n't": true, "'ll": true, "'s": true, "'re": true, "'m": true}

// proseWord is one of prose's tokens and the whitespace-separated field
// of the input it came from.
type proseWord struct {
	text, field string
	lossy       bool // prose's tokens of the field do not spell the field
}

// proseWords returns prose's tokens of text with clitics joined back onto
// their host (see the file comment). prose tokenizes each
// whitespace-separated field on its own (iterTokenizer.tokenize), so
// calling it field by field gives the same tokens and tells which field
// each came from: a clitic is joined only to a token of its own field.
// lost lists the fields that prose's tokens do not spell out in full.
func proseWords(tb testing.TB, text string) (out []proseWord, lost []string) {
	for _, field := range strings.Fields(text) {
		doc, err := prose.NewDocument(field, prose.WithTagging(false), prose.WithSegmentation(false), prose.WithExtraction(false))
		if err != nil {
			tb.Fatalf("prose on %q: %v", field, err)
		}
		first := len(out)
		var spelled strings.Builder
		for _, tk := range doc.Tokens() {
			spelled.WriteString(tk.Text)
			if n := len(out); n > first && proseClitics[strings.ToLower(tk.Text)] && endsInLetter(out[n-1].text) {
				out[n-1].text += tk.Text
				continue
			}
			out = append(out, proseWord{text: tk.Text, field: field})
		}
		if spelled.String() != proseSanitizer.Replace(field) {
			lost = append(lost, field)
			for k := first; k < len(out); k++ {
				out[k].lossy = true
			}
		}
	}
	return out, lost
}

// proseSanitizer is the rewrite prose applies before tokenizing
// (tokenize.go's sanitizer): typographic quotes become ASCII.
var proseSanitizer = strings.NewReplacer("\u201c", `"`, "\u201d", `"`, "\u2018", "'", "\u2019", "'", "&rsquo;", "'")

func endsInLetter(s string) bool {
	c := s[len(s)-1]
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// lcsPairs aligns a and b as a longest common subsequence and returns, for
// each element, whether it was aligned.
func lcsPairs(a, b []string) (inA, inB []bool) {
	n, m := len(a), len(b)
	dp := make([][]int32, n+1)
	for i := range dp {
		dp[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				dp[i][j] = dp[i+1][j+1] + 1
			case dp[i+1][j] >= dp[i][j+1]:
				dp[i][j] = dp[i+1][j]
			default:
				dp[i][j] = dp[i][j+1]
			}
		}
	}
	inA, inB = make([]bool, n), make([]bool, m)
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			inA[i], inB[j] = true, true
			i++
			j++
		case dp[i+1][j] >= dp[i][j+1]:
			i++
		default:
			j++
		}
	}
	return inA, inB
}

// disagreements collects the kinds of unaligned tokens with a few examples.
type disagreements struct {
	count    map[string]int
	examples map[string][]string
}

func (d *disagreements) add(kind, example string) {
	if d.count == nil {
		d.count, d.examples = map[string]int{}, map[string][]string{}
	}
	d.count[kind]++
	if len(d.examples[kind]) < 6 {
		d.examples[kind] = append(d.examples[kind], example)
	}
}

func (d *disagreements) log(tb testing.TB) {
	kinds := make([]string, 0, len(d.count))
	for k := range d.count {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if d.count[kinds[i]] != d.count[kinds[j]] {
			return d.count[kinds[i]] > d.count[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	for _, k := range kinds {
		tb.Logf("  %5d  %s, e.g. %s", d.count[k], k, strings.Join(d.examples[k], " | "))
	}
}

// proseLoss names a bug of prose v2.0.0, not a difference of convention:
// when doSplit finds a clitic at the very start of what is left of a field
// (the "'s?" left of "Guy's?", or a quoted "'secret'", "'man,"), it emits
// an empty token and stops, so the rest of the field is lost.
const proseLoss = "prose lost the rest of the field (bug: a clitic at the start of what is left, \"Guy's?\" -> \"Guy\" \"?\", \"'secret'\" -> nothing)"

// classifyProse says what our tokenizer made of a plain prose token w that
// none of our plain Word tokens matched. ours is every token of the text.
func classifyProse(w proseWord, ours []Token) string {
	if w.lossy {
		return proseLoss
	}
	for _, tk := range ours {
		if tk.Text == w.text {
			return "ours: same text but kind " + tk.Kind.String()
		}
	}
	for _, tk := range ours {
		if strings.Contains(ourText(tk), w.text) {
			switch {
			case tk.Kind != Word:
				return "ours: inside a " + tk.Kind.String() + " token"
			case strings.Contains(tk.Text, "-"):
				return "ours: part of a hyphenated word"
			case strings.ContainsAny(tk.Text, "0123456789"):
				return "ours: part of a word with digits"
			case strings.Contains(ourText(tk), "'"):
				return "ours: part of a word with an apostrophe"
			default:
				return "ours: part of a longer word"
			}
		}
	}
	return "ours: split into pieces"
}

// classifyOurs says what prose made of a plain Word token w of ours that
// none of prose's plain tokens matched.
func classifyOurs(w string, pw []proseWord, lost []string) string {
	for _, f := range lost {
		if strings.Contains(proseSanitizer.Replace(f), w) {
			return proseLoss
		}
	}
	for _, p := range pw {
		if !strings.Contains(p.text, w) || p.text == w {
			continue
		}
		switch {
		case strings.ContainsAny(p.text, "0123456789"):
			return "prose: part of a token with digits"
		case strings.Contains(p.text, "-"):
			return "prose: part of a hyphenated token"
		case strings.Contains(p.text, "."):
			return "prose: part of a token with dots (\"Yay.\" is an abbreviation to prose, \"house...oh\" one token)"
		case strings.ContainsAny(p.text, `*_~`):
			return "prose: glued to formatting characters (\"*gasp*\")"
		case !utf8.ValidString(p.text) || strings.IndexFunc(p.text, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0:
			return "prose: glued to non-ASCII symbols or emoji (\"account🙄\")"
		default:
			return "prose: part of a token with other ASCII symbols (\"say/write\", \"'em\")"
		}
	}
	return "prose: missing"
}

// ourText is a Word token's text as compared: the typographic apostrophe
// reads as ASCII, as prose's sanitizer and our analyzer both read it.
func ourText(tk Token) string {
	if tk.Flags&NonASCII == 0 {
		return tk.Text
	}
	return strings.ReplaceAll(tk.Text, "\u2019", "'")
}

type agreement struct {
	prosePlain, oursPlain, aligned int
	proseMiss, oursMiss            disagreements
}

func (g *agreement) text(tb testing.TB, raw string, toks []Token) []Token {
	text := dropNonProse(raw)
	pw, lost := proseWords(tb, text)
	toks = Tokenize(text, toks[:0])
	var p []proseWord
	var ps, o []string
	for _, w := range pw {
		if plainWord(w.text) {
			p = append(p, w)
			ps = append(ps, w.text)
		}
	}
	for _, tk := range toks {
		if t := ourText(tk); tk.Kind == Word && plainWord(t) {
			o = append(o, t)
		}
	}
	inP, inO := lcsPairs(ps, o)
	g.prosePlain += len(p)
	g.oursPlain += len(o)
	for i, ok := range inP {
		if ok {
			g.aligned++
			continue
		}
		g.proseMiss.add(classifyProse(p[i], toks), fmt.Sprintf("%q in %q", p[i].text, p[i].field))
	}
	for j, ok := range inO {
		if !ok {
			g.oursMiss.add(classifyOurs(o[j], pw, lost), fmt.Sprintf("%q in %q", o[j], clip(text)))
		}
	}
	return toks
}

func clip(s string) string {
	if len(s) > 90 {
		return s[:87] + "..."
	}
	return s
}

func (g *agreement) report(tb testing.TB, name string) float64 {
	fwd := float64(g.aligned) / float64(max(g.prosePlain, 1))
	rev := float64(g.aligned) / float64(max(g.oursPlain, 1))
	tb.Logf("%s: %d of prose's %d plain-English tokens aligned with ours: agreement %.4f; %d of our %d aligned with prose's: %.4f",
		name, g.aligned, g.prosePlain, fwd, g.aligned, g.oursPlain, rev)
	tb.Logf("%s: prose tokens we do not have, by what we made of them:", name)
	g.proseMiss.log(tb)
	tb.Logf("%s: our tokens prose does not have, by what prose made of them:", name)
	g.oursMiss.log(tb)
	return fwd
}

// TestProseTokenAgreement is the check the issue asks for: our Word tokens
// agree with prose's tokens on at least 99% of plain-English tokens.
func TestProseTokenAgreement(t *testing.T) {
	var toks []Token
	t.Run("groundtruth", func(t *testing.T) {
		var g agreement
		for _, r := range loadGroundTruth(t) {
			toks = g.text(t, r.text, toks)
		}
		if a := g.report(t, "ground truth"); a < minProseAgreement {
			t.Errorf("agreement %.4f < %.2f", a, minProseAgreement)
		}
	})
	t.Run("sarcasm", func(t *testing.T) {
		var g agreement
		texts, _ := loadSarcasmData(t)
		for _, s := range texts {
			toks = g.text(t, s, toks)
		}
		if a := g.report(t, "iSarcasmEval"); a < minProseAgreement {
			t.Errorf("agreement %.4f < %.2f", a, minProseAgreement)
		}
	})
}

func TestDropNonProse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"so happy :) #blessed @bob see http://x.y/z", "so happy see"},
		{"(@bob) www.x.com xD <3 :-( ;P", ""},
		{"note: 10:30 o'clock", "note: 10:30 o'clock"},
	} {
		if got := dropNonProse(tc.in); got != tc.want {
			t.Errorf("dropNonProse(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
