package phrase_test

import (
	"fmt"

	"github.com/wiretap-hq/wiretap/nlp"
	"github.com/wiretap-hq/wiretap/nlp/phrase"
)

func ExampleExtractor_NounPhrases() {
	e, err := phrase.New(nlp.New()) // once per process: loads the tagger
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := e.NounPhrases("<!here> the *load balancing config* broke our database <@U1> server, see <https://x.y|the logs> :fire:")
	fmt.Println(p, err)
	// Output:
	// [load balancing config database server] <nil>
}
