package nlp

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Analyzer holds the lexicon tables. It is immutable after New and safe for
// concurrent use by any number of goroutines.
type Analyzer struct {
	words     *wordTable         // lowercase word -> VADER/topic facts
	slack     map[string]float64 // Slack emoji code -> valence
	emoji     map[rune]descSpan  // emoji code point -> description items
	descItems []item
	pool      sync.Pool // *Analysis for the allocating convenience API
}

// NewAnalyzer builds the lexicon tables from govader's embedded data. It
// fails only if that data is missing or corrupt, which is a build problem.
func NewAnalyzer() (*Analyzer, error) {
	lex, emo, err := loadAssets()
	if err != nil {
		return nil, err
	}
	a := &Analyzer{slack: slackEmojiValence()}
	m, err := buildWords(lex)
	if err != nil {
		return nil, err
	}
	if a.words, err = newWordTable(m); err != nil {
		return nil, err
	}
	if err := a.buildEmojiDescriptions(emo); err != nil {
		return nil, err
	}
	a.pool.New = func() any { return new(Analysis) }
	return a, nil
}

// New is NewAnalyzer for callers that treat missing lexicon data as a
// programming error: it panics in that case, and only in that case.
func New() *Analyzer {
	a, err := NewAnalyzer()
	if err != nil {
		panic(err)
	}
	return a
}

// Analysis is the result for one message. Reuse one Analysis per goroutine:
// Analyze resets it and keeps its buffers, which is what makes the hot path
// allocation-free. Strings in it may point into those buffers and are valid
// only until the next Analyze call with the same *Analysis; copy
// (strings.Clone) what you keep.
type Analysis struct {
	// Words counts Word and Number tokens: mentions, channel links, URLs,
	// emoji, code and punctuation are not words.
	Words int
	// Mentions are the distinct user ids mentioned, in order of first
	// appearance: <@U123> and <@U123|name> give "U123".
	Mentions []string
	// Channels are the distinct channel ids linked: <#C123|general> gives "C123".
	Channels []string
	// Emoji are the distinct emoji in order of first appearance: Slack codes
	// without colons or skin tone (":+1::skin-tone-2:" gives "+1"), and
	// Unicode emoji without skin-tone modifiers or variation selectors.
	Emoji []string
	// Topics are the distinct topic candidates, sorted: lowercase,
	// plural-folded unigrams and "word1 word2" bigrams (see the package doc).
	Topics []string
	// Sentiment is the VADER score of the message.
	Sentiment Sentiment
	// Sarcasm is the probability, in [0, 1], that the message is sarcastic:
	// a logistic model over explicit cues (see SarcasmCues and the package
	// doc). Sarcastic reports whether it reaches SarcasmThreshold.
	Sarcasm float64

	toks    []Token
	text    string // the text being analyzed, during Analyze
	keyed   []keyedString
	items   []item
	arena   []byte              // backing store for strings that are not substrings of the input
	lowbuf  []byte              // lowered chunk text, rebuilt per chunk
	seen    map[string]listMask // dedup index once a list outgrows a linear scan
	chunkLo int                 // first token of the chunk being collected, or -1
	glued   bool                // chunk follows an emoji without whitespace
	ep, qm  int                 // '!' and '?' counts for punctuation emphasis
	// The last word's lookup, reused when that word alone makes the chunk.
	lastWord  int
	lastEntry slot
	lastFound bool
	lastLow   string
	// State carried between calls of tokens.
	prevTopic  string
	afterEmoji bool
	sarc       sarcasmState // cue detector, fed token by token
}

type listMask uint8

const (
	inMentions listMask = 1 << iota
	inChannels
	inEmoji
)

// linearDedup is the list length up to which a linear scan beats a map.
const linearDedup = 32

