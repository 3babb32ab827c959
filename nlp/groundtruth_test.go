package nlp

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jonreiter/govader"
)

// groundTruthRel is where the VADER tweet ratings live relative to the
// repository root. The data belongs to the shared area, never to the repo.
const groundTruthRel = "../shared/data/sentiment/tweets_GroundTruth.txt"

type rated struct {
	id   string
	mean float64 // human mean rating, -4..4
	text string
}

// loadGroundTruth finds the ratings file from the test's working directory
// (the package directory, normally) by walking up towards the repo root.
func loadGroundTruth(tb testing.TB) []rated {
	tb.Helper()
	path := groundTruthPath()
	if path == "" {
		dir, _ := os.Getwd()
		tb.Skipf("ground truth %s not found above %s; the sentiment accuracy checks need it", groundTruthRel, dir)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Skipf("ground truth: %v", err)
	}
	var out []rated
	for line := range bytes.SplitSeq(raw, []byte("\n")) {
		f := strings.SplitN(strings.TrimRight(string(line), "\r"), "\t", 3)
		if len(f) != 3 {
			continue
		}
		m, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			tb.Fatalf("ground truth line %q: %v", f[0], err)
		}
		out = append(out, rated{f[0], m, f[2]})
	}
	if len(out) < 1000 {
		tb.Fatalf("ground truth has only %d rows", len(out))
	}
	return out
}

// groundTruthPath is the ratings file found by walking up from the working
// directory, or "" if there is none.
func groundTruthPath() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, groundTruthRel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

var govaderOnce = sync.OnceValue(govader.NewSentimentIntensityAnalyzer)

var analyzerOnce = sync.OnceValue(New)

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var sx, sy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
	}
	mx, my := sx/n, sy/n
	var cov, vx, vy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		cov += dx * dy
		vx += dx * dx
		vy += dy * dy
	}
	return cov / math.Sqrt(vx*vy)
}

// weightedF1 is the support-weighted mean of per-class F1 over the three
// polarities, as in scikit-learn's f1_score(average="weighted").
func weightedF1(truth, pred []Polarity) float64 {
	_, _, f1 := weightedPRF(truth, pred)
	return f1
}

// weightedPRF is the support-weighted mean of per-class precision, recall
// and F1 over the three polarities, as scikit-learn's
// precision_recall_fscore_support(average="weighted") computes them: a
// class with no true positives contributes zero.
func weightedPRF(truth, pred []Polarity) (precision, recall, f1 float64) {
	for _, c := range []Polarity{Negative, Neutral, Positive} {
		var tp, fp, fn, support float64
		for i := range truth {
			switch {
			case truth[i] == c && pred[i] == c:
				tp++
			case truth[i] != c && pred[i] == c:
				fp++
			case truth[i] == c && pred[i] != c:
				fn++
			}
			if truth[i] == c {
				support++
			}
		}
		if tp == 0 {
			continue
		}
		p, r := tp/(tp+fp), tp/(tp+fn)
		precision += support * p
		recall += support * r
		f1 += support * 2 * p * r / (p + r)
	}
	n := float64(len(truth))
	return precision / n, recall / n, f1 / n
}

// humanClass normalises the -4..4 mean to -1..1 and applies the same
// ±0.05 thresholds as Classify, as in the VADER paper's evaluation.
func humanClass(mean float64) Polarity { return Classify(mean / 4) }

// Gates for TestSentimentAgainstHumanRatings.
//
// The paper reports r = 0.881 and F1 = 0.96 on these tweets, measured with
// the 2014 release of VADER. The current lexicon and rules give r = 0.873
// with every implementation we can run: govader scores 0.8732, this package
// 0.8728, and an emulation of the Python reference's quirks (its "but" and
// "never so" bugs, compound rounded to 4 places) 0.8736. So the r gate sits
// just below what the reference reaches today, and would catch any real
// regression (a lost rule costs 0.005-0.02).
//
// The paper's F1 of 0.96 is reproduced (0.961) by the weighted F1 over the
// tweets that humans rated positive or negative; counting the 297 tweets
// humans rated neutral as a third class gives 0.896 for us and govader
// alike, because VADER labels few short factual tweets neutral. Both are
// gated: the first at the published level, the second as a regression floor.
const (
	minPearson    = 0.87
	minPolarF1    = 0.95
	minThreeWayF1 = 0.89
	publishedR    = 0.881
	publishedF1   = 0.96
	// The paper's precision and recall for the same figure.
	publishedP      = 0.99
	publishedRecall = 0.94
)

