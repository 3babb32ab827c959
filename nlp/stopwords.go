package nlp

import "strings"

// stopWords returns the words that are never topics.
//
// The base is NLTK's English list (179 words, including the apostrophe-less
// fragments "don", "ll", "ve" that its tokenizer produces), extended with
// the contractions our tokenizer keeps whole ("i'm", "that's"), and with
// chat filler that dominates Slack word counts without saying what a
// conversation is about: laughter ("lol", "haha"), acknowledgements ("ok",
// "yep", "thanks"), texting spellings ("u", "ur", "im", "gonna") and a few
// verbs of conversation ("think", "know", "get"). The list stays short on
// purpose: every word added here is a topic nobody can ever see.
func stopWords() []string {
	return strings.Fields(`
		i me my myself we our ours ourselves you you're you've you'll you'd your yours
		yourself yourselves he him his himself she she's her hers herself it it's its itself
		they them their theirs themselves what which who whom this that that'll these those
		am is are was were be been being have has had having do does did doing a an the and
		but if or because as until while of at by for with about against between into through
		during before after above below to from up down in out on off over under again further
		then once here there when where why how all any both each few more most other some
		such no nor not only own same so than too very s t can will just don don't should
		should've now d ll m o re ve y ain aren aren't couldn couldn't didn didn't doesn
		doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn mightn't mustn
		mustn't needn needn't shan shan't shouldn shouldn't wasn wasn't weren weren't won
		won't wouldn wouldn't

		i'm i've i'll i'd we're we've we'll we'd they're they've they'll they'd he's he'd
		he'll she'd she'll it'd it'll that's there's here's what's who's let's can't cannot
		could would might must shall also yet ever even still much many get got gets getting
		go goes going gone went make made like think know want see say said one

		lol lmao rofl haha hahaha hehe ok okay yeah yep yup nope yes hey hi hello thanks thank
		thx pls plz please im ive dont cant wont didnt doesnt isnt u ur ya gonna wanna gotta
		kinda sorta btw fyi imo imho tbh idk omg oh ah uh um hmm actually maybe probably sure
		`)
}