func (out *Analysis) reset() {
	out.Words = 0
	out.Mentions = out.Mentions[:0]
	out.Channels = out.Channels[:0]
	out.Emoji = out.Emoji[:0]
	out.Topics = out.Topics[:0]
	out.Sentiment = Sentiment{}
	out.Sarcasm = 0
	out.sarc = sarcasmState{}
	out.items = out.items[:0]
	out.arena = out.arena[:0]
	if out.seen != nil {
		clear(out.seen)
	}
	out.chunkLo = -1
	out.glued = false
	out.prevTopic, out.afterEmoji = "", false
	out.ep, out.qm = 0, 0
	out.lastWord = -1
}

// alloc returns n writable bytes from the arena. When the arena is full it
// starts a new backing array instead of growing the old one: strings handed
// out earlier in this Analyze call keep pointing at the old array, which is
// never written again until the next call.
func (out *Analysis) alloc(n int) []byte {
	if cap(out.arena)-len(out.arena) < n {
		out.arena = make([]byte, 0, max(2*cap(out.arena), n, 512))
	}
	l := len(out.arena)
	out.arena = out.arena[:l+n]
	return out.arena[l : l+n : l+n]
}

// allocPadded is alloc for a word that packPadded will read: the slice
// has eight bytes of capacity beyond its length. They are not reserved, so
// the next alloc may reuse them; packPadded masks them off.
func (out *Analysis) allocPadded(n int) []byte {
	b := out.alloc(n + 8)
	out.arena = out.arena[:len(out.arena)-8]
	return b[:n]
}

// str views arena bytes as a string without copying. Safe because the
// bytes are not modified again before the next Analyze call (see alloc).
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (out *Analysis) addDistinct(list []string, s string, m listMask) []string {
	if len(list) < linearDedup {
		if slices.Contains(list, s) {
			return list
		}
		return append(list, s)
	}
	if out.seen == nil {
		out.seen = make(map[string]listMask)
	}
	if len(list) == linearDedup && out.seen[list[0]]&m == 0 {
		for _, x := range list {
			out.seen[x] |= m
		}
	}
	if out.seen[s]&m != 0 {
		return list
	}
	out.seen[s] |= m
	return append(list, s)
}

// Analyze tokenizes text and fills out; it resets out first. It does not
// allocate once out's buffers have grown to the size of typical messages.
func (a *Analyzer) Analyze(text string, out *Analysis) {
	a.analyze(text, out, true)
}

// AnalyzeSentiment is Analyze reduced to out.Sentiment, which it also
// returns: the word counts, lists, topics and sarcasm score are left
// empty and their work is skipped. The score is the one Analyze gives, bit
// for bit, because both run the same code. Like Analyze, it resets out and
// does not allocate once out's buffers have grown.
func (a *Analyzer) AnalyzeSentiment(text string, out *Analysis) Sentiment {
	a.analyze(text, out, false)
	return out.Sentiment
}

// analyze is Analyze, or with full false AnalyzeSentiment.
func (a *Analyzer) analyze(text string, out *Analysis, full bool) {
	out.reset()
	out.text = text
	if full {
		out.toks = Tokenize(text, out.toks[:0])
		a.tokens(out, 0, len(out.toks), true)
	} else {
		a.sentimentItems(text, out)
	}
	a.flush(out, len(out.toks))
	out.text = "" // do not keep the caller's text alive
	out.Sentiment = out.score()
	if !full {
		return
	}
	out.Sarcasm = out.sarcasmScore()
	if len(out.Topics) > 1 {
		out.sortTopics()
		out.Topics = slices.Compact(out.Topics)
	}
}

