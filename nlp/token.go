package nlp

import (
	"encoding/binary"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// TokenKind classifies a token produced by Tokenize.
type TokenKind uint8

// Token kinds. The zero value is deliberately not a kind, so that a zero
// Token is recognisably "nothing" rather than an empty word.
const (
	// Word is a run of letters and digits containing at least one letter,
	// with inner apostrophes and hyphens ("don't", "e-mail").
	Word TokenKind = iota + 1
	// Number is a run of digits, possibly with inner '.', ',' or ':'
	// between digits ("3.14", "1,000", "10:30").
	Number
	// Mention is a user mention <@U123> or <@U123|name>; Text is the id.
	Mention
	// ChannelLink is <#C123> or <#C123|general>; Text is the id.
	ChannelLink
	// Special is <!here>, <!channel>, <!everyone>, <!subteam^S123|@team>
	// and friends; Text is what follows '!' up to '|' or '>'.
	Special
	// URL is a link <https://x.y|label>, <https://x.y>, <mailto:a@b>, or a
	// bare http(s)/www URL; Text is the address, the label is dropped.
	URL
	// Emoji is a Slack emoji code (:smile:, with any :skin-tone-N: suffix
	// swallowed; Text is "smile") or a Unicode emoji cluster (Text is the
	// cluster as written).
	Emoji
	// Code is inline `code` or a ```block```; Text is the content between
	// the backticks.
	Code
	// Punct is a run of punctuation or symbol characters, a decoded HTML
	// escape, or bytes that are not valid UTF-8.
	Punct
)

var kindNames = [...]string{
	Word: "Word", Number: "Number", Mention: "Mention", ChannelLink: "ChannelLink",
	Special: "Special", URL: "URL", Emoji: "Emoji", Code: "Code", Punct: "Punct",
}

// String returns the kind's Go name, used by golden files and test output.
func (k TokenKind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "TokenKind(" + strconv.Itoa(int(k)) + ")"
}

// TokenFlag carries facts about a token that later stages would otherwise
// have to rediscover by rescanning its bytes.
type TokenFlag uint8

const (
	// SpaceBefore is set when whitespace (or the start of the text) separates
	// the token from the previous one. Sentiment scoring needs it to rebuild
	// VADER's whitespace-delimited items from finer tokens.
	SpaceBefore TokenFlag = 1 << iota
	// Decoded is set when Text is a decoded HTML escape (&amp; &lt; &gt;
	// &quot;) and therefore not a substring of the input.
	Decoded
	// Upper is set when the token contains an uppercase letter.
	Upper
	// Lower is set when the token contains a lowercase letter.
	Lower
	// NonASCII is set when the token contains bytes >= 0x80.
	NonASCII
)

// Token is one lexical unit of a Slack message.
//
// Text is a substring of the input except when the Decoded flag is set.
// Start and End delimit the whole source span, markup included
// (for <@U1|bob> Text is "U1" and the span covers all eleven bytes).
type Token struct {
	Kind       TokenKind
	Flags      TokenFlag
	Text       string
	Start, End int
}

// Has reports whether all flags in f are set on the token.
func (t Token) Has(f TokenFlag) bool { return t.Flags&f == f }

// Character classes for the ASCII fast path.
const (
	cOther  uint8 = iota // punctuation without special meaning
	cSpace               // ASCII whitespace
	cLower               // a-z
	cUpper               // A-Z
	cDigit               // 0-9
	cLT                  // '<' Slack markup
	cAmp                 // '&' HTML escape
	cColon               // ':' emoji code
	cTick                // '`' code
	cFormat              // '*' '_' '~' formatting markers
	cCtl                 // other control characters
)

// asciiClass is an array rather than a map or switch because it is indexed
// once per input byte; being a constant-initialised array it is never written.
var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 128; c++ {
		switch {
		case c == ' ', c == '\t', c == '\n', c == '\r', c == '\v', c == '\f',
			c >= 0x1c && c <= 0x1f: // Python's str.split treats these as whitespace too
			t[c] = cSpace
		case c < 0x20 || c == 0x7f:
			t[c] = cCtl
		case c >= 'a' && c <= 'z':
			t[c] = cLower
		case c >= 'A' && c <= 'Z':
			t[c] = cUpper
		case c >= '0' && c <= '9':
			t[c] = cDigit
		case c == '<':
			t[c] = cLT
		case c == '&':
			t[c] = cAmp
		case c == ':':
			t[c] = cColon
		case c == '`':
			t[c] = cTick
		case c == '*', c == '_', c == '~':
			t[c] = cFormat
		default:
			t[c] = cOther
		}
	}
	return t
}()

