package nlp

import "math"

// Sentiment is a VADER score. Compound is the normalised total in [-1, 1];
// Pos, Neu and Neg are the proportions of the text that are positive,
// neutral and negative, and sum to 1 (or are all 0 for text without words).
type Sentiment struct{ Compound, Pos, Neu, Neg float64 }

// Polarity is the three-way label of a compound score.
type Polarity int8

// Polarity values, ordered so that comparisons read naturally.
const (
	Negative Polarity = -1
	Neutral  Polarity = 0
	Positive Polarity = 1
)

// String returns "negative", "neutral" or "positive".
func (p Polarity) String() string {
	switch p {
	case Negative:
		return "negative"
	case Positive:
		return "positive"
	}
	return "neutral"
}

// Classify labels a compound score with VADER's recommended thresholds:
// Positive at >= 0.05, Negative at <= -0.05, Neutral in between.
func Classify(compound float64) Polarity {
	switch {
	case compound >= posThreshold:
		return Positive
	case compound <= -posThreshold:
		return Negative
	}
	return Neutral
}

// item is one VADER "word or emoticon" after lookup. The rules only ever
// need these facts about neighbouring items, never their text, which is
// why the hot loop touches no strings.
type item struct {
	val   float64 // lexicon valence, meaningful with fLex
	flags entryFlag
	id    wordID
}

func (it *item) is(f entryFlag) bool { return it.flags&f != 0 }

// score runs VADER over out.items and the punctuation counts.
func (out *Analysis) score() Sentiment {
	items := out.items
	n := len(items)
	if n == 0 {
		return Sentiment{}
	}
	upper, but := 0, -1
	for k := range items {
		if items[k].is(fUpper) {
			upper++
		}
		if items[k].id == idBut && but < 0 {
			but = k
		}
	}
	// VADER only rewards ALL CAPS when the text mixes case: a message
	// typed entirely in capitals is not emphasising anything.
	capDiff := upper > 0 && upper < n
	// One pass computes each valence, applies "but" and sums, in VADER's
	// order of operations, so the floating-point results are VADER's.
	var sum, pos, neg float64
	neu := 0
	for i := range items {
		v := 0.0
		// Items outside the lexicon, and boosters, score nothing.
		if items[i].flags&(fLex|fBoost) == fLex {
			v = valence(items, i, capDiff)
		}
		// "but" shifts weight to the clause after its first occurrence.
		if but >= 0 {
			if i < but {
				v *= butBefore
			} else if i > but {
				v *= butAfter
			}
		}
		sum += v
		switch {
		case v > 0:
			pos += v + 1 // +1 compensates for neutral items counting 1 each
		case v < 0:
			neg += v - 1
		default:
			neu++
		}
	}
	emph := float64(min(out.ep, epMax)) * epScale
	if out.qm > 1 {
		if out.qm <= 3 {
			emph += float64(out.qm) * qmScale
		} else {
			emph += qmMax
		}
	}
	if sum > 0 {
		sum += emph
	} else if sum < 0 {
		sum -= emph
	}
	compound := sum / math.Sqrt(sum*sum+normAlpha)
	compound = max(-1, min(1, compound))
	if pos > -neg {
		pos += emph
	} else if pos < -neg {
		neg -= emph
	}
	total := pos - neg + float64(neu)
	return Sentiment{
		Compound: compound,
		Pos:      math.Abs(pos / total),
		Neu:      math.Abs(float64(neu) / total),
		Neg:      math.Abs(neg / total),
	}
}

// valence is VADER's sentiment_valence for item i.
func valence(items []item, i int, capDiff bool) float64 {
	n := len(items)
	it := &items[i]
	// Modifiers are scored through the words they modify.
	if it.is(fBoost) || (it.id == idKind && i+1 < n && items[i+1].id == idOf) || !it.is(fLex) {
		return 0
	}
	v := it.val
	// Fast path: with no rule word (negation, booster, "no", "but", idiom
	// part) among the three items before, no rule below changes v.
	if it.id == idNone {
		plain := true
		for j := max(0, i-3); j < i; j++ {
			if items[j].id != idNone || items[j].flags&(fBoost|fNeg) != 0 {
				plain = false
				break
			}
		}
		if plain {
			if it.is(fUpper) && capDiff {
				if v > 0 {
					v += cIncr
				} else {
					v -= cIncr
				}
			}
			return v
		}
	}
	// "no" before a lexicon word negates that word instead of scoring itself.
	if it.id == idNo && i+1 < n && items[i+1].is(fLex) {
		v = 0
	}
	if (i > 0 && items[i-1].id == idNo) || (i > 1 && items[i-2].id == idNo) ||
		(i > 2 && items[i-3].id == idNo && (items[i-1].id == idOr || items[i-1].id == idNor)) {
		v = it.val * nScalar
	}
	if it.is(fUpper) && capDiff {
		if v > 0 {
			v += cIncr
		} else {
			v -= cIncr
		}
	}
	for k := 0; k < 3; k++ {
		if i <= k || items[i-k-1].is(fLex) {
			continue
		}
		s := scalarIncDec(&items[i-k-1], v, capDiff)
		switch k {
		case 1:
			s *= distScale1
		case 2:
			s *= distScale2
		}
		v += s
		v = negationCheck(v, items, k, i)
		if k == 2 {
			v = specialIdioms(v, items, i)
		}
	}
	// "least" negates, except in "at least" and "very least".
	if i > 1 && !items[i-1].is(fLex) && items[i-1].id == idLeast {
		if items[i-2].id != idAt && items[i-2].id != idVery {
			v *= nScalar
		}
	} else if i > 0 && !items[i-1].is(fLex) && items[i-1].id == idLeast {
		v *= nScalar
	}
	return v
}

