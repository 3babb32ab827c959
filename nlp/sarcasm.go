package nlp

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SarcasmModelVersion names the cue set, its feature order and the weights
// trained for it. Change it whenever a cue is added, removed or redefined,
// then retrain (go run ./bench/cmd/trainsarcasm): TestSarcasmWeightsVersion
// fails until the generated weights carry the same version.
//
// sarcasm-v2 added CueLoveHow and CueWhQuestion to the 21 cues of
// sarcasm-v1 and stopped counting the pieces of an @handle as words.
// sarcasm-v3 keeps those cues but narrows the unwelcome events of
// CuePositiveEvent to events unwelcome at work as well: in tweets "love
// going to work" is a complaint, in Slack "great meeting" is praise, so
// meeting, work, job, hours, pay and the like no longer count; and it
// reports a prior-corrected probability (see SarcasmPrior).
const SarcasmModelVersion = "sarcasm-v3"

// SarcasmPrior is the share of sarcastic messages that Analysis.Sarcasm
// assumes before it reads a message. The model is trained on tweets of
// which a quarter are sarcastic, a base rate no workplace has; its odds
// are divided by that training base rate's and multiplied by this prior's
// (Saerens, Latinne and Decaestecker, "Adjusting the Outputs of a
// Classifier to New a Priori Probabilities", Neural Computation 2002), so
// what the cues add, the likelihood ratio, is kept and the base rate is
// the stated one. One message in ten is a generous guess for an office:
// a lower prior lowers every probability and makes a flag rarer still.
const SarcasmPrior = 0.10

// sarcasmPriorLogOdds is log(SarcasmPrior / (1-SarcasmPrior)), a constant
// so that scoring does not recompute it; TestSarcasmPrior checks it.
const sarcasmPriorLogOdds = -2.1972245773362196

// SarcasmThreshold is the probability from which Analysis.Sarcastic
// reports true: more likely sarcastic than not under SarcasmPrior, which
// means the cues must make sarcasm at least nine times likelier than
// sincerity. Plain praise ("I love this great tool") moves the odds by
// about two and is not flagged; praise with something that contradicts
// it ("oh great, another outage") is. The threshold does not depend on
// the training data's base rate, so it keeps its meaning for any corpus.
const SarcasmThreshold = 0.5

// SarcasmCue is one explicit sarcasm signal. The cues are read off the
// tokens and lexicon lookups that Analyze already makes, in one pass, with
// no second tokenization and no allocation. Each constant below documents
// its cue with an example that fires it; sarcasm_test.go checks every
// example, and a plain counterexample that must not fire.
//
// Words are matched lowercased, with the typographic apostrophe read as
// ASCII ("can’t" is "can't"). Phrases match consecutive words; punctuation
// between them is allowed ("oh, great").
type SarcasmCue uint8