func isASCIIAlnum(c byte) bool {
	k := asciiClass[c&0x7f]
	return c < 0x80 && (k == cLower || k == cUpper || k == cDigit)
}

// tokenizer holds the scan state of one Tokenize call. It lives on the
// stack; nothing escapes except the appended tokens.
type tokenizer struct {
	s     string
	dst   []Token
	base  int  // len(dst) on entry: never merge into the caller's tokens
	space bool // whitespace seen since the last token
	// noTick / noTriple remember that no closing backtick (resp. ```) exists
	// at or after that offset, so unmatched backticks cost O(n) in total
	// instead of O(n) each.
	noTick, noTriple int
}

// Tokenize splits Slack message text into tokens and appends them to dst.
// It allocates only when dst lacks capacity. Every non-space byte of text
// ends up inside exactly one token's [Start, End) span, except Slack
// formatting markers (*bold*, _italic_, ~strike~), which are dropped, and
// link labels, which are covered by their URL token's span.
// Tokenize never panics, whatever the input bytes.
func Tokenize(text string, dst []Token) []Token {
	t := newTokenizer(text, dst)
	t.scan(0, false)
	return t.dst
}

func newTokenizer(text string, dst []Token) tokenizer {
	return tokenizer{s: text, dst: dst, base: len(dst), space: true, noTick: len(text) + 1, noTriple: len(text) + 1}
}

// scan tokenizes from i and returns where it stopped: at the end of the
// text or, with stopAtSpace, just after the first whitespace character it
// consumes. Every token it emitted is then final: nothing after whitespace
// merges into an earlier token.
func (t *tokenizer) scan(i int, stopAtSpace bool) int {
	s := t.s
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch asciiClass[c] {
			case cSpace:
				t.space = true
				i++
				if stopAtSpace {
					return i
				}
			case cLower, cUpper, cDigit:
				i = t.word(i)
			case cLT:
				i = t.markup(i)
			case cAmp:
				i = t.entity(i)
			case cColon:
				i = t.colon(i)
			case cTick:
				i = t.code(i)
			case cFormat:
				i = t.format(i)
			default:
				t.punct(i, i+1)
				i++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			t.punct(i, i+1)
			i++
		case unicode.IsSpace(r):
			t.space = true
			i += size
			if stopAtSpace {
				return i
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			i = t.word(i)
		case emojiClass(r) == emojiYes,
			emojiClass(r) == emojiWithVS16 && strings.HasPrefix(s[i+size:], "\uFE0F"):
			i = t.emoji(i, size)
		default:
			t.punct(i, i+size)
			i += size
		}
	}
	return i
}

func (t *tokenizer) emit(k TokenKind, f TokenFlag, text string, start, end int) {
	if t.space {
		f |= SpaceBefore
		t.space = false
	}
	t.dst = append(t.dst, Token{Kind: k, Flags: f, Text: text, Start: start, End: end})
}

// punct appends s[i:j] to a run of punctuation so that ":-)" or "?!" stays
// one token, which keeps token counts low and emoticons recognisable.
func (t *tokenizer) punct(i, j int) {
	if !t.space && len(t.dst) > t.base {
		last := &t.dst[len(t.dst)-1]
		if last.Kind == Punct && last.End == i && last.Flags&Decoded == 0 {
			last.End = j
			last.Text = t.s[last.Start:j]
			if t.s[i] >= utf8.RuneSelf {
				last.Flags |= NonASCII
			}
			return
		}
	}
	var f TokenFlag
	if t.s[i] >= utf8.RuneSelf {
		f = NonASCII
	}
	t.emit(Punct, f, t.s[i:j], i, j)
}

