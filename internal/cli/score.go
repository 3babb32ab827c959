package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/wiretap-hq/wiretap/nlp"
	"github.com/wiretap-hq/wiretap/nlp/phrase"
)

const scoreExamples = `  # Why did this message count as sarcastic?
  echo 'oh great, prod is down again :upside_down_face:' | wiretap score

  # Score a file of messages, one per line, without the token list:
  wiretap score --file messages.txt --tokens=false

Output, one JSON object per input line, in input order (empty lines too):
  {"text":"oh great, prod is down again :upside_down_face:",
   "compound":0.5574,"pos":0.3868,"neu":0.4717,"neg":0.1415,
   "sarcasm":0.8829,"sarcastic":true,
   "cues":["interjection","praise","irony_emoji","emoji_contrast","positive_event"],
   "tokens":[{"kind":"word","text":"oh"},{"kind":"word","text":"great"},{"kind":"punct","text":","},...],
   "topics":["great","prod"],"noun_phrases":["prod"],"mentions":[],"emoji":["upside_down_face"]}
Token kinds: word number mention channellink special url emoji code punct.
noun_phrases are runs of adjectives and nouns ending in a noun, found by prose's
part-of-speech tagger and normalised like topics (see nlp/phrase).
`

// scoreLine is the JSON written for one input line. Field names are part
// of the command's interface: tests and evaluations parse them.
type scoreLine struct {
	Text      string       `json:"text"`
	Compound  float64      `json:"compound"`
	Pos       float64      `json:"pos"`
	Neu       float64      `json:"neu"`
	Neg       float64      `json:"neg"`
	Sarcasm   float64      `json:"sarcasm"`
	Sarcastic bool         `json:"sarcastic"`
	Cues      []string     `json:"cues"`
	Tokens    []scoreToken `json:"tokens,omitempty"`
	Topics    []string     `json:"topics"`
	// NounPhrases are the message's noun phrases (nlp/phrase), normalised
	// as topics are; always present, [] when there are none.
	NounPhrases []string `json:"noun_phrases"`
	Mentions    []string `json:"mentions"`
	Emoji       []string `json:"emoji"`
}

type scoreToken struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

func scoreCmd(ctx context.Context, io *IO, args []string) error {
	var file string
	var tokens bool
	fs := newFlagSet(io, "score [--file F] [--tokens=false]",
		"Reads one message text per line (standard input, or --file) and writes one JSON object\n"+
			"per line with what the analysis sees in it: the VADER sentiment (compound, pos, neu,\n"+
			"neg), the sarcasm probability ("+nlp.SarcasmModelVersion+"), whether it reaches the threshold\n"+
			"and which cues fired, the tokens, topic candidates, noun phrases, mentions and emoji.\n"+
			"Use it to debug a surprising ranking. Lines may be of any length; a trailing \\r is\n"+
			"dropped.\n", scoreExamples)
	fs.StringVar(&file, "file", "", "read texts from this file instead of standard input (- is standard input)")
	fs.BoolVar(&tokens, "tokens", true, "include the token list (--tokens=false leaves it out; it is also left out for a line without tokens)")
	if err := parse(fs, args); err != nil {
		return err
	}
	in := io.In
	if file != "" && file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	return scoreLines(ctx, in, io.Out, tokens)
}

// scoreLines analyses each line of r and writes its JSON line to w.
func scoreLines(ctx context.Context, r io.Reader, w io.Writer, withTokens bool) error {
	a, err := nlp.NewAnalyzer()
	if err != nil {
		return err
	}
	ex, err := phrase.New(a)
	if err != nil {
		return fmt.Errorf("score: %w", err)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var out nlp.Analysis
	// Non-nil empty slices encode as [] rather than null.
	line := scoreLine{Cues: []string{}, Topics: []string{}, NounPhrases: []string{}, Mentions: []string{}, Emoji: []string{}}
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		text, rerr := br.ReadString('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return rerr
		}
		if text == "" && rerr != nil {
			break // end of input; a final line without newline was handled last round
		}
		text = strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
		a.Analyze(text, &out)
		fill(&line, text, &out, withTokens)
		phrases, err := ex.NounPhrases(text)
		if err != nil {
			return fmt.Errorf("score: line %d: %w", n, err)
		}
		line.NounPhrases = append(line.NounPhrases[:0], phrases...)
		if err := enc.Encode(&line); err != nil {
			return err
		}
		if rerr != nil {
			break
		}
	}
	return bw.Flush()
}

// fill copies what Analyze found into l, reusing l's slices. The strings
// need no cloning: they are encoded before the next Analyze call.
func fill(l *scoreLine, text string, out *nlp.Analysis, withTokens bool) {
	s := out.Sentiment
	l.Text = text
	l.Compound, l.Pos, l.Neu, l.Neg = round4(s.Compound), round4(s.Pos), round4(s.Neu), round4(s.Neg)
	l.Sarcasm, l.Sarcastic = round4(out.Sarcasm), out.Sarcastic()
	l.Cues = out.SarcasmCues().AppendNames(l.Cues[:0])
	l.Topics = append(l.Topics[:0], out.Topics...)
	l.Mentions = append(l.Mentions[:0], out.Mentions...)
	l.Emoji = append(l.Emoji[:0], out.Emoji...)
	l.Tokens = l.Tokens[:0]
	if withTokens {
		for _, tk := range nlp.Tokenize(text, nil) {
			l.Tokens = append(l.Tokens, scoreToken{Kind: strings.ToLower(tk.Kind.String()), Text: tk.Text})
		}
	}
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }
