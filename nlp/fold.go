package nlp

// This file exposes, one word at a time, the word rules that Analyze
// applies to topics, so that other topic extractors (nlp/phrase) normalise
// words exactly as the topics table does.

// IsStopWord reports whether the word w, in any case, is one of the stop
// words that are never topics (see stopWords). A typographic apostrophe
// reads as ASCII: "don’t" is a stop word.
func (a *Analyzer) IsStopWord(w string) bool {
	if w == "" {
		return false
	}
	e, _ := a.words.lookup(lowerString(w))
	return e.flags&fStop != 0
}

// TopicForm returns the word w as a topic: lowercased (a typographic
// apostrophe becomes ASCII) and folded to a singular by the rules in the
// package doc ("Policies" -> "policy", "deploys" -> "deploy", "news" and
// "k8s" unchanged). Stop words and words of one or two characters are
// never topics; for them it returns the lowercase form unfolded, as
// Analyze never folds them either. The result does not alias any buffer
// of a. TopicForm is safe for concurrent use.
func (a *Analyzer) TopicForm(w string) string {
	if w == "" {
		return ""
	}
	low := lowerString(w)
	e, _ := a.words.lookup(low)
	if e.flags&fStop != 0 || isShort(low) {
		return low
	}
	// fold allocates from out only for the "-ies" rule; a fresh Analysis
	// gives that string a backing array of its own.
	var out Analysis
	return a.fold(&out, low, e)
}