// isWordRune reports whether r continues a word: letters, digits and the
// combining marks that scripts such as Devanagari put inside words.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// word scans a word or number starting at i, or a bare URL.
func (t *tokenizer) word(i int) int {
	s := t.s
	switch s[i] {
	case 'h', 'H', 'f', 'F', 'w', 'W':
		// Every URL prefix has 't' or 'w' second: most words stop here.
		if i+1 >= len(s) || s[i+1]|0x20 != 't' && s[i+1]|0x20 != 'w' {
			break
		}
		if end := bareURL(s, i); end > i {
			t.emit(URL, 0, s[i:end], i, end)
			return end
		}
	}
	var f TokenFlag
	letters := false
	j := i
	for j < len(s) {
		// Tight loop for the common case: lowercase ASCII letters.
		if c := s[j]; c >= 'a' && c <= 'z' {
			k := j + 1
			for k+8 <= len(s) { // eight bytes a step (see lowerRun8)
				n := lowerRun8(binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[k:]), 8)))
				k += n
				if n < 8 {
					break
				}
			}
			for k < len(s) && s[k] >= 'a' && s[k] <= 'z' {
				k++
			}
			j = k
			f |= Lower
			letters = true
			continue
		}
		c := s[j]
		if c < utf8.RuneSelf {
			switch asciiClass[c] {
			case cLower:
				f |= Lower
				letters = true
				j++
				continue
			case cUpper:
				f |= Upper
				letters = true
				j++
				continue
			case cDigit:
				j++
				continue
			}
			// Inner connectors: the byte after must continue the word.
			if j+1 < len(s) && j > i {
				next := s[j+1]
				switch c {
				case '\'', '-':
					if isASCIIAlnum(next) || (next >= utf8.RuneSelf && startsWordRune(s[j+1:])) {
						j++
						continue
					}
				case '.', ',', ':':
					// Only numbers ("3.14", "1,000", "10:30") keep these inside.
					if !letters && next >= '0' && next <= '9' {
						j++
						continue
					}
				}
			}
			break
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if r == '\u2019' && j > i && j+size < len(s) && (isASCIIAlnum(s[j+size]) || startsWordRune(s[j+size:])) {
			// Typographic apostrophe, as phone keyboards type it: "don’t".
			f |= NonASCII
			j += size
			continue
		}
		if r == utf8.RuneError || !isWordRune(r) {
			break
		}
		f |= NonASCII
		if unicode.IsLetter(r) {
			letters = true
			if unicode.IsUpper(r) || unicode.IsTitle(r) {
				f |= Upper
			} else if unicode.IsLower(r) {
				f |= Lower
			}
		}
		j += size
	}
	if j == i { // cannot happen for callers, but never loop forever
		t.punct(i, i+1)
		return i + 1
	}
	k := Number
	if letters {
		k = Word
	}
	t.emit(k, f, s[i:j], i, j)
	return j
}

func startsWordRune(s string) bool {
	if s == "" {
		return false
	}
	if s[0] < utf8.RuneSelf {
		return isASCIIAlnum(s[0])
	}
	r, _ := utf8.DecodeRuneInString(s)
	return r != utf8.RuneError && isWordRune(r)
}

// hasPrefixFold reports whether s begins with the lowercase ASCII prefix p,
// ignoring ASCII case in s.
func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for k := 0; k < len(p); k++ {
		c := s[k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[k] {
			return false
		}
	}
	return true
}