// The sarcasm cues, in feature order. Each is 1 when it fires and 0
// otherwise; the model weighs them (see sarcasm_weights.go). Counter-cues
// mark sincere messages and get negative weights. CueMarker to CueLink are
// the cues of sarcasm-v1, unchanged; the cues after CueLink were added in
// sarcasm-v2.
const (
	// CueMarker: an explicit marker, "/s" or the hashtags #sarcasm,
	// #sarcastic, #not, #irony, #ironic.
	//	"that went well /s"
	CueMarker SarcasmCue = iota
	// CueInterjection: oh, ah, ooh, ohh, wow, whoa, gee, yay, wait.
	//	"oh wow, another reorg"
	CueInterjection
	// CueAgreement: mock agreement: yeah, yea, yep, yes, sure, okay, ok,
	// fine, totally, definitely, absolutely, "of course".
	//	"yeah sure, that will work"
	CueAgreement
	// CueIronicAdverb: words of feigned certainty or doubt: obviously,
	// clearly, apparently, surely, maybe, probably, perhaps, seems, guess,
	// should, must.
	//	"apparently the tests are optional now"
	CueIronicAdverb
	// CuePraise: the praise words sarcasm favours: fun, nice, perfect,
	// glad, cool, great, lovely, wonderful, brilliant, fantastic, amazing,
	// awesome, excellent, thrilled, delighted, genius.
	//	"great, the VPN is down"
	CuePraise
	// CueLove: love, loves, loving, enjoy, adore.
	//	"i love being on call"
	CueLove
	// CueThanks: thanks, thank, thx.
	//	"thanks for breaking the build"
	CueThanks
	// CuePhrase: a stock sarcastic phrase: "love it when", "love when",
	// "love how", "gotta love", "thanks a lot", "thanks for nothing",
	// "just what I needed" (or "exactly what we wanted"), "yeah right",
	// "can't wait", "looking forward", "who knew", "what a surprise".
	//	"love it when the build breaks at 5pm"
	CuePhrase
	// CueScareQuotes: one to three words wrapped in quotes glued to them
	// ("…", “…”, '…', ‘…’, &quot;…&quot;, ✨…✨).
	//	`the "quick" fix took all week`
	CueScareQuotes
	// CueEllipsis: "..", "..." or "…".
	//	"sure, that will work..."
	CueEllipsis
	// CueElongation: a letter typed three times in a row.
	//	"sooo excited"
	CueElongation
	// CueCapsSentiment: an ALL-CAPS sentiment word or booster in a message
	// that is not all caps.
	//	"I just LOVE mandatory fun"
	CueCapsSentiment
	// CueExclaimNegative: an exclamation mark in a negative message.
	//	"the worst release ever!"
	CueExclaimNegative
	// CueQuestion: a question mark. Rhetorical questions are a common form
	// of sarcasm; genuine questions are commoner, so this cue is weak.
	//	"why would anyone test before merging?"
	CueQuestion
	// CueIronyEmoji: 🙃 🙄 😒 😑 🤡 🤔 😉 😏 😜 🤪, ";)" and their Slack
	// codes (:upside_down_face:, :eye_roll:, :face_with_rolling_eyes:,
	// :unamused:, :expressionless:, :clown_face:, :thinking_face:, :wink:,
	// :smirk:).
	//	"prod is down again 🙃"
	CueIronyEmoji
	// CueLaughter: lol, lmao, lmfao, rofl, haha…, hehe…, 😂 🤣 and
	// :joy:, :laughing:, :rolling_on_the_floor_laughing:.
	//	"my laptop died mid-demo lol"
	CueLaughter
	// CueEmojiContrast: the words and the emoji of a message have opposite
	// sentiment.
	//	"i hate it here :heart:", "i hate it here 🥰"
	CueEmojiContrast
	// CuePositiveEvent: positive sentiment about a negative situation: a
	// praise, love or thanks word (see CuePraise, CueLove, CueThanks) in a
	// message that also has a negative word (VADER valence < 0 after
	// negation) or a word for a typically unwelcome event or chore
	// (monday, traffic, rain, exam, deadline, stuck, late, delayed,
	// broken, outage, crashed, queue, bills, taxes, sleep, waiting,
	// overtime, sick, again, another, …; see sarcasmWordClass). Since
	// sarcasm-v3 the everyday nouns of work (meeting, work, job, hours,
	// pay, school) are not among them: praise of them is usually sincere.
	//	"love spending my saturday stuck in traffic"
	CuePositiveEvent
	// CueYou: the message addresses someone: you, your, you're, u, ur.
	//	"you must be so proud of that merge"
	CueYou
	// CueSincere (counter-cue): words of wishes, requests and earnest
	// feeling: please, pls, hope, wish, want, need, miss, proud, grateful,
	// blessed, congrats, congratulations, honestly, seriously, sorry,
	// support, recommend, sad, cry, crying, birthday, feel, feeling,
	// excited, favorite, favourite, beautiful, happy, and 🥺 /
	// :pleading_face:. In the labelled tweets these mark sincerity more
	// often than irony.
	//	"please review when you can"
	CueSincere
	// CueLink (counter-cue): the message carries a URL; shared links are
	// rarely sarcastic.
	//	"release notes: https://example.com/notes"
	CueLink
	// CueLoveHow (v2): the ironic-appreciation frame, in which a word of
	// liking introduces what is in fact a complaint: love, loves, loving,
	// enjoy or adore followed by "how", "when", "it when" or a verb in
	// -ing ("love being on call", "enjoy waiting"); "gotta love" and "got
	// to love"; "favorite part", "favourite thing" (part, thing, bit). It
	// overlaps CuePhrase on "love how/when" and "gotta love" and adds
	// weight to them: in the labelled tweets this frame is sarcastic far
	// more often than the other stock phrases ("can't wait" is usually
	// sincere).
	//	"love being on call on a holiday weekend"
	//	"my favorite part of the release is the rollback"
	CueLoveHow
	// CueWhQuestion (v2, counter-cue): the message opens with why, how,
	// where, when, what, who or which and asks a question. Such questions
	// mostly ask for information or vent directly; the rhetorical
	// questions of sarcasm more often open otherwise ("is it just me…",
	// "did you know…"). Leading @handles and Slack mentions are skipped.
	//	"why is the staging db read-only?"
	CueWhQuestion

	numSarcasmCues
)

