// Package nlp turns the text of one Slack message into counts, entities,
// topic candidates and a VADER sentiment score. It is pure computation over
// strings: no I/O, no package state that changes, and safe for concurrent
// use. The pipeline calls it once per message, so it is built for
// throughput and for zero allocations per message.
//
// # Usage and concurrency contract
//
//	a := nlp.New()          // once per process: builds the lexicon tables
//	var out nlp.Analysis    // once per goroutine
//	for msg := range msgs {
//		a.Analyze(msg.Text, &out)
//		// copy what you keep: out's strings are reused by the next call
//	}
//
// An *Analyzer is immutable after New and may be shared by any number of
// goroutines. An *Analysis belongs to one goroutine at a time. Analyze
// resets it and reuses its buffers; strings in it are valid until the next
// Analyze call on the same *Analysis (strings.Clone what you keep).
//
// # Tokenizer
//
// Tokenize is hand-written rather than built on regexp or a general NLP
// tokenizer because Slack markup is context-sensitive (":" opens an emoji
// only when not glued to a word; "<" is markup only when followed by @, #,
// ! or a URL scheme; "*" is bold only at a word edge), because it must be
// linear on adversarial input (unclosed backticks, megabytes of "<@"), and
// because it runs on every message: an ASCII class table drives the common
// path and UTF-8 is decoded only for bytes >= 0x80. It recognises:
//
//	<@U123> <@U123|name>          Mention, Text "U123"
//	<#C123|general>               ChannelLink, Text "C123"
//	<!here> <!subteam^S1|@team>   Special, Text "here", "subteam^S1"
//	<https://x.y|label>           URL, Text "https://x.y"; the label is dropped
//	https://x.y www.x.y           URL (bare; trailing sentence punctuation excluded)
//	:smile: :+1::skin-tone-2:     Emoji, Text "smile", "+1"
//	👍🏽 ❤️ 👩‍💻 🇫🇷                  Emoji, one token per cluster
//	`code` ```block```            Code, Text is the content
//	*bold* _italic_ ~strike~      markers dropped, words kept
//	&amp; &lt; &gt; &quot;        Punct with the Decoded flag
//	don't e-mail 3.14 10:30       Word / Number
//
// Tokens split on any Unicode whitespace. Every other byte, invalid UTF-8
// included, lands in some token, so Tokenize never loses or panics on input.
//
// # Topics
//
// Topic candidates are lowercase Word tokens that are not stop words (see
// stopWords: NLTK's English list plus contractions and chat filler such as
// "lol", "u", "gonna"), have at least three characters, and are folded to a
// singular: "'s" is dropped; "-ies" becomes "-y" for words longer than four
// letters ("policies" -> "policy"); a final "s" is dropped unless the word
// ends in "ss", "us" or "is" ("deploys" -> "deploy", but "class", "bus",
// "analysis" stay). Words with digits ("k8s") and a short exception list
// ("news", "series", "kubernetes", "movies" -> "movie") are handled
// explicitly. Bigrams "a b" join two candidates that are adjacent in the
// token stream: a stop word, number, mention, URL, emoji, code span or
// punctuation between them breaks the pair. Output is distinct and sorted.
//
// # Sentiment: VADER, reimplemented
//
// Sentiment follows VADER (Hutto & Gilbert, ICWSM 2014) rule for rule:
// lexicon valence; booster and dampener words (±0.293) with distance decay
// 0.95 and 0.9; ALL-CAPS emphasis (+0.733) only when the text mixes case;
// a three-item negation window (×-0.74) with the "never so/this" (×1.25)
// and "without doubt" cases; "no" as a negator; "least" (but not "at
// least"); "kind of"; VADER's special-case idioms ("the shit", "kiss of
// death", "yeah right", …) and multi-word dampeners; the contrastive "but"
// (×0.5 before, ×1.5 after); "!" (up to 4 × 0.292) and "?" (0.18 each for
// 2-3, 0.96 beyond) emphasis; compound = x/sqrt(x²+15); and the pos/neu/neg
// proportions. VADER's sentiment-laden idioms ("cut the mustard") are, as
// in the reference implementation, defined there but never applied, so
// they are not applied here either.
//
// The lexicon and the emoji descriptions are read at New from govader's
// embedded data (github.com/jonreiter/govader/data), never copied into this
// repository. They are compiled into one open-addressing table keyed by
// lowercase word whose entries carry everything a rule or the topic
// extractor asks about (valence, booster, negation, stop word, the few
// words rules compare by identity), so each word costs one probe and the
// rules compare small integers, not strings. A slot identifies a word of
// up to eight bytes by its length and its bytes packed into one integer,
// so most hits never read key bytes. Lexicon keys with capitals (":D")
// are dropped because VADER lowercases before looking up and so can never
// reach them.
//
// AnalyzeSentiment computes the score alone, as Analyze computes it, bit
// for bit, without the topic, sarcasm and list work. It also skips the
// tokenizer for plain pieces: a whitespace-delimited piece of ASCII
// letters, digits and punctuation with nothing the tokenizer treats
// specially (no markup, escape, emoji code, code, formatting marker or
// URL) is exactly one VADER item, so it is lowercased, stripped and looked
// up in one pass over its bytes. Other pieces go through Tokenize and the
// same code as Analyze. TestSentimentMatchesAnalyze and
// FuzzSentimentMatchesAnalyze hold the two routes to the same result.
// BenchmarkSentiment measures it against govader; the README quotes the
// figures.
//
// Where govader and the Python reference differ, we follow the intent:
// items are split on any whitespace run as in Python (govader splits on
// single spaces and scores the empty strings), "but" is applied by position
// (Python's list.index finds equal values), and "never so/this" is read
// with the intended precedence (as govader does; Python's applies it to any
// "so"/"this"). The ground-truth test documents every label on which we
// and govader disagree.
//
// # Slack awareness
//
// VADER sees a message as whitespace-separated items with punctuation
// stripped from their ends. We rebuild exactly those items from tokens,
// after removing what is not prose: mentions, channel links, specials,
// URLs with their labels, and code. HTML escapes are decoded first, so
// "&lt;3" scores as the emoticon "<3". A typographic apostrophe is read as
// ASCII, so "don’t" negates.
//
// Slack emoji codes are lexicon items with valences from slackEmojiValence,
// a table of about 80 codes on VADER's -4..+4 scale anchored to VADER's own
// emoticons (":smile:" = ":)" = 2.0, ":heart:" = "<3" = 1.9) and adjusted
// for workplace usage (":upside_down_face:" is a mild sarcasm cue, -0.5;
// ":slightly_smiling_face:" is politeness, 1.0). Codes outside the table
// fall back to the lexicon ("sad", "angry"). Unicode emoji are replaced by
// their descriptions from VADER's emoji lexicon, as VADER does.
//
// groundtruth_test.go checks the scores against VADER's human-rated
// tweets and against govader's labels; the README gives the agreement.
//
// # Sarcasm
//
// Analysis.Sarcasm is the probability that a message is sarcastic, from a
// logistic model (SarcasmModelVersion, "sarcasm-v3") over explicit cues
// read in the same pass over the tokens, without allocating. Each cue is
// a SarcasmCue constant whose comment gives its words and an example; the
// cues are markers ("/s", #not), interjections ("oh wow"), mock agreement
// ("yeah sure"), ironic adverbs ("apparently"), praise, love and thanks
// words, stock phrases ("thanks for nothing"), scare quotes, ellipses,
// elongation ("sooo"), ALL-CAPS sentiment words, "!" in a negative
// message, "?", irony and laughing emoji (🙃 🙄 😂), emoji whose sentiment
// contradicts the words, positive words about an unwelcome event ("love
// spending my saturday stuck in traffic"), addressing someone ("you"), the
// ironic-appreciation frame ("love being on call"), and the counter-cues
// sincere words ("please", "congrats"), links and questions that open with
// a wh-word. Analysis.SarcasmCues says which cues fired.
//
// The weights (sarcasm_weights.go) are generated by go run
// ./bench/cmd/trainsarcasm from 3,468 author-labelled tweets
// (iSarcasmEval), which stay outside the repository; the file gives the
// cross-validated and held-out figures. A quarter of those tweets are
// sarcastic, far more than any office's messages, so the model's odds are
// prior-corrected: what the cues say (the likelihood ratio) is kept, and
// the base rate becomes SarcasmPrior. A message is flagged (Sarcastic)
// when it is then more likely sarcastic than not. Praise alone is
// sentiment, not sarcasm: it moves the odds a little, and only praise that
// something contradicts is flagged. Sarcasm in short text is hard to see
// from cues alone: treat the score as a weak signal whose averages over
// many messages mean more than any one message's label.
package nlp