// scalarIncDec is the contribution of booster/dampener w to valence v.
func scalarIncDec(w *item, v float64, capDiff bool) float64 {
	if !w.is(fBoost) {
		return 0
	}
	s := bIncr
	if w.is(fDampen) {
		s = bDecr
	}
	if v < 0 {
		s = -s
	}
	if w.is(fUpper) && capDiff {
		if v > 0 {
			s += cIncr
		} else {
			s -= cIncr
		}
	}
	return s
}

// negationCheck applies VADER's three-word negation window. It follows
// govader in reading "never so/this" as intended (never AND (so OR this));
// the Python reference's operator precedence applies the 1.25 boost to any
// "so"/"this" two words back, which is a known bug.
func negationCheck(v float64, items []item, k, i int) float64 {
	id := func(j int) wordID { return items[j].id }
	switch k {
	case 0:
		if items[i-1].is(fNeg) {
			return v * nScalar
		}
	case 1:
		switch {
		case id(i-2) == idNever && (id(i-1) == idSo || id(i-1) == idThis):
			return v * neverScale
		case id(i-2) == idWithout && id(i-1) == idDoubt:
			return v
		case items[i-2].is(fNeg):
			return v * nScalar
		}
	case 2:
		switch {
		case id(i-3) == idNever && (id(i-2) == idSo || id(i-2) == idThis || id(i-1) == idSo || id(i-1) == idThis):
			return v * neverScale
		case id(i-3) == idWithout && (id(i-2) == idDoubt || id(i-1) == idDoubt):
			return v
		case items[i-3].is(fNeg):
			return v * nScalar
		}
	}
	return v
}

// idiom2 and idiom3 are VADER's SPECIAL_CASES ("the shit", "kiss of
// death", …) as word-id sequences. The single-word key "badass" is omitted:
// VADER only ever looks it up as a multi-word sequence, so it never fires.
func idiom2(a, b wordID) (float64, bool) {
	switch {
	case a == idThe && (b == idShit || b == idBomb):
		return 3, true
	case a == idBad && b == idAss:
		return 1.5, true
	case a == idYeah && b == idRight:
		return -2, true
	}
	return 0, false
}

func idiom3(a, b, c wordID) (float64, bool) {
	switch {
	case a == idKiss && b == idOf && c == idDeath:
		return -1.5, true
	case a == idTo && b == idDie && c == idFor:
		return 3, true
	}
	return 0, false
}

// bigramBoost reports VADER's multi-word dampeners "kind of", "sort of"
// and "just enough".
func bigramBoost(a, b wordID) bool {
	return ((a == idKind || a == idSort) && b == idOf) || (a == idJust && b == idEnough)
}

// specialIdioms is VADER's _special_idioms_check; callers guarantee i > 2.
func specialIdioms(v float64, items []item, i int) float64 {
	n := len(items)
	id := func(j int) wordID { return items[j].id }
	if x, ok := idiom2(id(i-1), id(i)); ok {
		v = x
	} else if x, ok := idiom3(id(i-2), id(i-1), id(i)); ok {
		v = x
	} else if x, ok := idiom2(id(i-2), id(i-1)); ok {
		v = x
	} else if x, ok := idiom3(id(i-3), id(i-2), id(i-1)); ok {
		v = x
	} else if x, ok := idiom2(id(i-3), id(i-2)); ok {
		v = x
	}
	if i+1 < n {
		if x, ok := idiom2(id(i), id(i+1)); ok {
			v = x
		}
	}
	if i+2 < n {
		if x, ok := idiom3(id(i), id(i+1), id(i+2)); ok {
			v = x
		}
	}
	if bigramBoost(id(i-3), id(i-2)) {
		v += bDecr
	}
	if bigramBoost(id(i-2), id(i-1)) {
		v += bDecr
	}
	return v
}