// tokens feeds out.toks[from:to] to every analysis: with full false, to
// sentiment alone.
func (a *Analyzer) tokens(out *Analysis, from, to int, full bool) {
	toks := out.toks[:to]
	prev := out.prevTopic // last topic candidate, "" when the bigram chain is broken
	afterEmoji := out.afterEmoji
	for i := from; i < len(toks); i++ {
		tk := &toks[i]
		if tk.Flags&SpaceBefore != 0 || (tk.Kind != Word && tk.Kind != Number && tk.Kind != Punct) {
			a.flush(out, i)
		}
		itemsFrom := len(out.items)
		switch tk.Kind {
		case Word:
			out.open(i, afterEmoji)
			if full {
				out.Words++
				prev = a.topicWord(out, i, prev)
			} else {
				a.lookupWord(out, i)
			}
		case Number:
			if full {
				out.Words++
			}
			out.open(i, afterEmoji)
			prev = ""
		case Punct:
			out.open(i, afterEmoji)
			if tk.Flags&Decoded == 0 {
				out.ep += strings.Count(tk.Text, "!")
				out.qm += strings.Count(tk.Text, "?")
			}
			prev = ""
		case Emoji:
			a.emojiToken(out, tk, full)
			prev = ""
		case Mention:
			if full {
				out.Mentions = out.addDistinct(out.Mentions, tk.Text, inMentions)
			}
			prev = ""
		case ChannelLink:
			if full {
				out.Channels = out.addDistinct(out.Channels, tk.Text, inChannels)
			}
			prev = ""
		default: // Special, URL, Code: invisible to every analysis
			prev = ""
		}
		afterEmoji = tk.Kind == Emoji
		if full {
			out.sarcasmToken(i, itemsFrom)
		}
	}
	out.prevTopic, out.afterEmoji = prev, afterEmoji
}

// sentimentItems builds the VADER items of text for AnalyzeSentiment.
//
// Most whitespace-delimited pieces of a message are plain: ASCII words,
// numbers and punctuation with nothing the tokenizer treats specially
// (markup, escapes, emoji codes, code, formatting markers, URLs). For
// them the tokens would only be glued back together by flush, so the
// piece goes straight to plainItem. Everything else is tokenized and fed
// to tokens, exactly as Analyze does; FuzzSentimentMatchesAnalyze checks
// that the two routes agree.
func (a *Analyzer) sentimentItems(text string, out *Analysis) {
	out.toks = out.toks[:0]
	t := newTokenizer(text, out.toks)
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf && asciiClass[c] == cSpace {
			t.space = true
			i++
			continue
		}
		if t.space {
			// The open chunk ends here whatever this piece is: flushing
			// it now is what tokens would do at the piece's first token.
			if out.chunkLo >= 0 {
				a.flush(out, len(t.dst))
			}
			if end := a.plainItem(out, text, i); end > 0 {
				out.afterEmoji = false
				i = end
				continue
			}
		}
		from := len(t.dst)
		i = t.scan(i, true)
		out.toks = t.dst
		a.tokens(out, from, len(t.dst), false)
	}
	out.toks = t.dst
}

