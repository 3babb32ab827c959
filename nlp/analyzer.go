package nlp

import (
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
	keyed   []keyedString
	items   []item
	vals    []float64
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
	sarc      sarcasmState // cue detector, fed token by token
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
	out.reset()
	out.toks = Tokenize(text, out.toks[:0])
	toks := out.toks
	prev := "" // last topic candidate, "" when the bigram chain is broken
	afterEmoji := false
	for i := range toks {
		tk := &toks[i]
		if tk.Flags&SpaceBefore != 0 || (tk.Kind != Word && tk.Kind != Number && tk.Kind != Punct) {
			a.flush(out, i)
		}
		itemsFrom := len(out.items)
		switch tk.Kind {
		case Word:
			out.Words++
			out.open(i, afterEmoji)
			prev = a.topicWord(out, i, prev)
		case Number:
			out.Words++
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
			a.emojiToken(out, tk)
			prev = ""
		case Mention:
			out.Mentions = out.addDistinct(out.Mentions, tk.Text, inMentions)
			prev = ""
		case ChannelLink:
			out.Channels = out.addDistinct(out.Channels, tk.Text, inChannels)
			prev = ""
		default: // Special, URL, Code: invisible to every analysis
			prev = ""
		}
		afterEmoji = tk.Kind == Emoji
		out.sarcasmToken(i, itemsFrom)
	}
	a.flush(out, len(toks))
	out.Sentiment = out.score()
	out.Sarcasm = out.sarcasmScore()
	if len(out.Topics) > 1 {
		out.sortTopics()
		out.Topics = slices.Compact(out.Topics)
	}
}

// Sentiment scores text alone. It is a convenience for tools and tests;
// the pipeline should call Analyze with a reused Analysis.
func (a *Analyzer) Sentiment(text string) Sentiment {
	out := a.pool.Get().(*Analysis)
	a.Analyze(text, out)
	s := out.Sentiment
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
	e, ok := a.words.lookup(low)
	var f TokenFlag
	if upper {
		f |= Upper
	}
	if lower {
		f |= Lower
	}
	return makeItem(e, ok, low, f)
}

func makeItem(e slot, found bool, low string, f TokenFlag) item {
	it := item{val: float64(e.val) / 10, flags: e.flags & (fLex | fBoost | fDampen | fNeg), id: e.id}
	if !found && strings.IndexByte(low, '\'') > 0 && strings.Contains(low, "n't") {
		it.flags |= fNeg
	}
	// Python's str.isupper: some cased character, none of them lowercase.
	if f&Upper != 0 && f&Lower == 0 {
		it.flags |= fUpper
	}
	return it
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

// topicWord looks the word token i up, remembers the lookup for flush, and
// appends its topic candidates. It returns the candidate for the next
// bigram, or "" if this word breaks the chain.
func (a *Analyzer) topicWord(out *Analysis, i int, prev string) string {
	tk := &out.toks[i]
	low := tk.Text
	if needsLower(tk.Flags) {
		n := len(tk.Text)
		if tk.Flags&NonASCII != 0 {
			n = lowerLen(tk.Text)
		}
		buf := out.alloc(n)
		appendLower(buf[:0], tk.Text)
		low = str(buf)
	}
	e, ok := a.words.lookup(low)
	out.lastWord, out.lastEntry, out.lastFound, out.lastLow = i, e, ok, low
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
	if before, ok := strings.CutSuffix(w, "'s"); ok && len(before) > 0 {
		return before
	}
	n := len(w)
	if e.flags&fNoFold != 0 || w[n-1] != 's' || strings.ContainsAny(w, "0123456789") {
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
func (a *Analyzer) emojiToken(out *Analysis, tk *Token) {
	if tk.Flags&NonASCII == 0 { // Slack :code:
		out.Emoji = out.addDistinct(out.Emoji, tk.Text, inEmoji)
		if v, ok := a.slack[tk.Text]; ok {
			out.items = append(out.items, item{val: v, flags: fLex})
			return
		}
		e, ok := a.words.lookup(tk.Text)
		out.items = append(out.items, makeItem(e, ok, tk.Text, 0))
		return
	}
	out.Emoji = out.addDistinct(out.Emoji, out.canonicalEmoji(tk.Text), inEmoji)
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

func prefixKey(s string) uint64 {
	var k uint64
	n := min(len(s), 8)
	for i := 0; i < n; i++ {
		k |= uint64(s[i]) << (56 - 8*i)
	}
	return k
}

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
