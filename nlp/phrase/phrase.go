package phrase

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jdkato/prose/v2"

	"github.com/wiretap-hq/wiretap/nlp"
)

// Extractor finds noun phrases. It holds prose's tagger model, loaded once
// by New, and an nlp.Analyzer for the topic word rules. It is immutable
// after New and safe for concurrent use by any number of goroutines.
type Extractor struct {
	model *prose.Model
	words *nlp.Analyzer
}

// New loads prose's part-of-speech model and returns an Extractor that
// normalises words with a (which may be nil: New then builds its own
// analyzer). It fails only when prose's or nlp's embedded model data
// cannot be read, which is a build problem.
func New(a *nlp.Analyzer) (*Extractor, error) {
	if a == nil {
		var err error
		if a, err = nlp.NewAnalyzer(); err != nil {
			return nil, fmt.Errorf("phrase: %w", err)
		}
	}
	// prose builds its default tagger when a document is made without a
	// model; keep that model for every later document.
	doc, err := newDocument("", nil)
	if err != nil {
		return nil, fmt.Errorf("phrase: loading prose's tagger: %w", err)
	}
	if doc.Model == nil {
		return nil, errors.New("phrase: prose returned no model")
	}
	return &Extractor{model: doc.Model, words: a}, nil
}

// errPanic marks a panic inside prose turned into an error.
var errPanic = errors.New("prose panicked")

// newDocument tags text with model (nil: prose's default, loaded now),
// with segmentation and named-entity extraction switched off. prose
// panics on some failures (its checkError); that becomes an error here.
func newDocument(text string, model *prose.Model) (doc *prose.Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	opts := []prose.DocOpt{prose.WithSegmentation(false), prose.WithExtraction(false)}
	if model != nil {
		opts = append(opts, prose.UsingModel(model))
	}
	return prose.NewDocument(text, opts...)
}

// field is one of our tokens as written for the tagger.
type field struct {
	text string // as prose will see it: after proseSanitizer
	// cut is set when markup was removed between this field and the one
	// before: no phrase spans it.
	cut bool
}

// proseSanitizer repeats the rewrite prose applies to a text before
// tokenizing it (its tokenize.go), so that fields can be matched with
// prose's tokens.
var proseSanitizer = strings.NewReplacer("\u201c", `"`, "\u201d", `"`, "\u2018", "'", "\u2019", "'", "&rsquo;", "'")

// taggerFields rebuilds the message for the tagger from our tokens, one
// token per space-separated field, leaving markup out (see the package
// doc). The tagger sees the words around a mention as a reader does
// ("thanks for the fix"); the cut flags keep phrases from spanning it.
// Words are written lowercased when the message has no lowercase letter
// at all (the tagger takes every capitalised word for a proper noun, "ON
// THE" included), and when their lowercase form has a different byte
// length ("Ⱥ", U+023A, lowercases from two bytes to three): prose's
// tokenizer indexes the original word with offsets found in its lowercase
// form and panics slicing out of range ("ȺȺȺȺȺȺ's").
func taggerFields(toks []nlp.Token) []field {
	upper, lower := false, false
	for _, tk := range toks {
		if tk.Kind == nlp.Word {
			upper = upper || tk.Has(nlp.Upper)
			lower = lower || tk.Has(nlp.Lower)
		}
	}
	shouting := upper && !lower
	fields := make([]field, 0, len(toks))
	cut := false
	for _, tk := range toks {
		text := tk.Text
		switch tk.Kind {
		case nlp.Word, nlp.Number:
			if tk.Has(nlp.NonASCII) || tk.Has(nlp.Upper) {
				if low := strings.ToLower(text); shouting || len(low) != len(text) {
					text = low
				}
			}
		case nlp.Punct:
			if !utf8.ValidString(text) {
				cut = true
				continue
			}
			text = clipPunct(text)
		default: // Mention, ChannelLink, Special, URL, Emoji, Code
			cut = true
			continue
		}
		fields = append(fields, field{text: proseSanitizer.Replace(text), cut: cut && len(fields) > 0})
		cut = false
	}
	return fields
}

// maxPunctRunes bounds a punctuation field. prose strips leading "(["$
// and trailing ),"]!;.?:' one character per pass, rescanning the rest of
// the field each time, so a long run costs quadratic time: a field of
// thousands of "(" stalls the tagger. Three runes keep "...", "?!" and emoticons as context for
// the tagger.
const maxPunctRunes = 3

// clipPunct returns s cut to its first maxPunctRunes runes.
func clipPunct(s string) string {
	n := 0
	for k := range s {
		if n == maxPunctRunes {
			return s[:k]
		}
		n++
	}
	return s
}

