package nlp

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jonreiter/govader/data"
)

// The lexicons are read from govader's embedded assets at New so that the
// repository never carries a copy of VADER's data files.
const (
	vaderLexiconAsset = "rawdata/vaderLexicon.txt"
	vaderEmojiAsset   = "rawdata/emojiUTF8Lexicon.txt"
)

// entryFlag records what VADER and the topic extractor need to know about a
// lowercase word, so that one map probe answers every question.
type entryFlag uint8

const (
	fLex    entryFlag = 1 << iota // in the VADER lexicon (val is meaningful)
	fBoost                        // booster/dampener word (boost is meaningful)
	fNeg                          // negation word, or contains "n't"
	fUpper                        // item is ALL CAPS (set per item, never in the table)
	fStop                         // stop word: never a topic
	fNoFold                       // plural folding must leave it alone ("news")
	fFoldS                        // fold "-ies" by dropping only the "s" ("movies")
	fDampen                       // with fBoost: a dampener (B_DECR), not a booster
)

// wordID names the handful of words VADER's rules compare against, so the
// rules compare small integers instead of strings.
type wordID uint8

const (
	idNone wordID = iota
	idNo
	idBut
	idNever
	idSo
	idThis
	idWithout
	idDoubt
	idLeast
	idAt
	idVery
	idKind
	idOf
	idOr
	idNor
	idThe
	idShit
	idBomb
	idBad
	idAss
	idYeah
	idRight
	idKiss
	idDeath
	idTo
	idDie
	idFor
	idJust
	idEnough
	idSort
)

func ruleWords() map[string]wordID {
	return map[string]wordID{
		"no": idNo, "but": idBut, "never": idNever, "so": idSo, "this": idThis,
		"without": idWithout, "doubt": idDoubt, "least": idLeast, "at": idAt,
		"very": idVery, "kind": idKind, "of": idOf, "or": idOr, "nor": idNor,
		"the": idThe, "shit": idShit, "bomb": idBomb, "bad": idBad, "ass": idAss,
		"yeah": idYeah, "right": idRight, "kiss": idKiss, "death": idDeath,
		"to": idTo, "die": idDie, "for": idFor, "just": idJust, "enough": idEnough,
		"sort": idSort,
	}
}

// entry is what the word table knows about a word while it is being built;
// newWordTable packs it into a slot.
type entry struct {
	val   float64
	boost float64
	flags entryFlag
	id    wordID
}

// VADER's empirically derived constants (Hutto & Gilbert 2014).
const (
	bIncr        = 0.293
	bDecr        = -0.293
	cIncr        = 0.733
	nScalar      = -0.74
	neverScale   = 1.25
	butBefore    = 0.5
	butAfter     = 1.5
	epScale      = 0.292
	epMax        = 4
	qmScale      = 0.18
	qmMax        = 0.96
	normAlpha    = 15
	distScale1   = 0.95
	distScale2   = 0.9
	posThreshold = 0.05
)

// negations is VADER's NEGATE list.
func negations() []string {
	return []string{
		"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
		"ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
		"dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
		"don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
		"neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
		"oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
		"oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
		"without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
	}
}

// boosters is VADER's BOOSTER_DICT minus its multi-word keys, which are
// handled as word-id bigrams (see bigramBoost).
func boosters() map[string]float64 {
	m := map[string]float64{}
	for _, w := range strings.Fields(`absolutely amazingly awfully completely considerable considerably
		decidedly deeply effing enormous enormously entirely especially exceptional exceptionally
		extreme extremely fabulously flipping flippin frackin fracking fricking frickin frigging
		friggin fully fuckin fucking fuggin fugging greatly hella highly hugely incredible
		incredibly intensely major majorly more most particularly purely quite really remarkably
		so substantially thoroughly total totally tremendous tremendously uber unbelievably
		unusually utter utterly very`) {
		m[w] = bIncr
	}
	for _, w := range strings.Fields(`almost barely hardly kinda kindof kind-of less little marginal
		marginally occasional occasionally partly scarce scarcely slight slightly somewhat sorta
		sortof sort-of`) {
		m[w] = bDecr
	}
	return m
}