// bareURL returns the end of an un-bracketed URL starting at i, or i.
// Slack normally wraps links in <>, but exports and bot text carry bare ones.
func bareURL(s string, i int) int {
	rest := s[i:]
	switch {
	case hasPrefixFold(rest, "https://"), hasPrefixFold(rest, "http://"), hasPrefixFold(rest, "ftp://"):
	case hasPrefixFold(rest, "www.") && len(rest) > 4 && isASCIIAlnum(rest[4]):
	default:
		return i
	}
	if i > 0 && isASCIIAlnum(s[i-1]) {
		return i
	}
	j := i
	parens := 0
	for j < len(s) {
		c := s[j]
		if c < utf8.RuneSelf {
			if asciiClass[c] == cSpace || asciiClass[c] == cCtl || c == '<' || c == '>' || c == '"' || c == '`' {
				break
			}
			switch c {
			case '(':
				parens++
			case ')':
				parens--
			}
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if r == utf8.RuneError || unicode.IsSpace(r) {
			break
		}
		j += size
	}
	// Sentence punctuation after a URL belongs to the sentence.
	for j > i {
		c := s[j-1]
		if c == ')' && parens >= 0 {
			break
		}
		if c == ')' {
			parens++
		} else if strings.IndexByte(".,;:!?'\"*_~]}", c) < 0 {
			break
		}
		j--
	}
	return j
}

// markup parses Slack's angle-bracket markup at s[i] == '<'. Anything that
// does not look like markup is an ordinary '<' character: real Slack text
// escapes a literal '<' as &lt;, but other sources (tweets, "<3") do not.
func (t *tokenizer) markup(i int) int {
	s := t.s
	kind, body := TokenKind(0), i+1
	if body < len(s) {
		switch c := s[body]; {
		case c == '@':
			kind, body = Mention, body+1
		case c == '#':
			kind, body = ChannelLink, body+1
		case c == '!':
			kind, body = Special, body+1
		case c < utf8.RuneSelf && (asciiClass[c] == cLower || asciiClass[c] == cUpper):
			k := body
			for k < len(s) && k-body < 32 && (isASCIIAlnum(s[k]) || s[k] == '+' || s[k] == '.' || s[k] == '-') {
				k++
			}
			if k < len(s) && s[k] == ':' {
				kind = URL
			}
		}
	}
	if kind == 0 {
		t.punct(i, i+1)
		return i + 1
	}
	// Find the end: the target has no whitespace; a label after '|' may.
	// Stopping at the next '<' keeps repeated junk linear.
	bar := -1
	j := body
	for ; j < len(s); j++ {
		c := s[j]
		if c == '>' {
			break
		}
		if c == '<' || c == '\n' {
			j = len(s)
			break
		}
		if c == '|' && bar < 0 {
			bar = j
			continue
		}
		if bar < 0 && c < utf8.RuneSelf && (asciiClass[c] == cSpace || asciiClass[c] == cCtl) {
			j = len(s)
			break
		}
	}
	targetEnd := j
	if bar >= 0 {
		targetEnd = bar
	}
	if j >= len(s) || targetEnd == body || (kind != URL && kind != Special && !validID(s[body:targetEnd])) {
		t.punct(i, i+1)
		return i + 1
	}
	t.emit(kind, 0, s[body:targetEnd], i, j+1)
	return j + 1
}

// validID accepts Slack user, bot and channel ids (U024BE7LH, W0123, C1, …).
func validID(id string) bool {
	for k := 0; k < len(id); k++ {
		if !isASCIIAlnum(id[k]) {
			return false
		}
	}
	return true
}

// entity decodes the escapes Slack applies to message text (&amp; &lt;
// &gt;), plus &quot; which some exporters add. The decoded character is a
// Punct token so that "&lt;3" still scores like the emoticon "<3".
func (t *tokenizer) entity(i int) int {
	rest := t.s[i:]
	var dec string
	var n int
	switch {
	case strings.HasPrefix(rest, "&amp;"):
		dec, n = "&", 5
	case strings.HasPrefix(rest, "&lt;"):
		dec, n = "<", 4
	case strings.HasPrefix(rest, "&gt;"):
		dec, n = ">", 4
	case strings.HasPrefix(rest, "&quot;"):
		dec, n = "\"", 6
	default:
		t.punct(i, i+1)
		return i + 1
	}
	t.emit(Punct, Decoded, dec, i, i+n)
	return i + n
}

func isEmojiNameByte(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' || c == '\''
}

// emojiName returns the end of ":name:" starting at s[i] == ':', or -1.
func emojiName(s string, i int) int {
	j := i + 1
	for j < len(s) && j-i <= 100 && isEmojiNameByte(s[j]) {
		j++
	}
	if j == i+1 || j >= len(s) || s[j] != ':' {
		return -1
	}
	return j
}

func isSkinTone(name string) bool {
	return len(name) == 11 && strings.HasPrefix(name, "skin-tone-") && name[10] >= '2' && name[10] <= '6'
}

// colon recognises :emoji: codes. A colon glued to a preceding letter or
// digit ("note:this", "10:30:") is never an emoji opener.
func (t *tokenizer) colon(i int) int {
	s := t.s
	if i > 0 && isASCIIAlnum(s[i-1]) {
		t.punct(i, i+1)
		return i + 1
	}
	j := emojiName(s, i)
	if j < 0 {
		t.punct(i, i+1)
		return i + 1
	}
	name := s[i+1 : j]
	end := j + 1
	for end < len(s) && s[end] == ':' {
		k := emojiName(s, end)
		if k < 0 || !isSkinTone(s[end+1:k]) {
			break
		}
		end = k + 1
	}
	t.emit(Emoji, 0, name, i, end)
	return end
}

// code recognises `inline` and ```block``` code.
func (t *tokenizer) code(i int) int {
	s := t.s
	if strings.HasPrefix(s[i:], "```") && i+3 < t.noTriple {
		if k := strings.Index(s[i+3:], "```"); k >= 0 {
			end := i + 3 + k + 3
			t.emit(Code, 0, s[i+3:i+3+k], i, end)
			return end
		}
		t.noTriple = i + 3
	}
	if i+1 < t.noTick {
		if k := strings.IndexByte(s[i+1:], '`'); k > 0 {
			end := i + 1 + k + 1
			t.emit(Code, 0, s[i+1:i+1+k], i, end)
			return end
		} else if k < 0 {
			t.noTick = i + 1
		}
	}
	t.punct(i, i+1)
	return i + 1
}

// format drops Slack's *bold*, _italic_ and ~strike~ markers. A run is a
// marker only when exactly one side touches a word: an opener precedes a
// word, a closer follows one. Between two words ("snake_case", "2*3") or
// between non-words ("a * b", the emoticon ":-*") it is punctuation.
func (t *tokenizer) format(i int) int {
	s := t.s
	j := i + 1
	for j < len(s) && s[j] < utf8.RuneSelf && asciiClass[s[j]] == cFormat {
		j++
	}
	leftWord := i > 0 && (isASCIIAlnum(s[i-1]) || (s[i-1] >= utf8.RuneSelf && endsWordRune(s[:i])))
	rightWord := j < len(s) && startsWordRune(s[j:])
	if leftWord == rightWord {
		t.punct(i, j)
	}
	return j
}

func endsWordRune(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r != utf8.RuneError && isWordRune(r)
}

// Emoji-ness of a rune: emojiNo, emojiYes for emoji-presentation
// characters, emojiWithVS16 for symbols that are text by default (arrows,
// ©, ™, ⌘ …) and only become emoji when followed by U+FE0F, so that
// "A → B" keeps its arrow as punctuation.
const (
	emojiNo = iota
	emojiYes
	emojiWithVS16
)

// emojiClass covers the Unicode emoji blocks plus the scattered older
// symbols that VADER's emoji lexicon also describes.
func emojiClass(r rune) int {
	switch {
	case r < 0xA9:
		return emojiNo
	case r >= 0x1F000 && r <= 0x1FAFF:
		return emojiYes
	case r >= 0x2600 && r <= 0x27BF:
		return emojiYes
	case r == 0x231A, r == 0x231B, r >= 0x23E9 && r <= 0x23EC, r == 0x23F0, r == 0x23F3,
		r == 0x2B1B, r == 0x2B1C, r == 0x2B50, r == 0x2B55:
		return emojiYes
	case r >= 0x2300 && r <= 0x23FF, r >= 0x2190 && r <= 0x21FF, r >= 0x25A0 && r <= 0x25FF,
		r >= 0x2B00 && r <= 0x2BFF, r >= 0x2900 && r <= 0x297F:
		return emojiWithVS16
	}
	switch r {
	case 0xA9, 0xAE, 0x203C, 0x2049, 0x2122, 0x2139, 0x24C2, 0x3030, 0x303D, 0x3297, 0x3299:
		return emojiWithVS16
	}
	return emojiNo
}

// isEmojiModifier reports runes that attach to the preceding emoji:
// variation selectors, skin tones, keycap and tag characters.
func isEmojiModifier(r rune) bool {
	return r == 0xFE0F || r == 0xFE0E || (r >= 0x1F3FB && r <= 0x1F3FF) || r == 0x20E3 || (r >= 0xE0020 && r <= 0xE007F)
}

// emoji scans one Unicode emoji cluster: a base, its modifiers, ZWJ-joined
// followers, or a regional-indicator pair (a flag).
func (t *tokenizer) emoji(i, size int) int {
	s := t.s
	first, _ := utf8.DecodeRuneInString(s[i:])
	j := i + size
	regional := first >= 0x1F1E6 && first <= 0x1F1FF
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		switch {
		case isEmojiModifier(r):
			j += n
			continue
		case r == 0x200D:
			if r2, n2 := utf8.DecodeRuneInString(s[j+n:]); emojiClass(r2) != emojiNo {
				j += n + n2
				continue
			}
		case regional && r >= 0x1F1E6 && r <= 0x1F1FF:
			regional = false
			j += n
			continue
		}
		break
	}
	t.emit(Emoji, NonASCII, s[i:j], i, j)
	return j
}