// fieldOf returns, for each of prose's tokens, the index of the field it
// came from, or -1. prose splits fields ("don't" -> "do" "n't") but never
// joins them, so its tokens spell the fields in order, except that prose
// v2.0.0 sometimes drops the rest of a field (a clitic at the start of
// what is left of it: "a'sb" -> "a"); the walk then moves on to the next
// field that the token starts.
func fieldOf(tagged []prose.Token, fields []field) []int {
	idx := make([]int, len(tagged))
	f, used := 0, 0
	for i, tk := range tagged {
		idx[i] = -1
		for f < len(fields) {
			if rest := fields[f].text[used:]; tk.Text != "" && strings.HasPrefix(rest, tk.Text) {
				idx[i] = f
				if used += len(tk.Text); used == len(fields[f].text) {
					f, used = f+1, 0
				}
				break
			}
			f, used = f+1, 0
		}
	}
	return idx
}

// NounPhrases returns the distinct noun phrases of text in order of first
// appearance, normalised as topics are (see the package doc); nil when
// there are none. It returns an error only if prose fails on the text,
// which no input is known to cause.
func (e *Extractor) NounPhrases(text string) ([]string, error) {
	toks := nlp.Tokenize(text, nil)
	if !hasWord(toks) {
		return nil, nil
	}
	fields := taggerFields(toks)
	var b strings.Builder
	for k, f := range fields {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.text)
	}
	doc, err := newDocument(b.String(), e.model)
	if err != nil {
		return nil, fmt.Errorf("phrase: tagging: %w", err)
	}
	tagged := doc.Tokens()
	from := fieldOf(tagged, fields)
	// joins reports whether token j continues a run that token j-1 is in.
	joins := func(j int) bool {
		f := from[j]
		return f >= 0 && from[j-1] >= 0 && (f == from[j-1] || !fields[f].cut) && e.inPhrase(tagged[j])
	}
	var out []string
	var seen map[string]bool // once out is long enough for a scan to cost
	for i := 0; i < len(tagged); {
		if !e.inPhrase(tagged[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(tagged) && joins(j) {
			j++
		}
		p := e.phrase(tagged[i:j])
		i = j
		switch {
		case p == "":
		case seen != nil:
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		case !slices.Contains(out, p):
			out = append(out, p)
			if len(out) == 32 {
				seen = make(map[string]bool, 64)
				for _, q := range out {
					seen[q] = true
				}
			}
		}
	}
	return out, nil
}

func hasWord(toks []nlp.Token) bool {
	for _, tk := range toks {
		if tk.Kind == nlp.Word {
			return true
		}
	}
	return false
}

// phrase trims a run of phrase tokens (see the package doc) and returns it
// normalised, or "" if nothing is left.
func (e *Extractor) phrase(run []prose.Token) string {
	for len(run) > 0 && run[0].Tag == "VBG" {
		run = run[1:]
	}
	for len(run) > 0 && !isNoun(run[len(run)-1].Tag) {
		run = run[:len(run)-1]
	}
	switch len(run) {
	case 0:
		return ""
	case 1:
		w := e.form(run[0].Text)
		if utf8.RuneCountInString(w) < 3 {
			return ""
		}
		return w
	}
	var b strings.Builder
	for k, t := range run {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.form(t.Text))
	}
	return b.String()
}

// form is the topic form of a word. Folding can leave a word that is no
// longer one ("J-E-T-S" would fold to "j-e-t-"); the word then stays
// unfolded.
func (e *Extractor) form(w string) string {
	if f := e.words.TopicForm(w); isWord(f) {
		return f
	}
	return strings.ToLower(w)
}

func isNoun(tag string) bool {
	switch tag {
	case "NN", "NNS", "NNP", "NNPS":
		return true
	}
	return false
}

// inPhrase reports whether a tagged token may be part of a noun phrase: a
// word (see isWord) of at least two characters that is not a stop word,
// tagged as an adjective, a noun or a gerund.
func (e *Extractor) inPhrase(t prose.Token) bool {
	switch t.Tag {
	case "JJ", "JJR", "JJS", "NN", "NNS", "NNP", "NNPS", "VBG":
		return utf8.RuneCountInString(t.Text) >= 2 && isWord(t.Text) && !e.words.IsStopWord(t.Text)
	}
	return false
}

// isWord reports whether s is a word as nlp.Tokenize makes them: letters,
// digits, combining marks and inner apostrophes or hyphens, with at least
// one letter. prose splits our words but never joins them, so this only
// rejects punctuation that the tagger took for a noun, and the clitics
// prose splits off ("n't", "'s").
func isWord(s string) bool {
	letter := false
	for k, r := range s {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r), unicode.Is(unicode.Mn, r), unicode.Is(unicode.Mc, r):
		case (r == '\'' || r == '-' || r == '\u2019') && k > 0 && k+utf8.RuneLen(r) < len(s):
		default:
			return false
		}
	}
	return letter
}