// plainItem appends the VADER item of the plain piece starting at s[i]
// (see sentimentItems) to out.items and returns the end of the piece, or -1
// if the piece is not plain. i follows whitespace or is 0. The item is the
// one flush makes from the piece's tokens, whose texts concatenate to the
// piece: lowercased, stripped of the punctuation around its letters and
// digits unless that leaves two characters or fewer (stripItem), looked up.
func (a *Analyzer) plainItem(out *Analysis, s string, i int) int {
	var f TokenFlag
	ep, qm := 0, 0
	apos := false
	first, last := -1, 0 // letters and digits span s[first:last]
	k := i
scan:
	for k < len(s) {
		c := s[k]
		if c >= 'a' && c <= 'z' { // most bytes: a run of lowercase letters
			f |= Lower
			if first < 0 {
				first = k
			}
			// Eight bytes at a time while they last: a word then costs
			// one step, not one branch per letter.
			for k+8 <= len(s) {
				n := lowerRun8(binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[k:]), 8)))
				k += n
				if n < 8 {
					break
				}
			}
			for k < len(s) && s[k] >= 'a' && s[k] <= 'z' {
				k++
			}
			last = k
			if k == len(s) {
				break scan
			}
			c = s[k]
		}
		if c >= utf8.RuneSelf {
			return -1
		}
		switch asciiClass[c] {
		case cUpper, cDigit: // (lowercase letters never get here)
			if c >= 'A' { // not a digit
				f |= Upper
			}
			if first < 0 {
				first = k
			}
			k++
			last = k
			continue
		case cSpace:
			break scan
		case cOther:
			switch c {
			case '!':
				ep++
			case '?':
				qm++
			case '\'':
				apos = true
			case '.': // "www." may open a bare URL
				if k-i >= 3 && s[k-1]|0x20 == 'w' && s[k-2]|0x20 == 'w' && s[k-3]|0x20 == 'w' {
					return -1
				}
			}
		case cColon:
			// ":name:" is an emoji code, "://" may be part of a URL.
			if k+1 < len(s) && s[k+1] == '/' {
				return -1
			}
			if (k == i || !isASCIIAlnum(s[k-1])) && emojiName(s, k) >= 0 {
				return -1
			}
		default: // markup, escapes, code, formatting, control characters
			return -1
		}
		k++
	}
	out.ep += ep
	out.qm += qm
	// stripItem: the punctuation around the letters and digits goes,
	// unless that leaves two characters or fewer.
	lo, hi := i, k
	if last-first > 2 {
		lo, hi = first, last
	}
	var w string
	var key uint64
	if f&Upper == 0 {
		// Already lowercase: look the input up where it lies.
		w = s[lo:hi]
		if lo+8 <= len(s) {
			key = packPadded(unsafe.Slice(unsafe.StringData(s[lo:]), 8)[:min(hi-lo, 8)])
		} else {
			key = pack(w)
		}
	} else {
		// Eight bytes of slack let packPadded read a whole word at once.
		if n := hi - lo + 8; cap(out.lowbuf) < n {
			out.lowbuf = make([]byte, 0, max(n, 2*cap(out.lowbuf)))
		}
		b := out.lowbuf[:hi-lo]
		for j := range b {
			c := s[lo+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[j] = c
		}
		w, key = str(b), packPadded(b)
	}
	e := a.words.find(w, key)
	if e == nil && !apos {
		// No apostrophe, so not "n't": skip itemFor's search for one.
		out.items = append(out.items, item{flags: upperFlag(f)})
		return k
	}
	out.items = append(out.items, itemFor(e, w, f))
	return k
}

// lowerRun8 returns how many of the eight bytes packed little-endian in w,
// counted from the first, are a-z before one that is not.
func lowerRun8(w uint64) int {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	y := w &^ high                      // seven-bit bytes: the additions below cannot carry
	geA := (y + (0x80-'a')*ones) & high // byte >= 'a'
	gtZ := (y + (0x7f-'z')*ones) & high // byte > 'z'
	lower := geA &^ gtZ &^ (w & high)
	return bits.TrailingZeros64(^lower&high) >> 3
}

// Sentiment scores text alone. It is a convenience for tools and tests;
// the pipeline should call AnalyzeSentiment (or Analyze) with a reused
// Analysis.
func (a *Analyzer) Sentiment(text string) Sentiment {
	out := a.pool.Get().(*Analysis)
	s := a.AnalyzeSentiment(text, out)
	a.pool.Put(out)
	return s
}

// open starts a chunk at token i unless one is already open.
func (out *Analysis) open(i int, afterEmoji bool) {
	if out.chunkLo < 0 {
		out.chunkLo = i
		out.glued = afterEmoji && out.toks[i].Flags&SpaceBefore == 0
	}
}

