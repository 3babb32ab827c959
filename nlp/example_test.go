package nlp_test

import (
	"fmt"

	"github.com/wiretap-hq/wiretap/nlp"
)

func ExampleAnalyzer_Analyze() {
	a := nlp.New()       // once per process: builds the lexicon tables
	var out nlp.Analysis // once per goroutine: reused for every message
	a.Analyze("<@U024BE7LH> the new *deploy pipeline* is GREAT :tada: see <https://ci.example.com|the build>", &out)
	fmt.Println(out.Words, out.Mentions, out.Emoji)
	fmt.Println(out.Topics)
	fmt.Println(nlp.Classify(out.Sentiment.Compound))
	// Output:
	// 7 [U024BE7LH] [tada]
	// [deploy deploy pipeline great new new deploy pipeline]
	// positive
}

func ExampleTokenize() {
	for _, t := range nlp.Tokenize("ping <@U1|bob> :+1::skin-tone-2: `x`", nil) {
		fmt.Println(t.Kind, t.Text)
	}
	// Output:
	// Word ping
	// Mention U1
	// Emoji +1
	// Code x
}