func TestSentimentAgainstHumanRatings(t *testing.T) {
	rows := loadGroundTruth(t)
	a := analyzerOnce()
	gv := govaderOnce()
	var out Analysis
	n := len(rows)
	human, ours, theirs := make([]float64, n), make([]float64, n), make([]float64, n)
	hc, oc, gc := make([]Polarity, n), make([]Polarity, n), make([]Polarity, n)
	var polarH, polarO, polarG []Polarity
	agree := 0
	for i, r := range rows {
		a.Analyze(r.text, &out)
		human[i], ours[i] = r.mean, out.Sentiment.Compound
		theirs[i] = gv.PolarityScores(r.text).Compound
		hc[i], oc[i], gc[i] = humanClass(r.mean), Classify(ours[i]), Classify(theirs[i])
		if oc[i] == gc[i] {
			agree++
		}
		if hc[i] != Neutral {
			polarH, polarO, polarG = append(polarH, hc[i]), append(polarO, oc[i]), append(polarG, gc[i])
		}
	}
	r, f1 := pearson(ours, human), weightedF1(hc, oc)
	pp, pr, pf1 := weightedPRF(polarH, polarO)
	gr, gf1 := pearson(theirs, human), weightedF1(hc, gc)
	gpp, gpr, gpf1 := weightedPRF(polarH, polarG)
	t.Logf("published VADER: pearson r=%.3f  P=%.2f R=%.2f F1=%.2f", publishedR, publishedP, publishedRecall, publishedF1)
	t.Logf("nlp:     n=%d pearson r=%.4f  3-class weighted F1=%.4f  on human-polar tweets (n=%d): P=%.4f R=%.4f F1=%.4f", n, r, f1, len(polarH), pp, pr, pf1)
	t.Logf("govader: n=%d pearson r=%.4f  3-class weighted F1=%.4f  on human-polar tweets (n=%d): P=%.4f R=%.4f F1=%.4f", n, gr, gf1, len(polarH), gpp, gpr, gpf1)
	t.Logf("label agreement nlp vs govader: %.4f (%d/%d)", float64(agree)/float64(n), agree, n)
	if r < minPearson {
		t.Errorf("pearson r = %.4f, want >= %.2f", r, minPearson)
	}
	if pf1 < minPolarF1 {
		t.Errorf("F1 on human-polar tweets = %.4f, want >= %.2f", pf1, minPolarF1)
	}
	if f1 < minThreeWayF1 {
		t.Errorf("3-class weighted F1 = %.4f, want >= %.2f", f1, minThreeWayF1)
	}
}

// TestDisagreementsWithGovader explains every text whose label differs
// from govader's, grouped by cause, so a regression in our rules shows up
// as an "unexplained" row rather than drowning in known differences.
func TestDisagreementsWithGovader(t *testing.T) {
	rows := loadGroundTruth(t)
	a := analyzerOnce()
	gv := govaderOnce()
	kinds := map[string][]string{}
	var out Analysis
	diff, compoundDiff := 0, 0
	for _, r := range rows {
		a.Analyze(r.text, &out)
		g := gv.PolarityScores(r.text)
		if math.Abs(g.Compound-out.Sentiment.Compound) > 1e-9 {
			compoundDiff++
		}
		if Classify(g.Compound) == Classify(out.Sentiment.Compound) {
			continue
		}
		diff++
		k := disagreementKind(r.text)
		kinds[k] = append(kinds[k], r.id+": "+r.text+" ours="+
			strconv.FormatFloat(out.Sentiment.Compound, 'f', 4, 64)+" govader="+strconv.FormatFloat(g.Compound, 'f', 4, 64))
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("%-40s %d  (%s)", k, len(kinds[k]), kindWhy[k])
		for _, ex := range kinds[k] {
			t.Logf("    %s", ex)
		}
	}
	agreement := 1 - float64(diff)/float64(len(rows))
	t.Logf("label agreement %.4f (%d of %d differ; %d compounds differ by > 1e-9)", agreement, diff, len(rows), compoundDiff)
	if agreement < 0.995 {
		t.Errorf("label agreement with govader = %.4f, want >= 0.995", agreement)
	}
	if n := len(kinds[kindUnexplained]); n > 0 {
		t.Errorf("%d disagreements have no known cause", n)
	}
}

const kindUnexplained = "unexplained"

// kindWhy says why each known kind of disagreement is deliberate.
var kindWhy = map[string]string{
	"double space (govader empty items)":            "govader splits on ' ' and scores empty items; Python VADER and we split on any whitespace run, which moves negation windows",
	"non-space whitespace (govader does not split)": "govader keeps 'a\nb' as one item; we split on all Unicode whitespace",
	"HTML escape decoded":                           "we decode &lt;3 to the emoticon <3 and &gt;:[ to >:[ as Slack text requires; govader scores 'lt;3'",
	"URL dropped":                                   "URLs are not text: they leave the item count and the ALL-CAPS differential",
	"Slack formatting marker":                       "*bold*/_italic_ markers are removed before VADER's punctuation stripping",
	"typographic apostrophe":                        "don’t is read as the negation don't",
	"non-ASCII (emoji/letters)":                     "emoji descriptions are separate items; VADER glues the last word to the next character",
	kindUnexplained:                                 "a bug until explained",
}

// disagreementKind names the known, deliberate difference that explains a
// label disagreement with govader.
func disagreementKind(text string) string {
	switch {
	case strings.Contains(text, "  "):
		// govader splits on single spaces only: every extra space is an
		// empty neutral item and can flip the ALL-CAPS differential.
		return "double space (govader empty items)"
	case strings.ContainsAny(text, "\t\n\u00a0"):
		return "non-space whitespace (govader does not split)"
	case strings.Contains(text, "&amp;") || strings.Contains(text, "&lt;") || strings.Contains(text, "&gt;") || strings.Contains(text, "&quot;"):
		return "HTML escape decoded"
	case strings.Contains(text, "http") || strings.Contains(text, "www."):
		return "URL dropped"
	case strings.ContainsAny(text, "*_~`"):
		return "Slack formatting marker"
	case strings.ContainsRune(text, '\u2019'):
		return "typographic apostrophe"
	}
	for _, r := range text {
		if r >= 0x80 {
			return "non-ASCII (emoji/letters)"
		}
	}
	return kindUnexplained
}
