package generator

import (
	"cmp"
	"slices"
	"strings"
	"sync"
)

// Planted sarcasm. One office other than the positive one is the sarcastic
// office: its sarcasticPeople most active members end many messages with a
// sarcastic line, its other members a few. The positive office is the
// sincere one: many of its messages end with a line of sincere praise or
// thanks, the text a model that mistakes positivity for sarcasm flags.
// Both lines are drawn from their own random streams (sarcasmStream), so
// that every other message of the archive is the same as without them.
const (
	sarcasticPeople       = 6
	sarcasticPersonPPM    = 400_000 // share of a planted person's messages with a sarcastic line
	sarcasticColleaguePPM = 30_000  // the same for the rest of the sarcastic office
	sincerePPM            = 250_000 // share of the positive office's messages with a sincere line
	// sarcasmStream numbers the random streams of the planted lines: the
	// world's choice of office and people, then one a day.
	sarcasmStream = 1 << 40
)

// sarcasticLines are the constructions people use: praise of an unwelcome
// event, "oh great, another …", "/s", irony emoji, "thanks a lot" after bad
// news, the ironic "love how".
var sarcasticLines = []string{
	"oh great, another outage 🙃",
	"oh great, another reorg",
	"wow, the build is broken again. fantastic",
	"perfect, the VPN is down again :upside_down_face:",
	"thanks a lot, now the tests are broken",
	"nice, CI is down again /s",
	"so glad the deploy failed again :upside_down_face:",
	"oh wonderful, more paperwork :face_with_rolling_eyes:",
	"love how nobody reads the docs",
	"love being on call on a holiday weekend",
	"great, another meeting that could have been an email 🙄",
	"brilliant, prod is down again /s",
	"just what I needed, another outage",
	"oh amazing, the release is delayed again",
}

// sincereLines are praise and thanks meant as said.
var sincereLines = []string{
	"thanks for the quick fix!",
	"great job on the release :tada:",
	"love the new dashboard, nice work",
	"glad the demo went well",
	"thanks for the help with the review",
	"amazing work team :raised_hands:",
	"awesome, thanks so much",
	"excellent presentation yesterday",
	"nice catch, thanks!",
	"I love this great tool",
	"wonderful news about the launch",
	"happy to help, great to have you on the team",
}

// plantedLine is a line with its count of planted sentiment words, which
// the Facts count like those appendText plants.
type plantedLine struct {
	text     string
	pos, neg uint8
}

// plantedLines returns the lines with their planted-word counts; built
// once, never changed.
var plantedLines = sync.OnceValue(func() [2][]plantedLine {
	count := func(s string, list []string) uint8 {
		n := uint8(0)
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r < 'a' || r > 'z' }) {
			if slices.Contains(list, w) {
				n++
			}
		}
		return n
	}
	var out [2][]plantedLine
	for i, lines := range [][]string{sarcasticLines, sincereLines} {
		for _, l := range lines {
			out[i] = append(out[i], plantedLine{l, count(l, positiveWords), count(l, negativeWords)})
		}
	}
	return out
})

// plantSarcasm chooses the sarcastic office, other than the positive one,
// and in it the sarcasticPeople users of highest activity weight (ties to
// the lower index), at most half the office.
func (w *world) plantSarcasm(userW []uint64) {
	r := newRNG(w.cfg.Seed, sarcasmStream)
	n := len(w.offices)
	w.sarcastic = (w.positive + 1 + r.intn(n-1)) % n
	w.sarcasticUser = make([]bool, len(w.users))
	people := slices.Clone(w.offices[w.sarcastic].users)
	slices.SortStableFunc(people, func(a, b int32) int { return cmp.Compare(userW[b], userW[a]) })
	for _, u := range people[:min(sarcasticPeople, max(1, len(people)/2))] {
		w.sarcasticUser[u] = true
	}
}

// plantLine may end the authored message in g.text, by user u of office
// o, with a sarcastic or a sincere line, and counts it in info.
func (g *dayGen) plantLine(u int32, o int, info *recInfo) {
	w, r := g.w, g.sr
	var ppm uint64
	kind := 0
	switch {
	case w.sarcasticUser[u]:
		ppm = sarcasticPersonPPM
	case o == w.sarcastic:
		ppm = sarcasticColleaguePPM
	case o == w.positive:
		ppm, kind = sincerePPM, 1
	}
	if !r.chance(ppm) {
		return
	}
	lines := plantedLines()[kind]
	l := lines[r.intn(len(lines))]
	g.text = append(append(g.text, ' '), l.text...)
	info.pos += l.pos
	info.neg += l.neg
	info.sarcastic = kind == 0
	info.sincere = kind == 1
}