// Continuous features follow the cues in the feature vector. The length
// term lets the model discount long messages, in which some cue word
// appears by chance. It counts Words less the words and numbers that
// make up @handles typed as plain text ("@ann_lee" is three tokens): a
// Slack mention is one Mention token and never a word, so handles in
// the labelled tweets would otherwise make them look longer than the
// same message in Slack.
const (
	featPos    = int(numSarcasmCues) + iota // Sentiment.Pos
	featNeg                                 // Sentiment.Neg
	featLength                              // log(1+Words-handle words)/4
	numSarcasmFeatures
)

var sarcasmCueNames = [numSarcasmCues]string{
	CueMarker:          "marker",
	CueInterjection:    "interjection",
	CueAgreement:       "agreement",
	CueIronicAdverb:    "ironic_adverb",
	CuePraise:          "praise",
	CueLove:            "love",
	CueThanks:          "thanks",
	CuePhrase:          "phrase",
	CueScareQuotes:     "scare_quotes",
	CueEllipsis:        "ellipsis",
	CueElongation:      "elongation",
	CueCapsSentiment:   "caps_sentiment",
	CueExclaimNegative: "exclaim_negative",
	CueQuestion:        "question",
	CueIronyEmoji:      "irony_emoji",
	CueLaughter:        "laughter",
	CueEmojiContrast:   "emoji_contrast",
	CuePositiveEvent:   "positive_event",
	CueYou:             "you",
	CueSincere:         "sincere",
	CueLink:            "link",
	CueLoveHow:         "love_how",
	CueWhQuestion:      "wh_question",
}

// String returns the cue's snake_case name, as the score command prints it.
func (c SarcasmCue) String() string {
	if c < numSarcasmCues {
		return sarcasmCueNames[c]
	}
	return "SarcasmCue(" + strconv.Itoa(int(c)) + ")"
}

// SarcasmCueSet is the set of cues that fired for a message.
type SarcasmCueSet uint32

// Has reports whether c is in the set.
func (s SarcasmCueSet) Has(c SarcasmCue) bool { return s&(1<<c) != 0 }

// AppendNames appends the names of the cues in the set, in feature order.
// It allocates only when dst lacks capacity.
func (s SarcasmCueSet) AppendNames(dst []string) []string {
	for c := range numSarcasmCues {
		if s.Has(c) {
			dst = append(dst, sarcasmCueNames[c])
		}
	}
	return dst
}

// SarcasmCues lists every cue in feature order.
func SarcasmCues() []SarcasmCue {
	cs := make([]SarcasmCue, numSarcasmCues)
	for c := range cs {
		cs[c] = SarcasmCue(c)
	}
	return cs
}

// SarcasmFeatureNames names the entries of SarcasmFeatures: the cue names,
// then "pos", "neg" and "length".
func SarcasmFeatureNames() []string {
	names := SarcasmCueSet(1<<numSarcasmCues - 1).AppendNames(make([]string, 0, numSarcasmFeatures))
	return append(names, "pos", "neg", "length")
}

// SarcasmCues returns the cues that fired in the last Analyze call.
func (out *Analysis) SarcasmCues() SarcasmCueSet { return out.sarc.cues }

// Sarcastic reports whether the sarcasm probability reaches
// SarcasmThreshold.
func (out *Analysis) Sarcastic() bool { return out.Sarcasm >= SarcasmThreshold }

// SarcasmFeatures appends the model's feature vector for the last Analyze
// call to dst: 1 or 0 per cue, then the positive and negative proportions
// of the sentiment and a length term (see featLength). It exists for
// training (bench/cmd/trainsarcasm) and inspection: Sarcasm is the
// logistic model applied to it, prior-corrected (see SarcasmPrior).
func (out *Analysis) SarcasmFeatures(dst []float64) []float64 {
	var f [numSarcasmFeatures]float64
	out.sarcasmFeatures(&f)
	return append(dst, f[:]...)
}

func (out *Analysis) sarcasmFeatures(f *[numSarcasmFeatures]float64) {
	for c := range numSarcasmCues {
		if out.sarc.cues.Has(c) {
			f[c] = 1
		}
	}
	f[featPos] = out.Sentiment.Pos
	f[featNeg] = out.Sentiment.Neg
	f[featLength] = math.Log1p(float64(out.Words-out.sarc.handleWords)) / 4
}

// sarcasmScore finishes the cues once the sentiment is known and applies
// the logistic model.
func (out *Analysis) sarcasmScore() float64 {
	s := &out.sarc
	if s.capsPending && s.anyLower {
		s.set(CueCapsSentiment)
	}
	if out.ep > 0 && out.Sentiment.Compound <= -posThreshold {
		s.set(CueExclaimNegative)
	}
	if (s.wordSum > 0 && s.emojiSum < 0) || (s.wordSum < 0 && s.emojiSum > 0) {
		s.set(CueEmojiContrast)
	}
	if (s.event || s.wordNeg > 0) && s.cues&(1<<CuePraise|1<<CueLove|1<<CueThanks) != 0 {
		s.set(CuePositiveEvent)
	}
	if s.firstWh && s.cues.Has(CueQuestion) {
		s.set(CueWhQuestion)
	}
	if out.Words == 0 && len(out.items) == 0 && s.cues == 0 {
		return 0 // nothing to read: not sarcastic, whatever the bias says
	}
	var f [numSarcasmFeatures]float64
	out.sarcasmFeatures(&f)
	return sigmoid(sarcasmLogOdds(&f))
}

