package generator

import (
	"math"
	"strings"
	"sync"
)

// The planted sentiment words. Vocabulary words carry no sentiment (see
// vocabText), so the number of these in a message is its sentiment.
var (
	positiveWords = []string{
		"great", "love", "awesome", "thanks", "excellent", "happy", "amazing",
		"wonderful", "fantastic", "glad", "brilliant", "perfect", "nice", "delighted",
	}
	negativeWords = []string{
		"terrible", "hate", "broken", "awful", "sad", "angry", "horrible",
		"worst", "annoying", "frustrated", "disappointed", "useless", "ugly", "disaster",
	}
)

// Topic is the planted bigram: only the topic office's messages contain it,
// and neither of its words occurs anywhere else.
const Topic = "kubernetes migration"

// Markup sprinkled into messages.
var (
	neutralEmoji  = []string{":smile:", ":+1:", ":+1::skin-tone-2:", ":eyes:", ":coffee:", ":wave:", ":white_check_mark:", ":thinking_face:", ":pray:", ":rocket:"}
	positiveEmoji = []string{":tada:", ":heart:", ":raised_hands:", "🎉", ":star-struck:"}
	negativeEmoji = []string{":rage:", ":confounded:", ":face_palm:", "😡"}
	nonASCII      = []string{"café", "naïve", "Grüße", "señor", "Zürich", "crème brûlée", "日本語", "東京", "こんにちは", "Ünïcödé", "🚀", "☕", "façade", "smörgåsbord", "İstanbul"}
	codeSpans     = []string{"`make test`", "`git pull --rebase`", "`kubectl get pods`", "`SELECT count(*) FROM orders`", "`npm ci`", "`go vet ./...`", "`x &lt; y`", "`a &amp;&amp; b`"}
	ampPhrases    = []string{"R&amp;D", "Q&amp;A", "P&amp;L", "M&amp;A", "this &amp; that", "-&gt;", "x &lt; y"}
	urlHosts      = []string{"https://example.com", "https://docs.example.org", "https://github.com/wiretap-hq/wiretap", "https://wiretap-hq.atlassian.net/browse", "http://intranet.example.net"}
	urlPaths      = []string{"/x", "/pull/1234", "/issues/77", "/WT-4521", "/wiki/Onboarding", "/q?id=42&amp;tab=2", "/a/b/c.pdf", "/dashboard"}
	reactions     = []string{"+1", "thumbsup", "eyes", "tada", "heart", "joy", "white_check_mark", "pray", "raised_hands", "100", "fire", "thinking_face"}
	botTexts      = []string{
		"Deploy of `api` to production finished in 4m12s",
		"Build #%d passed on main",
		"New ticket WT-%d assigned to the backlog",
		"Reminder: standup in 5 minutes",
		"Nightly report is ready: <https://example.com/reports/nightly|open the report>",
		"PR #%d was merged into main",
		"Alert WT-%d resolved automatically",
	}
	slackbotTexts = []string{"Reminder: standup in 5 minutes.", "Reminder: submit your timesheet.", "Reminder: team lunch at noon."}
	firstNames    = strings.Fields("anna ben carla david elena felix greta hugo ines jonas klara lukas maria niko olga paul rosa sven tara uwe vera wei xin yuki zoe amir bea chen dev emma farid gita hana ivan jin kemal lea mei nina omar priya raj sara tom aiko liam noah mia ola kai")
	lastNames     = strings.Fields("schmidt mueller weber fischer smith jones taylor brown wilson garcia chen wang tan lim ng kumar singh nguyen kim park sato suzuki rossi dubois martin novak kowalski jensen hansen silva costa murphy kelly walsh fraser lee")
	channelNames  = strings.Fields("general random engineering sales marketing support ops design product data hiring social announcements incidents finance devops frontend backend mobile security")
)

// vocab holds the precomputed word tables; built once, never changed.
type vocab struct {
	words []string
	// zipf maps the top bits random bits to a word index with Zipf
	// frequencies over the words' ranks.
	zipf []uint16
	bits uint
}

// vocabulary is the built-in vocabulary: the words of vocabText with
// Zipf(s=1) frequencies over a table of 2^16 slots.
var vocabulary = sync.OnceValue(func() *vocab {
	words := strings.Fields(vocabText)
	// Integer weights 1e9/(rank+1).
	ws := make([]uint64, len(words))
	for i := range ws {
		ws[i] = 1_000_000_000 / uint64(i+1)
	}
	return newVocabTable(words, ws, 16)
})

// newVocab returns the vocabulary of a Config: the built-in one when size is
// 0, otherwise the first size words of the built-in list followed by
// synthetic words, drawn with Zipf frequencies of exponent s over a table of
// 2^20 slots, fine enough that the rarest of maxVocabulary words is drawn
// at exponents up to 1.1 (at steeper ones the rarest words get no slot).
// The weights are computed in floating point once, then rounded to integers
// on a grid far coarser than any last-place difference between platforms,
// so integer arithmetic decides every draw.
func newVocab(size int, s float64) *vocab {
	if size == 0 {
		return vocabulary()
	}
	words := strings.Fields(vocabText)
	if size <= len(words) {
		words = words[:size]
	} else {
		words = append(words, syntheticWords(words, size-len(words))...)
	}
	ws := make([]uint64, len(words))
	for i := range ws {
		ws[i] = uint64(math.Round(1e12 * math.Pow(float64(i+1), -s)))
	}
	return newVocabTable(words, ws, 20)
}

// newVocabTable spreads words over 2^bits slots by their cumulative
// integer weights.
func newVocabTable(words []string, ws []uint64, bits uint) *vocab {
	v := &vocab{words: words, zipf: make([]uint16, 1<<bits), bits: bits}
	n := len(words)
	cum := make([]uint64, n)
	var total uint64
	for i, x := range ws {
		total += x
		cum[i] = total
	}
	w := 0
	for i := range v.zipf {
		// Slot i covers the cumulative mass at its midpoint.
		x := (uint64(2*i+1) * total) / (2 << bits)
		for w < n-1 && cum[w] <= x {
			w++
		}
		v.zipf[i] = uint16(w)
	}
	return v
}

// Synthetic words are made of consonant-vowel syllables and a final
// consonant, like "bakotun": pronounceable, lowercase ASCII, and, as
// TestVocabulary checks, neither in the VADER lexicon nor stop words nor
// planted. synConsonants and synVowels give 70 syllables.
const (
	synConsonants = "bdfgklmnprstvz"
	synVowels     = "aeiou"
	synFinals     = "klnrs"
)

// synAvoid lists the candidates that are English words with a VADER
// valence (found by TestLargeVocabulary, which checks all maxVocabulary).
const synAvoid = " pitiful severer "