// noFold lists words that end in "s" without being plurals, and plurals in
// "-ies" whose singular ends in "-ie". The folding rule in the package doc
// is deliberately simple; this list patches the misses that show up most in
// engineering chat.
func noFold() (keep, foldS []string) {
	keep = strings.Fields(`news series species means lens kudos thanks always perhaps canvas
		alias atlas bias gas chaos ethos yes ios macos aws dns https kubernetes postgres
		jenkins physics mathematics economics analytics politics ops devops pros cons`)
	foldS = strings.Fields(`movies cookies selfies zombies goodies hoodies rookies calories
		smoothies brownies ties lies pies dies`)
	return keep, foldS
}

// buildWords merges the VADER lexicon, boosters, negations, rule words and
// topic metadata into one table keyed by lowercase word.
func buildWords(lexicon []byte) (map[string]entry, error) {
	words := make(map[string]entry, 8192)
	n := 0
	for line := range bytes.SplitSeq(lexicon, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		f := bytes.SplitN(line, []byte("\t"), 3)
		if len(f) < 2 {
			return nil, fmt.Errorf("nlp: malformed VADER lexicon line %q", line)
		}
		w := string(f[0])
		v, err := strconv.ParseFloat(string(f[1]), 64)
		if err != nil {
			return nil, fmt.Errorf("nlp: VADER lexicon entry %q: %w", w, err)
		}
		// VADER lowercases every item before the lookup, so keys with
		// capitals (":D", "XD") are unreachable there; keep them unreachable.
		if strings.ToLower(w) != w {
			continue
		}
		e := words[w]
		e.val, e.flags = v, e.flags|fLex
		words[w] = e
		n++
	}
	if n < 1000 {
		return nil, errors.New("nlp: VADER lexicon asset is unexpectedly small")
	}
	for w, b := range boosters() {
		e := words[w]
		e.boost, e.flags = b, e.flags|fBoost
		words[w] = e
	}
	for _, w := range negations() {
		e := words[w]
		e.flags |= fNeg
		words[w] = e
	}
	for w, id := range ruleWords() {
		e := words[w]
		e.id = id
		words[w] = e
	}
	for _, w := range stopWords() {
		e := words[w]
		e.flags |= fStop
		words[w] = e
	}
	keep, foldS := noFold()
	for _, w := range keep {
		e := words[w]
		e.flags |= fNoFold
		words[w] = e
	}
	for _, w := range foldS {
		e := words[w]
		e.flags |= fFoldS
		words[w] = e
	}
	return words, nil
}

// descSpan locates an emoji description's items in Analyzer.descItems.
type descSpan struct{ lo, hi int32 }

// buildEmojiDescriptions parses VADER's emoji lexicon. VADER replaces each
// emoji code point by its description before scoring, so the description
// words are turned into items once here rather than per message.
func (a *Analyzer) buildEmojiDescriptions(raw []byte) error {
	a.emoji = make(map[rune]descSpan, 4096)
	for line := range bytes.SplitSeq(raw, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		tab := bytes.IndexByte(line, '\t')
		if tab <= 0 {
			continue
		}
		r, size := utf8.DecodeRune(line[:tab])
		if size != tab || r == utf8.RuneError {
			// Multi-code-point keys can never match: VADER looks up one
			// code point at a time.
			continue
		}
		lo := int32(len(a.descItems))
		for _, w := range strings.Fields(string(line[tab+1:])) {
			a.descItems = append(a.descItems, a.itemForText(w))
		}
		a.emoji[r] = descSpan{lo, int32(len(a.descItems))}
	}
	if len(a.emoji) < 100 {
		return errors.New("nlp: VADER emoji lexicon asset is unexpectedly small")
	}
	return nil
}

// itemForText builds a VADER item from standalone text (the slow path, used
// at construction time only).
func (a *Analyzer) itemForText(w string) item {
	var up, low bool
	for _, r := range w {
		up = up || isUpperRune(r)
		low = low || isLowerRune(r)
	}
	lw := lowerString(w)
	return a.item(stripItem(lw), up, low)
}

func loadAssets() (lex, emo []byte, err error) {
	lex, err = data.Asset(vaderLexiconAsset)
	if err != nil {
		return nil, nil, fmt.Errorf("nlp: reading govader asset: %w", err)
	}
	emo, err = data.Asset(vaderEmojiAsset)
	if err != nil {
		return nil, nil, fmt.Errorf("nlp: reading govader asset: %w", err)
	}
	return lex, emo, nil
}