// sarcasmLogOdds is the model's log-odds for features f, with the training
// base rate swapped for SarcasmPrior.
func sarcasmLogOdds(f *[numSarcasmFeatures]float64) float64 {
	z := sarcasmBias - sarcasmTrainLogOdds + sarcasmPriorLogOdds
	for j := range f {
		z += sarcasmWeights[j] * f[j]
	}
	return z
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// sarcasmState follows the token stream of one Analyze call. It holds no
// strings, so resetting it is a plain assignment.
type sarcasmState struct {
	cues SarcasmCueSet
	// The last three words' classes, most recent first.
	prev [3]wordClass
	// negWindow counts down the words still inside the last negator's
	// window (VADER's is three words); zero means not negated.
	negWindow int
	// Sentiment of the words (after negation) and of the emoji.
	wordPos, wordNeg  int
	wordSum, emojiSum float64
	event             bool // a word for an unwelcome event (wcEvent)
	capsPending       bool // an ALL-CAPS sentiment word; fires if the text has lowercase
	anyLower          bool
	slashOrHash       byte // '/' or '#' glued before this token
	quote             int8 // scare quotes: 0 none, 1 opener seen, 2 inside
	quoteWords        int8
	prevKind          TokenKind
	handle            bool // in a whitespace-delimited chunk that starts with '@'
	handleWords       int  // words and numbers inside such chunks
	seenWord          bool // a word outside handles has been seen
	firstWh           bool // and it was a wh-word
}

func (s *sarcasmState) set(c SarcasmCue) { s.cues |= 1 << c }

// wordClass groups the words that cues look for.
type wordClass uint8

const (
	wcNone wordClass = iota
	wcInterj
	wcAgree
	wcAdverb
	wcPraise
	wcLove
	wcThanks
	wcLaugh
	wcEvent
	wcSincere
	wcYou
	// Parts of phrases; some also belong to a group above (see classCue).
	wcYeah  // agreement
	wcRight // "yeah right"
	wcA
	wcLot
	wcFor
	wcNothing
	wcIt
	wcWhen // when, how
	wcGot  // got, gotta
	wcTo
	wcJust
	wcWhat
	wcI
	wcNeeded
	wcCant
	wcWait
	wcLooking
	wcForward
	wcWho
	wcKnew
	wcSurprise
	wcOf
	wcCourse
	wcMarkerWord // sarcasm, sarcastic, not, irony, ironic: after '#'
	wcWh         // why, where, which (how, when, what, who have classes above)
	wcFavorite   // favorite, favourite: sincere, and "favorite part"
	wcPart       // part, thing, bit
)

// classCue returns the word-group cue that words of class c fire, if any.
func classCue(c wordClass) (SarcasmCue, bool) {
	switch c {
	case wcInterj, wcWait:
		return CueInterjection, true
	case wcAgree, wcYeah:
		return CueAgreement, true
	case wcAdverb:
		return CueIronicAdverb, true
	case wcPraise:
		return CuePraise, true
	case wcLove:
		return CueLove, true
	case wcThanks:
		return CueThanks, true
	case wcLaugh:
		return CueLaughter, true
	case wcSincere, wcFavorite:
		return CueSincere, true
	case wcYou:
		return CueYou, true
	}
	return 0, false
}

// sarcasmWordClass classifies a lowercase word. A switch on constant
// strings compiles to a search on length, then value: no hashing and no
// allocation.
func sarcasmWordClass(w string) wordClass {
	if len(w) > 15 || len(w) == 0 {
		return wcNone
	}
	switch w {
	case "oh", "ah", "ooh", "ohh", "wow", "whoa", "gee", "yay":
		return wcInterj
	case "yeah", "yea", "yep":
		return wcYeah
	case "yes", "sure", "ok", "okay", "fine", "totally", "definitely", "absolutely":
		return wcAgree
	case "obviously", "clearly", "apparently", "surely", "maybe", "probably",
		"perhaps", "seems", "guess", "should", "must":
		return wcAdverb
	case "fun", "nice", "perfect", "glad", "cool", "great", "lovely", "wonderful",
		"brilliant", "fantastic", "amazing", "awesome", "excellent", "thrilled",
		"delighted", "genius":
		return wcPraise
	case "love", "loves", "loving", "enjoy", "adore":
		return wcLove
	case "thanks", "thank", "thx":
		return wcThanks
	case "lol", "lmao", "lmfao", "rofl", "lolol", "lulz":
		return wcLaugh
	case "please", "pls", "hope", "wish", "want", "need", "miss", "proud", "grateful",
		"blessed", "congrats", "congratulations", "honestly", "sad", "cry",
		"crying", "birthday", "feel", "feeling", "excited",
		"beautiful", "happy", "sorry", "support", "recommend", "seriously":
		return wcSincere
	case "favorite", "favourite":
		return wcFavorite
	// Unwelcome events and chores: the usual targets of positive words
	// used sarcastically, less the everyday nouns of work (sarcasm-v3).
	case "monday", "mondays", "traffic", "rain", "raining",
		"exam", "exams",
		"homework", "deadline", "deadlines", "stuck", "late", "delayed", "broke",
		"broken", "outage", "crashed", "queue", "bills", "taxes", "tax",
		"rent", "dentist", "commute", "sleep", "waiting", "overtime",
		"sick", "flu", "covid", "pandemic", "lockdown", "again", "another":
		return wcEvent
	case "you", "your", "you're", "youre", "u", "ur", "yours", "y'all":
		return wcYou
	case "right":
		return wcRight
	case "a":
		return wcA
	case "lot":
		return wcLot
	case "for":
		return wcFor
	case "nothing":
		return wcNothing
	case "it":
		return wcIt
	case "when", "how":
		return wcWhen
	case "gotta", "got":
		return wcGot
	case "to":
		return wcTo
	case "just", "exactly":
		return wcJust
	case "what":
		return wcWhat
	case "i", "we":
		return wcI
	case "needed", "wanted":
		return wcNeeded
	case "can't", "cant", "cannot":
		return wcCant
	case "wait":
		return wcWait
	case "looking":
		return wcLooking
	case "forward":
		return wcForward
	case "who":
		return wcWho
	case "knew":
		return wcKnew
	case "surprise":
		return wcSurprise
	case "of":
		return wcOf
	case "course":
		return wcCourse
	case "sarcasm", "sarcastic", "not", "irony", "ironic":
		return wcMarkerWord
	case "why", "where", "which":
		return wcWh
	case "part", "thing", "bit":
		return wcPart
	}
	if len(w) >= 4 && (strings.HasPrefix(w, "haha") || strings.HasPrefix(w, "hehe") ||
		strings.HasPrefix(w, "ahah") || strings.HasPrefix(w, "lolo")) {
		return wcLaugh
	}
	return wcNone
}

// phrase reports whether word class c, after p0, p1, p2 (most recent
// first), completes a stock sarcastic phrase.
func phrase(c, p0, p1, p2 wordClass) bool {
	switch c {
	case wcRight:
		return p0 == wcYeah // yeah right
	case wcLot:
		return p0 == wcA && p1 == wcThanks // thanks a lot
	case wcNothing:
		return p0 == wcFor && p1 == wcThanks // thanks for nothing
	case wcNeeded:
		return p0 == wcI && p1 == wcWhat && p2 == wcJust // just what I needed
	case wcWhen:
		return p0 == wcLove || (p0 == wcIt && p1 == wcLove) // love (it) when/how
	case wcLove:
		return p0 == wcGot || (p0 == wcTo && p1 == wcGot) // gotta love, got to love
	case wcWait:
		return p0 == wcCant // can't wait
	case wcForward:
		return p0 == wcLooking // looking forward
	case wcKnew:
		return p0 == wcWho // who knew
	case wcSurprise:
		return p0 == wcA && p1 == wcWhat // what a surprise
	}
	return false
}

// loveFrame reports whether word class c (the word low), after p0, p1
// (most recent first), completes the frame of CueLoveHow.
func loveFrame(c, p0, p1 wordClass, low string) bool {
	switch {
	case c == wcWhen: // love how, love when, love it when
		return p0 == wcLove || (p0 == wcIt && p1 == wcLove)
	case c == wcLove: // gotta love, got to love
		return p0 == wcGot || (p0 == wcTo && p1 == wcGot)
	case c == wcPart: // favorite part
		return p0 == wcFavorite
	case p0 == wcLove: // love being, enjoy waiting
		return len(low) > 4 && strings.HasSuffix(low, "ing")
	}
	return false
}

// sarcasmToken feeds token i to the cue detector. itemsFrom is the number
// of VADER items before the token: an emoji token's items follow it.
func (out *Analysis) sarcasmToken(i, itemsFrom int) {
	s := &out.sarc
	tk := &out.toks[i]
	glued := i > 0 && tk.Flags&SpaceBefore == 0
	if !glued {
		s.handle = tk.Kind == Punct && strings.HasPrefix(tk.Text, "@")
	}
	if s.handle && (tk.Kind == Word || tk.Kind == Number) {
		s.handleWords++
	}
	if tk.Flags&Lower != 0 {
		s.anyLower = true
	}
	slash := s.slashOrHash
	s.slashOrHash = 0
	switch tk.Kind {
	case Word:
		out.sarcasmWord(tk, glued, slash)
	case Number:
		s.quoteWord(glued)
		s.prev = [3]wordClass{wcNone, s.prev[0], s.prev[1]}
		if s.negWindow > 0 {
			s.negWindow--
		}
	case Punct:
		s.sarcasmPunct(tk, glued)
	case Emoji:
		out.sarcasmEmoji(tk, glued, itemsFrom)
	case URL:
		s.set(CueLink)
		s.quote = 0
	default:
		s.quote = 0
	}
	s.prevKind = tk.Kind
}

func (out *Analysis) sarcasmWord(tk *Token, glued bool, slash byte) {
	s := &out.sarc
	low := out.lastLow // Analyze's topicWord has just lowered and looked up this word
	e := out.lastEntry
	c := sarcasmWordClass(low)
	s.quoteWord(glued)
	switch slash {
	case '/':
		if low == "s" || low == "sarcasm" {
			s.set(CueMarker)
		}
	case '#':
		if c == wcMarkerWord {
			s.set(CueMarker)
		}
	}
	if cue, ok := classCue(c); ok {
		s.set(cue)
	}
	if c == wcEvent {
		s.event = true
	}
	if phrase(c, s.prev[0], s.prev[1], s.prev[2]) {
		s.set(CuePhrase)
	}
	if c == wcCourse && s.prev[0] == wcOf {
		s.set(CueAgreement) // of course
	}
	if loveFrame(c, s.prev[0], s.prev[1], low) {
		s.set(CueLoveHow)
	}
	if !s.seenWord && !s.handle {
		s.seenWord = true
		s.firstWh = c == wcWh || c == wcWhen || c == wcWhat || c == wcWho
	}

	val := 0.0
	if out.lastFound && e.flags&fLex != 0 {
		val = float64(e.val) / 10
	}
	booster := out.lastFound && e.flags&fBoost != 0 && e.flags&fDampen == 0
	negator := (out.lastFound && e.flags&fNeg != 0) ||
		(!out.lastFound && strings.IndexByte(low, '\'') > 0 && strings.Contains(low, "n't"))
	v := val
	if s.negWindow > 0 {
		v *= nScalar
	}
	switch {
	case v > 0:
		s.wordPos++
	case v < 0:
		s.wordNeg++
	}
	s.wordSum += v
	if tk.Flags&Upper != 0 && tk.Flags&Lower == 0 && (val != 0 || booster) && (len(low) >= 3 || booster) {
		s.capsPending = true
	}
	if hasElongation(low) {
		s.set(CueElongation)
	}
	if negator {
		s.negWindow = 3
	} else if s.negWindow > 0 {
		s.negWindow--
	}
	s.prev = [3]wordClass{c, s.prev[0], s.prev[1]}
}

// hasElongation reports a letter repeated three times ("sooo"). Digits
// and non-ASCII bytes do not count.
func hasElongation(w string) bool {
	run := 1
	for k := 1; k < len(w); k++ {
		c := w[k]
		if c == w[k-1] && c >= 'a' && c <= 'z' {
			run++
			if run >= 3 {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

// quoteWord advances the scare-quote state over a word or number.
func (s *sarcasmState) quoteWord(glued bool) {
	switch s.quote {
	case 1:
		if glued {
			s.quote, s.quoteWords = 2, 1
		} else {
			s.quote = 0
		}
	case 2:
		s.quoteWords++
		if s.quoteWords > 3 {
			s.quote = 0
		}
	}
}

func isQuoteRune(r rune) bool {
	switch r {
	case '"', '\'', '\u201C', '\u201D', '\u2018', '\u2019', '\u00AB', '\u00BB':
		return true
	}
	return false
}

// quoteMark handles a token that starts (first) or ends (last) with a
// quote mark: it closes an open scare quote when glued to the word before
// it, and otherwise may open one.
func (s *sarcasmState) quoteMark(glued, first, last bool) {
	if first && s.quote == 2 && glued && s.prevKind == Word {
		s.set(CueScareQuotes)
		s.quote = 0
		return
	}
	if last && (!glued || s.prevKind != Word) {
		s.quote = 1
		return
	}
	s.quote = 0
}

func (s *sarcasmState) sarcasmPunct(tk *Token, glued bool) {
	t := tk.Text
	first, _ := utf8.DecodeRuneInString(t)
	last, _ := utf8.DecodeLastRuneInString(t)
	s.quoteMark(glued, isQuoteRune(first), isQuoteRune(last))
	if tk.Flags&Decoded != 0 {
		return
	}
	if (last == '/' || last == '#') && (!glued || len(t) > 1) {
		s.slashOrHash = byte(last)
	}
	if strings.Contains(t, "..") || strings.Contains(t, "…") {
		s.set(CueEllipsis)
	}
	if strings.IndexByte(t, '?') >= 0 {
		s.set(CueQuestion)
	}
	if t == ";)" || t == ";-)" || t == ";P" || t == ";p" {
		s.set(CueIronyEmoji)
	}
}

func (out *Analysis) sarcasmEmoji(tk *Token, glued bool, itemsFrom int) {
	s := &out.sarc
	v := 0.0
	for k := itemsFrom; k < len(out.items); k++ {
		if out.items[k].is(fLex) {
			v += out.items[k].val
		}
	}
	s.emojiSum += v
	if tk.Flags&NonASCII != 0 {
		r, _ := utf8.DecodeRuneInString(tk.Text)
		switch r {
		case 0x1F643, 0x1F644, 0x1F612, 0x1F611, 0x1F921, 0x1F914, // 🙃 🙄 😒 😑 🤡 🤔
			0x1F609, 0x1F60F, 0x1F61C, 0x1F92A: // 😉 😏 😜 🤪
			s.set(CueIronyEmoji)
		case 0x1F602, 0x1F923: // 😂 🤣
			s.set(CueLaughter)
		case 0x1F97A: // 🥺
			s.set(CueSincere)
		case 0x2728: // ✨ used as quotes: ✨disappear✨
			s.quoteMark(glued, true, true)
			return
		}
	} else {
		switch tk.Text {
		case "upside_down_face", "eye_roll", "rolling_eyes", "face_with_rolling_eyes",
			"unamused", "expressionless", "clown_face", "clown", "thinking_face",
			"wink", "smirk", "stuck_out_tongue_winking_eye", "zany_face":
			s.set(CueIronyEmoji)
		case "joy", "laughing", "satisfied", "rolling_on_the_floor_laughing":
			s.set(CueLaughter)
		case "pleading_face":
			s.set(CueSincere)
		case "sparkles":
			s.quoteMark(glued, true, true)
			return
		}
	}
	s.quote = 0
}
