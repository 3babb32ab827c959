package nlp

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/internal/testutil/golden"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// tokenCases covers every piece of Slack markup the tokenizer knows, plus
// the inputs that usually break hand-written scanners.
var tokenCases = []struct{ name, in string }{
	{"empty", ""},
	{"spaces only", " \t\r\n\u00a0\u3000 "},
	{"plain words", "Hello world, it's a well-known fact."},
	{"contractions", "don't can't won’t rock'n'roll students' 'quoted'"},
	{"hyphens", "state-of-the-art -leading trailing- e-mail"},
	{"numbers", "3.14 1,000 10:30 v2 2fa 42. 1.2.3"},
	{"mention", "hi <@U024BE7LH> and <@W123|bob smith>!"},
	{"channel", "see <#C024BE7LR|general> or <#C1>"},
	{"specials", "<!here> <!channel> <!everyone> <!subteam^S123|@team> <!date^1392734382^{date}|Feb 18>"},
	{"links", "read <https://x.y/a?b=c|the docs> or <https://x.y> or <mailto:a@b.c|mail me>"},
	{"bare urls", "go to https://example.com/path?q=1. or (http://x.io/a_(b)) www.example.org!"},
	{"emoji", ":smile: :+1::skin-tone-2: :-1: :face_with_rolling_eyes::tada:"},
	{"not emoji", "note:this 10:30:45 :: a: b :Upper:"},
	{"emoticons", ":) :-( ;) :D <3 &lt;3 &gt;:( :-*"},
	{"inline code", "run `go test ./...` now"},
	{"code block", "```\nfunc main() {}\n``` after"},
	{"unclosed code", "a ` b ``` c"},
	{"formatting", "*bold* _italic_ ~strike~ *two words* snake_case 2*3 a * b"},
	{"escapes", "AT&amp;T &lt;tag&gt; &quot;q&quot; &nbsp; & alone"},
	{"crlf tabs", "line one\r\nline\ttwo\vthree"},
	{"unicode words", "Ünïcödé naïve café Привет мир 日本語 हिन्दी"},
	{"unicode emoji", "ship it 🚀🚀 👍🏽 ❤\ufe0f 👩\u200d💻 🇫🇷 → ©"},
	{"invalid utf8", "bad \xff\xfe bytes \xe2\x82 end"},
	{"broken markup", "<@ <@U1 <#> <!> <> < b> <https://x y> <@U1|a <b>"},
	{"glued", "great!!!:tada:<@U1>done"},
}

func formatTokens(toks []Token) string {
	var b strings.Builder
	for _, t := range toks {
		var fl []string
		for _, f := range []struct {
			f TokenFlag
			n string
		}{{SpaceBefore, "sp"}, {Decoded, "dec"}, {Upper, "up"}, {Lower, "low"}, {NonASCII, "utf8"}} {
			if t.Flags&f.f != 0 {
				fl = append(fl, f.n)
			}
		}
		fmt.Fprintf(&b, "  %-11s %-14s %q [%d:%d]\n", t.Kind, strings.Join(fl, ","), t.Text, t.Start, t.End)
	}
	return b.String()
}

func TestTokenizeGolden(t *testing.T) {
	var b strings.Builder
	for _, tc := range tokenCases {
		fmt.Fprintf(&b, "== %s: %q\n", tc.name, tc.in)
		toks := Tokenize(tc.in, nil)
		checkTokenInvariants(t, tc.in, toks)
		b.WriteString(formatTokens(toks))
	}
	golden.Check(t, filepath.Join("testdata", "tokens.golden"), []byte(b.String()), *update)
}

// checkTokenInvariants asserts what every caller may rely on.
func checkTokenInvariants(t testing.TB, in string, toks []Token) {
	t.Helper()
	prevEnd := 0
	for i, tk := range toks {
		if tk.Kind < Word || tk.Kind > Punct {
			t.Fatalf("%q: token %d has kind %d", in, i, tk.Kind)
		}
		if tk.Start < prevEnd || tk.End <= tk.Start || tk.End > len(in) {
			t.Fatalf("%q: token %d span [%d:%d] after %d", in, i, tk.Start, tk.End, prevEnd)
		}
		prevEnd = tk.End
		span := in[tk.Start:tk.End]
		if tk.Flags&Decoded == 0 && !strings.Contains(span, tk.Text) {
			t.Fatalf("%q: token %d text %q not inside its span %q", in, i, tk.Text, span)
		}
		if tk.Kind == Word || tk.Kind == Number || tk.Kind == Punct && tk.Flags&Decoded == 0 {
			if span != tk.Text {
				t.Fatalf("%q: token %d text %q != span %q", in, i, tk.Text, span)
			}
		}
	}
}

func TestTokenizeAppendsWithoutAllocating(t *testing.T) {
	in := "Deploy <https://x.y|done> :tada: thanks <@U1>! *great* work &amp; `code` 🚀"
	dst := make([]Token, 0, 64)
	allocs := testing.AllocsPerRun(100, func() { dst = Tokenize(in, dst[:0]) })
	if allocs != 0 {
		t.Errorf("Tokenize allocated %.1f times with a large enough dst", allocs)
	}
	prefix := []Token{{Kind: Punct, Text: "x"}}
	got := Tokenize("!!", prefix)
	if len(got) != 2 || got[0].Text != "x" || got[1].Text != "!!" {
		t.Errorf("Tokenize must append after, and never merge into, the caller's tokens: %+v", got)
	}
}

// TestTokenizeHugeInputs guards against quadratic rescans: each input is
// megabytes of the openers that make a scanner search ahead.
func TestTokenizeHugeInputs(t *testing.T) {
	const n = 1 << 20
	cases := map[string]string{
		"backticks":       strings.Repeat("`", n),
		"triple ticks":    strings.Repeat("``` a ", n/6),
		"angle mentions":  strings.Repeat("<@U1|a ", n/7),
		"angle bare":      strings.Repeat("<", n),
		"colons":          strings.Repeat(":a", n/2),
		"ampersands":      strings.Repeat("&", n),
		"format markers":  strings.Repeat("*_~", n/3),
		"one huge word":   strings.Repeat("a", n),
		"realistic":       strings.Repeat("Deploy <https://x.y|done> :tada: thanks <@U1>! *great* ", n/64),
		"invalid bytes":   strings.Repeat("\xff", n),
		"unicode symbols": strings.Repeat("→©", n/5),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			// Preallocate so the timing measures scanning, not slice growth.
			dst := make([]Token, 0, len(in))
			start := time.Now()
			toks := Tokenize(in, dst)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%d bytes took %v: scanning is not linear", len(in), d)
			}
			checkTokenInvariants(t, in, toks)
		})
	}
}

func TestTokenKindString(t *testing.T) {
	if Mention.String() != "Mention" || TokenKind(200).String() != "TokenKind(200)" {
		t.Errorf("unexpected names %q %q", Mention, TokenKind(200))
	}
}