// flush turns the open chunk (tokens chunkLo..end-1) into one VADER item.
//
// VADER splits on whitespace and strips ASCII punctuation from both ends
// of each piece unless that leaves two characters or fewer (so ":)" and
// "ok." survive intact). A chunk is exactly such a whitespace-delimited
// piece, rebuilt from our finer tokens with Slack markup removed.
func (a *Analyzer) flush(out *Analysis, end int) {
	lo := out.chunkLo
	if lo < 0 {
		return
	}
	out.chunkLo = -1
	toks := out.toks[lo:end]
	// Fast path: one word, optionally wrapped in ASCII punctuation, whose
	// lookup topicWord has already done.
	words, wi := 0, -1
	var fl TokenFlag
	asciiPunct := true
	for k := range toks {
		fl |= toks[k].Flags
		if toks[k].Kind == Punct {
			asciiPunct = asciiPunct && isASCIIPunct(toks[k].Text)
		} else {
			words++
			wi = lo + k
		}
	}
	if words == 0 && out.glued {
		return // "!" glued to an emoji: VADER would have stripped it off
	}
	if words == 1 && wi == out.lastWord && asciiPunct && (len(toks) == 1 || !isShort(out.lastLow)) {
		out.items = append(out.items, makeItem(out.lastEntry, out.lastFound, out.lastLow, fl))
		return
	}
	b := out.lowbuf[:0]
	for k := range toks {
		b = appendLower(b, toks[k].Text)
	}
	out.lowbuf = b
	s := stripItem(str(b))
	out.items = append(out.items, a.item(s, fl&Upper != 0, fl&Lower != 0))
}

// item looks up an already lowercased, already stripped VADER item.
func (a *Analyzer) item(low string, upper, lower bool) item {
	var f TokenFlag
	if upper {
		f |= Upper
	}
	if lower {
		f |= Lower
	}
	return itemFor(a.words.find(low, pack(low)), low, f)
}

// tenthsTable holds float64(i-tenthsBias)/10, the valences of every VADER
// lexicon entry, so that an item costs a load rather than a division.
var tenthsTable = func() (t [2*tenthsBias + 1]float64) {
	for i := range t {
		t[i] = float64(i-tenthsBias) / 10
	}
	return t
}()

const tenthsBias = 127

// tenths is float64(v)/10, bit for bit.
func tenths(v int16) float64 {
	if i := int(v) + tenthsBias; uint(i) < uint(len(tenthsTable)) {
		return tenthsTable[i]
	}
	return float64(v) / 10
}

func makeItem(e slot, found bool, low string, f TokenFlag) item {
	if !found {
		return itemFor(nil, low, f)
	}
	return itemFor(&e, low, f)
}

// itemFor builds the item of lowercase word low from its table slot e,
// nil if it has none, and the Upper and Lower flags in f.
func itemFor(e *slot, low string, f TokenFlag) item {
	var it item
	if e != nil {
		it = item{val: tenths(e.val), flags: e.flags & (fLex | fBoost | fDampen | fNeg), id: e.id}
	} else if negContraction(low) {
		it.flags = fNeg
	}
	it.flags |= upperFlag(f)
	return it
}

// negContraction is VADER's test for a negation outside its list: the
// word contains "n't" (and, as in the reference, an apostrophe that is not
// its first character). A loop beats two library calls on short words.
func negContraction(s string) bool {
	if len(s) == 0 || s[0] == '\'' {
		return false // strings.IndexByte(s, '\'') > 0 fails
	}
	for k := 1; k+1 < len(s); k++ {
		if s[k] == '\'' && s[k-1] == 'n' && s[k+1] == 't' {
			return true
		}
	}
	return false
}

func hasDigit(s string) bool {
	for k := 0; k < len(s); k++ {
		if s[k] >= '0' && s[k] <= '9' {
			return true
		}
	}
	return false
}

// upperFlag is fUpper if an item with token flags f is ALL CAPS in the
// sense of Python's str.isupper: some cased character, none of them
// lowercase.
func upperFlag(f TokenFlag) entryFlag {
	if f&Upper != 0 && f&Lower == 0 {
		return fUpper
	}
	return 0
}

// stripItem applies VADER's _strip_punc_if_word to a lowered piece.
func stripItem(s string) string {
	i, j := 0, len(s)
	for i < j && isPunctByte(s[i]) {
		i++
	}
	for j > i && isPunctByte(s[j-1]) {
		j--
	}
	if i == 0 && j == len(s) {
		return s
	}
	if utf8.RuneCountInString(s[i:j]) <= 2 {
		return s
	}
	return s[i:j]
}