// syntheticWords returns n distinct words of three syllables and a final
// consonant that are not in have. The k-th candidate is taken from a
// bijective scramble of k, so that neighbouring ranks do not look alike.
func syntheticWords(have []string, n int) []string {
	const syl = len(synConsonants) * len(synVowels)
	const space = syl * syl * syl * len(synFinals) // 1,715,000 candidates
	seen := make(map[string]bool, len(have)+n)
	for _, w := range have {
		seen[w] = true
	}
	out := make([]string, 0, n)
	buf := make([]byte, 0, 7)
	for k := 0; len(out) < n && k < space; k++ {
		// 1,000,003 is prime and does not divide space, so k -> x is a
		// bijection of [0, space).
		x := int((uint64(k) * 1_000_003) % uint64(space))
		buf = buf[:0]
		for range 3 {
			s := x % syl
			x /= syl
			buf = append(buf, synConsonants[s/len(synVowels)], synVowels[s%len(synVowels)])
		}
		buf = append(buf, synFinals[x])
		if w := string(buf); !seen[w] && !strings.Contains(synAvoid, " "+w+" ") {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// word returns a Zipf-distributed vocabulary word.
func (v *vocab) word(r *rng) string {
	return v.words[v.zipf[r.u64()>>(64-v.bits)]]
}

// textPlan is what goes into one authored message beyond plain words.
type textPlan struct {
	pos, neg int     // planted sentiment words
	topic    bool    // the planted topic bigram
	mentions []int32 // distinct mentioned users
}

// appendText appends a Slack message text (markup, HTML escapes) following
// plan to dst. w names users and channels for mentions and links.
func appendText(dst []byte, r *rng, w *world, plan *textPlan, withMarkup bool) []byte {
	v := w.vocab
	nSent := 1
	if x := r.intn(100); x < 8 {
		nSent = 3
	} else if x < 30 {
		nSent = 2
	}
	// Planted words go to random sentences, at positions >= 1 so that
	// capitalising the first word never changes them.
	type planted struct {
		sent int
		word string
	}
	var plantBuf [8]planted
	plants := plantBuf[:0]
	for i := 0; i < plan.pos && len(plants) < cap(plantBuf); i++ {
		plants = append(plants, planted{r.intn(nSent), positiveWords[r.intn(len(positiveWords))]})
	}
	for i := 0; i < plan.neg && len(plants) < cap(plantBuf); i++ {
		plants = append(plants, planted{r.intn(nSent), negativeWords[r.intn(len(negativeWords))]})
	}
	if plan.topic {
		plants = append(plants, planted{r.intn(nSent), Topic})
	}
	start := len(dst)
	if withMarkup && len(plan.mentions) > 0 && r.intn(2) == 0 {
		// Address the first mentioned user up front, as people do.
		dst = appendMention(dst, r, w, plan.mentions[0])
		dst = append(dst, ' ')
		start = len(dst)
		plan = &textPlan{pos: plan.pos, neg: plan.neg, topic: plan.topic, mentions: plan.mentions[1:]}
	}
	for s := 0; s < nSent; s++ {
		if len(dst) > start {
			switch x := r.intn(100); {
			case x < 10:
				dst = append(dst, '\n')
			case x < 12:
				dst = append(dst, '\n', '\n')
			case x < 13 && withMarkup:
				dst = append(dst, '\t')
			default:
				dst = append(dst, ' ')
			}
		}
		n := 3 + r.intn(6)
		if r.intn(5) == 0 {
			n = 3 + r.intn(28) // up to 30 words
		}
		// Where the planted words of this sentence go.
		var at [8]int
		var what [8]string
		k := 0
		for _, p := range plants {
			if p.sent == s && k < len(at) {
				at[k], what[k] = 1+r.intn(n-1), p.word
				k++
			}
		}
		for i := 0; i < n; i++ {
			if i > 0 {
				dst = append(dst, ' ')
			}
			wd := v.word(r)
			if i == 0 && r.intn(3) > 0 {
				dst = append(dst, wd[0]-'a'+'A')
				dst = append(dst, wd[1:]...)
			} else {
				dst = append(dst, wd...)
			}
			for j := 0; j < k; j++ {
				if at[j] == i {
					dst = append(dst, ' ')
					dst = append(dst, what[j]...)
				}
			}
		}
		switch x := r.intn(10); {
		case x < 4:
			dst = append(dst, '.')
		case x < 6:
			dst = append(dst, '?')
		case x < 7:
			dst = append(dst, '!')
		}
	}
	if plan.pos > 0 && r.intn(3) == 0 {
		dst = append(dst, ' ')
		dst = append(dst, positiveEmoji[r.intn(len(positiveEmoji))]...)
	}
	if plan.neg > 0 && r.intn(3) == 0 {
		dst = append(dst, ' ')
		dst = append(dst, negativeEmoji[r.intn(len(negativeEmoji))]...)
	}
	if !withMarkup {
		return dst
	}
	for _, u := range plan.mentions {
		dst = append(dst, " cc "...)
		dst = appendMention(dst, r, w, u)
	}
	// One roll for the rarer markup keeps the common case cheap.
	x := r.intn(1000)
	switch {
	case x < 150:
		dst = append(dst, ' ')
		dst = append(dst, neutralEmoji[r.intn(len(neutralEmoji))]...)
	case x < 190:
		dst = append(dst, " see "...)
		dst = appendURL(dst, r, v)
	case x < 220:
		dst = append(dst, " try "...)
		dst = append(dst, codeSpans[r.intn(len(codeSpans))]...)
	case x < 240:
		c := r.intn(len(w.channels))
		dst = append(dst, " in <#"...)
		dst = append(dst, w.channels[c].id...)
		dst = append(dst, '|')
		dst = append(dst, w.channels[c].name...)
		dst = append(dst, '>')
	case x < 260:
		dst = append(dst, ' ')
		dst = append(dst, ampPhrases[r.intn(len(ampPhrases))]...)
	case x < 290:
		dst = append(dst, ' ')
		dst = append(dst, nonASCII[r.intn(len(nonASCII))]...)
	case x < 300:
		dst = append(dst, " <!here>"...)
	case x < 305:
		dst = append(dst, "\n```\n$ make bench\nok  \tbench\t1.2s\n```"...)
	}
	return dst
}

// appendMention appends <@U…> or, sometimes, <@U…|name>.
func appendMention(dst []byte, r *rng, w *world, u int32) []byte {
	dst = append(dst, "<@"...)
	dst = append(dst, w.users[u].id...)
	if r.intn(4) == 0 {
		dst = append(dst, '|')
		dst = append(dst, w.users[u].name...)
	}
	return append(dst, '>')
}

// appendURL appends a Slack link, labelled or bare.
func appendURL(dst []byte, r *rng, v *vocab) []byte {
	dst = append(dst, '<')
	dst = append(dst, urlHosts[r.intn(len(urlHosts))]...)
	dst = append(dst, urlPaths[r.intn(len(urlPaths))]...)
	if r.intn(2) == 0 {
		dst = append(dst, '|')
		dst = append(dst, v.word(r)...)
		dst = append(dst, ' ')
		dst = append(dst, v.word(r)...)
	}
	return append(dst, '>')
}

// appendPlainText appends a short text of vocabulary words only: the text of
// edits and of previous_message, which no aggregate counts.
func appendPlainText(dst []byte, r *rng, v *vocab) []byte {
	n := 3 + r.intn(10)
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, v.word(r)...)
	}
	return dst
}

// appendInt appends the decimal form of a non-negative n.
func appendInt(dst []byte, n int64) []byte {
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// appendBotText appends the text of a bot message: no mentions, no
// sentiment words.
func appendBotText(dst []byte, r *rng) []byte {
	t := botTexts[r.intn(len(botTexts))]
	if i := strings.Index(t, "%d"); i >= 0 {
		dst = append(dst, t[:i]...)
		dst = appendInt(dst, int64(1000+r.intn(9000)))
		return append(dst, t[i+2:]...)
	}
	return append(dst, t...)
}
