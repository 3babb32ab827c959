// Package phrase finds the noun phrases of a Slack message, as topic
// candidates that say more than single words ("flaky integration test",
// "release note"), using the part-of-speech tagger of
// github.com/jdkato/prose/v2 (an averaged perceptron, ported from
// TextBlob's, that emits Penn Treebank tags).
//
// # What counts as a noun phrase
//
// The text is first tokenized by nlp.Tokenize, and the tagger is given our
// word, number and punctuation tokens, space-separated, so formatting
// markers (*bold*) and HTML escapes are already resolved. Slack markup is
// not prose and is left out: mentions (<@U1>), channel links (<#C1|x>),
// specials (<!here>), URLs with their labels, emoji (:tada: and Unicode)
// and code spans. The tagger sees the words around markup as a reader
// does ("thanks <@U1> for the fix" is tagged as "thanks for the fix"), but
// no phrase spans the place where markup was. A message with no lowercase
// letter is tagged in lowercase: the tagger takes every capitalised word,
// "ON" and "THE" included, for a proper noun. A run of punctuation is
// given to the tagger cut to three characters, because prose's tokenizer
// takes quadratic time over long ones.
//
// A noun phrase is then a maximal run of tokens that are each
//
//   - tagged as an adjective (JJ, JJR, JJS), a noun (NN, NNS, NNP, NNPS) or
//     a gerund (VBG);
//   - a word: letters, digits, combining marks and inner apostrophes or
//     hyphens, with a letter; anything else the tagger may call a noun (a
//     stray "|") breaks the run, and so does the possessive "'s", which
//     prose splits off and tags POS ("the team's deploy" gives "team" and
//     "deploy");
//   - at least two characters long and not a stop word (nlp's list: "the",
//     "lol", "other", "thanks"). The tagger errs most on such words, so
//     they end a run wherever they are, which also drops them at the edges;
//
// with its leading gerunds dropped ("failing tests" gives "test": an -ing
// word at the start is as often a verb as a modifier, while one inside a
// run, "load balancing config", is a modifier) and its trailing adjectives
// and gerunds dropped, so that it ends in a noun.
//
// # Normalisation
//
// Each word is normalised as nlp's topics are, by nlp.Analyzer.TopicForm:
// lowercase, typographic apostrophe as ASCII, folded to a singular
// ("Policies" -> "policy", "news" unchanged), except that a word folding
// would spoil stays unfolded ("J-E-T-S" gives "j-e-t-s", not "j-e-t-").
// Every word of a phrase is folded, as both words of a topic bigram are,
// so a noun phrase of two topic words has the same key as their bigram
// topic. A one-word noun
// phrase must also be a topic word: at least three characters and not a
// stop word. Phrases are returned distinct, in order of first appearance.
//
// # Cost and concurrency
//
// An Extractor decodes prose's tagger weights once, in New (they are a
// large gob-encoded map); prose.NewDocument without a model would decode
// them on every call. Tagging only reads the model, so
// an Extractor is safe for concurrent use (TestExtractorConcurrent runs it
// under -race). Tagging is slow next to the rest of the text analysis,
// by orders of magnitude (BenchmarkNounPhrases, BenchmarkProseTag and
// BenchmarkTokenize measure it; the README quotes the figures).
//
// # Not deterministic
//
// prose v2.0.0's averaged perceptron adds feature weights, and breaks ties
// between tags, in Go map iteration order, which changes from call to
// call: the same text can come back with other tags, and so other noun
// phrases, now and then (on a generated archive tagged one message in 8,
// 1 in about 12,000 topic uses changed between runs). That is why noun
// phrases are computed by `wiretap score`, for a person reading them, and
// not by the batch job, whose outputs must be the same bytes for any
// worker count, shard split or query.
package phrase