// isPunctByte is membership in Python's string.punctuation.
func isPunctByte(c byte) bool {
	return c > ' ' && c < 0x7f && !isASCIIAlnum(c)
}

func isASCIIPunct(s string) bool {
	for k := 0; k < len(s); k++ {
		if !isPunctByte(s[k]) {
			return false
		}
	}
	return true
}

func isUpperRune(r rune) bool { return unicode.IsUpper(r) || unicode.IsTitle(r) }
func isLowerRune(r rune) bool { return unicode.IsLower(r) }

// appendLower appends the lowercase form of s. The typographic apostrophe
// becomes ASCII so that "don’t" is the negation "don't".
func appendLower(b []byte, s string) []byte {
	for k := 0; k < len(s); {
		c := s[k]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			k++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[k:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b = append(b, c) // keep invalid bytes as they are
		case r == '\u2019':
			b = append(b, '\'')
		default:
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
		k += size
	}
	return b
}

func lowerString(s string) string { return string(appendLower(nil, s)) }

// needsLower reports whether appendLower would change s.
func needsLower(f TokenFlag) bool { return f&(Upper|NonASCII) != 0 }

// lookupWord lowers and looks up the word token i, and remembers the
// lookup for flush and the sarcasm detector.
func (a *Analyzer) lookupWord(out *Analysis, i int) (string, slot) {
	tk := &out.toks[i]
	low := tk.Text
	var key uint64
	if needsLower(tk.Flags) {
		n := len(tk.Text)
		if tk.Flags&NonASCII != 0 {
			n = lowerLen(tk.Text)
		}
		buf := out.allocPadded(n)
		appendLower(buf[:0], tk.Text)
		low, key = str(buf), packPadded(buf)
	} else if tk.Start+8 <= len(out.text) {
		// A word's Text is the input at Start: read eight bytes there.
		key = packPadded(unsafe.Slice(unsafe.StringData(out.text[tk.Start:]), 8)[:min(len(low), 8)])
	} else {
		key = pack(low)
	}
	var e slot
	sl := a.words.find(low, key)
	if sl != nil {
		e = *sl
	}
	out.lastWord, out.lastEntry, out.lastFound, out.lastLow = i, e, sl != nil, low
	return low, e
}

// topicWord looks the word token i up, remembers the lookup for flush, and
// appends its topic candidates. It returns the candidate for the next
// bigram, or "" if this word breaks the chain.
func (a *Analyzer) topicWord(out *Analysis, i int, prev string) string {
	low, e := a.lookupWord(out, i)
	if e.flags&fStop != 0 || isShort(low) {
		return ""
	}
	cand := a.fold(out, low, e)
	out.Topics = append(out.Topics, cand)
	if prev != "" {
		buf := out.alloc(len(prev) + 1 + len(cand))
		copy(buf, prev)
		buf[len(prev)] = ' '
		copy(buf[len(prev)+1:], cand)
		out.Topics = append(out.Topics, str(buf))
	}
	return cand
}

// lowerLen is the byte length of appendLower(nil, s).
func lowerLen(s string) int {
	n := 0
	for k := 0; k < len(s); {
		c := s[k]
		if c < utf8.RuneSelf {
			n++
			k++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[k:])
		switch {
		case r == utf8.RuneError && size <= 1:
			n++
		case r == '\u2019':
			n++
		default:
			n += utf8.RuneLen(unicode.ToLower(r))
		}
		k += size
	}
	return n
}

// isShort reports strings of at most two characters: never topics, and
// never stripped of punctuation by VADER.
func isShort(s string) bool {
	if len(s) <= 2 {
		return true
	}
	if len(s) > 8 { // two runes take at most eight bytes
		return false
	}
	for k := 0; k < len(s); k++ {
		if s[k] >= utf8.RuneSelf {
			return utf8.RuneCountInString(s) <= 2
		}
	}
	return false
}

// fold applies the plural folding described in the package doc.
func (a *Analyzer) fold(out *Analysis, w string, e slot) string {
	n := len(w)
	if n == 0 || w[n-1] != 's' { // most words: every rule below needs a final "s"
		return w
	}
	if before, ok := strings.CutSuffix(w, "'s"); ok && len(before) > 0 {
		return before
	}
	if e.flags&fNoFold != 0 || hasDigit(w) {
		return w // "k8s", "v2s": identifiers, not plurals
	}
	if e.flags&fFoldS == 0 && n > 4 && strings.HasSuffix(w, "ies") {
		buf := out.alloc(n - 2)
		copy(buf, w[:n-3])
		buf[n-3] = 'y'
		return str(buf)
	}
	switch w[n-2] {
	case 's', 'u', 'i':
		return w
	}
	return w[:n-1]
}

// emojiToken records an emoji and adds its sentiment items.
func (a *Analyzer) emojiToken(out *Analysis, tk *Token, full bool) {
	if tk.Flags&NonASCII == 0 { // Slack :code:
		if full {
			out.Emoji = out.addDistinct(out.Emoji, tk.Text, inEmoji)
		}
		if v, ok := a.slack[tk.Text]; ok {
			out.items = append(out.items, item{val: v, flags: fLex})
			return
		}
		e, ok := a.words.lookup(tk.Text)
		out.items = append(out.items, makeItem(e, ok, tk.Text, 0))
		return
	}
	if full {
		out.Emoji = out.addDistinct(out.Emoji, out.canonicalEmoji(tk.Text), inEmoji)
	}
	for _, r := range tk.Text {
		if sp, ok := a.emoji[r]; ok {
			out.items = append(out.items, a.descItems[sp.lo:sp.hi]...)
		}
	}
}

// canonicalEmoji drops skin-tone modifiers and variation selectors so that
// 👍 and 👍🏽 count as one emoji, as :+1: and :+1::skin-tone-3: do.
func (out *Analysis) canonicalEmoji(s string) string {
	n := 0
	for _, r := range s {
		if !isDroppedModifier(r) {
			n += utf8.RuneLen(r)
		}
	}
	if n == len(s) {
		return s
	}
	buf := out.alloc(n)[:0]
	for _, r := range s {
		if isDroppedModifier(r) {
			continue
		}
		buf = utf8.AppendRune(buf, r)
	}
	if strings.HasPrefix(s, str(buf)) { // modifiers were trailing: stay a substring
		return s[:len(buf)]
	}
	return str(buf)
}

func isDroppedModifier(r rune) bool {
	return r == 0xFE0F || r == 0xFE0E || (r >= 0x1F3FB && r <= 0x1F3FF)
}

// keyedString carries the first eight bytes of s as a big-endian integer,
// so that most comparisons while sorting topics are one integer compare.
type keyedString struct {
	key uint64
	s   string
}

func prefixKey(s string) uint64 { return bits.ReverseBytes64(pack(s)) }

func (x keyedString) less(y keyedString) bool {
	if x.key != y.key {
		return x.key < y.key
	}
	return x.s < y.s
}

// sortTopics sorts out.Topics in byte order, which is what slices.Sort
// would produce, but about twice as fast for the short lists of chat.
func (out *Analysis) sortTopics() {
	ks := out.keyed[:0]
	for _, s := range out.Topics {
		ks = append(ks, keyedString{prefixKey(s), s})
	}
	if len(ks) <= 24 {
		for i := 1; i < len(ks); i++ {
			for j := i; j > 0 && ks[j].less(ks[j-1]); j-- {
				ks[j], ks[j-1] = ks[j-1], ks[j]
			}
		}
	} else {
		slices.SortFunc(ks, func(x, y keyedString) int {
			switch {
			case x.less(y):
				return -1
			case y.less(x):
				return 1
			}
			return 0
		})
	}
	for i := range ks {
		out.Topics[i] = ks[i].s
	}
	out.keyed = ks
}
