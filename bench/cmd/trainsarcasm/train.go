package main

import (
	"fmt"
	"math"
	"slices"

	"github.com/wiretap-hq/wiretap/internal/logreg"
	"github.com/wiretap-hq/wiretap/nlp"
)

// config sets up a training run. The zero value, after withDefaults, is
// the configuration that produced the committed weights.
type config struct {
	Folds       int     // k of the stratified k-fold cross-validation
	Seed        uint64  // seed of the fold assignment
	Lambda      float64 // L2 penalty on the summed log-loss
	HoldoutSeed uint64  // seed of the held-out split (one fold of Folds)
}

func (c config) withDefaults() config {
	if c.Folds == 0 {
		c.Folds = 5
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Lambda == 0 {
		c.Lambda = 1
	}
	if c.HoldoutSeed == 0 {
		c.HoldoutSeed = 2022
	}
	return c
}

// metrics are precision, recall and F1 of the sarcastic class at a
// threshold on the log-likelihood ratio, with negatives weighted so that
// the sample has a chosen base rate (weight 1 keeps the sample's own).
type metrics struct {
	Threshold             float64 // on the log-likelihood ratio
	Precision, Recall, F1 float64
	Flagged               float64 // weighted share of examples flagged
}

// fold is one cross-validation fold: the model fitted on the other folds,
// with the threshold chosen there, scored on this one; and the
// always-sarcastic baseline.
type fold struct {
	Test     metrics
	Baseline float64
}

// model is a fitted model: weights in feature order (nlp.SarcasmFeatureNames)
// and the log-odds of the base rate of the data it was fitted on, which
// scoring replaces by nlp.SarcasmPrior's.
type model struct {
	Version      string
	Bias         float64
	Weights      []float64
	TrainLogOdds float64
}

// llr is the model's log-likelihood ratio for x: its log-odds less those
// of the training base rate. Thresholds are kept on this scale because it
// does not depend on any base rate.
func (m *model) llr(x []float64) float64 {
	z := m.Bias - m.TrainLogOdds
	for j, w := range m.Weights {
		z += w * x[j]
	}
	return z
}

// report is the outcome of train.
type report struct {
	Config               config
	Examples, Sarcastic  int
	Folds                []fold
	MeanP, MeanR, MeanF1 float64 // over folds
	SDP, SDR, SDF1       float64 // sample standard deviation over folds
	BaselineF1           float64 // always sarcastic, mean over folds
	Model                model   // fitted on every example
}

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// positives counts the true labels.
func positives(y []bool) int {
	n := 0
	for _, v := range y {
		if v {
			n++
		}
	}
	return n
}

// negWeight is the weight that gives the negatives of y the base rate
// prior; 1 for the sample's own rate.
func negWeight(y []bool, prior float64) float64 {
	pos := float64(positives(y))
	return pos / float64(len(y)-int(pos)) * (1 - prior) / prior
}

// fit fits the model on x, y.
func fit(x [][]float64, y []bool, lambda float64) (model, error) {
	m, err := logreg.Fit(x, y, lambda)
	if err != nil {
		return model{}, err
	}
	version := nlp.SarcasmModelVersion
	if len(x[0]) != len(nlp.SarcasmFeatureNames()) {
		version = fmt.Sprintf("(%d features)", len(x[0]))
	}
	return model{Version: version, Bias: m.Bias, Weights: m.W, TrainLogOdds: logit(float64(positives(y)) / float64(len(y)))}, nil
}

func (m *model) llrs(x [][]float64) []float64 {
	out := make([]float64, len(x))
	for i := range x {
		out[i] = m.llr(x[i])
	}
	return out
}

// score counts llr >= threshold against y with negatives weighted by wNeg.
func score(llr []float64, y []bool, wNeg, threshold float64) metrics {
	var tp, fp, fn, all float64
	for i := range llr {
		w := 1.0
		if !y[i] {
			w = wNeg
		}
		all += w
		switch pred := llr[i] >= threshold; {
		case pred && y[i]:
			tp += w
		case pred:
			fp += w
		case y[i]:
			fn += w
		}
	}
	m := metrics{Threshold: threshold, Flagged: (tp + fp) / all}
	if tp > 0 {
		m.Precision, m.Recall = tp/(tp+fp), tp/(tp+fn)
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	}
	return m
}

// bestF1 returns the best F1 any threshold reaches on llr against y with
// negatives weighted by wNeg, and a threshold halfway between the two
// scores where it is reached.
func bestF1(llr []float64, y []bool, wNeg float64) (threshold, f1 float64) {
	idx := make([]int, len(llr))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return -cmpFloat(llr[a], llr[b]) })
	total := float64(positives(y))
	threshold = math.Inf(1)
	var tp, fp float64
	for n, i := range idx {
		if y[i] {
			tp++
		} else {
			fp += wNeg
		}
		if n+1 < len(idx) && llr[idx[n+1]] == llr[i] {
			continue // cut only between distinct scores
		}
		if tp == 0 {
			continue
		}
		p, r := tp/(tp+fp), tp/total
		if f := 2 * p * r / (p + r); f > f1 {
			f1 = f
			threshold = llr[i] - 1
			if n+1 < len(idx) {
				threshold = (llr[i] + llr[idx[n+1]]) / 2
			}
		}
	}
	return threshold, f1
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// halfF1Threshold is the threshold, on the log-likelihood ratio, that a
// model fitted on x, y should use on data whose base rate is prior: half
// the best F1 it reaches on its own training predictions reweighted to
// that base rate, taken as a probability under that prior. For calibrated
// probabilities the F1-optimal threshold is half the optimal F1 (Lipton,
// Elkan and Naryanaswamy, "Optimal Thresholding of Classifiers to
// Maximize F1 Measure", ECML PKDD 2014); the best F1 is a far steadier
// quantity than the threshold that attains it.
func halfF1Threshold(trainLLR []float64, y []bool, prior float64) float64 {
	_, f1 := bestF1(trainLLR, y, negWeight(y, prior))
	return logit(f1/2) - logit(prior)
}

// train cross-validates L2-regularised logistic regression over the
// feature rows x with labels y (true: sarcastic), then fits the final
// model on all rows. In each fold the threshold is chosen on the training
// folds for their own base rate (halfF1Threshold), so the held-out fold
// never takes part. It is deterministic for a given platform and cfg.
func train(x [][]float64, y []bool, cfg config) (report, error) {
	cfg = cfg.withDefaults()
	if len(x) == 0 || len(x) != len(y) {
		return report{}, fmt.Errorf("%d sarcasm rows and %d labels", len(x), len(y))
	}
	if cfg.Folds < 2 || cfg.Folds > len(y) {
		return report{}, fmt.Errorf("%d folds for %d examples", cfg.Folds, len(y))
	}
	r := report{Config: cfg, Examples: len(y), Sarcastic: positives(y)}
	assign := logreg.StratifiedFolds(y, cfg.Folds, cfg.Seed)
	var p, rc, f1, base []float64
	for f := range cfg.Folds {
		trX, trY, teX, teY := split(x, y, assign, f)
		m, err := fit(trX, trY, cfg.Lambda)
		if err != nil {
			return report{}, fmt.Errorf("sarcasm fold %d: %w", f+1, err)
		}
		prior := float64(positives(trY)) / float64(len(trY))
		t := halfF1Threshold(m.llrs(trX), trY, prior)
		test := score(m.llrs(teX), teY, 1, t)
		all := score(m.llrs(teX), teY, 1, math.Inf(-1))
		r.Folds = append(r.Folds, fold{Test: test, Baseline: all.F1})
		p, rc, f1, base = append(p, test.Precision), append(rc, test.Recall), append(f1, test.F1), append(base, all.F1)
	}
	r.MeanP, r.SDP = logreg.MeanSD(p)
	r.MeanR, r.SDR = logreg.MeanSD(rc)
	r.MeanF1, r.SDF1 = logreg.MeanSD(f1)
	r.BaselineF1, _ = logreg.MeanSD(base)
	m, err := fit(x, y, cfg.Lambda)
	if err != nil {
		return report{}, fmt.Errorf("sarcasm model: %w", err)
	}
	r.Model = m
	return r, nil
}

// split separates fold f (test) from the others (training).
func split(x [][]float64, y []bool, assign []int, f int) (trX [][]float64, trY []bool, teX [][]float64, teY []bool) {
	for i := range y {
		if assign[i] == f {
			teX, teY = append(teX, x[i]), append(teY, y[i])
		} else {
			trX, trY = append(trX, x[i]), append(trY, y[i])
		}
	}
	return trX, trY, teX, teY
}

// shifted is one model scored on held-out data reweighted to a base rate.
type shifted struct {
	Prior float64
	// Corrected uses the threshold chosen for Prior (halfF1Threshold);
	// Uncorrected the one chosen for the training base rate, as a model
	// that ignores the shift would; Deployed nlp's rule (SarcasmThreshold
	// under SarcasmPrior); Oracle the best any threshold reaches on this
	// data, which no rule can beat.
	Corrected, Uncorrected, Deployed metrics
	Oracle                           float64
}

// deployedLLR is the log-likelihood ratio from which nlp flags a message:
// SarcasmThreshold under SarcasmPrior.
func deployedLLR() float64 { return logit(nlp.SarcasmThreshold) - logit(nlp.SarcasmPrior) }

// evaluate scores m on test data x, y, as it is and reweighted to each
// of priors, choosing thresholds from its training data trX, trY.
func evaluate(m *model, trX [][]float64, trY []bool, x [][]float64, y []bool, priors []float64) []shifted {
	trLLR, llr := m.llrs(trX), m.llrs(x)
	own := float64(positives(trY)) / float64(len(trY))
	uncorrected := halfF1Threshold(trLLR, trY, own)
	var out []shifted
	for _, prior := range priors {
		w := negWeight(y, prior)
		_, oracle := bestF1(llr, y, w)
		out = append(out, shifted{
			Prior:       prior,
			Corrected:   score(llr, y, w, halfF1Threshold(trLLR, trY, prior)),
			Uncorrected: score(llr, y, w, uncorrected),
			Deployed:    score(llr, y, w, deployedLLR()),
			Oracle:      oracle,
		})
	}
	return out
}

// holdout fits on all folds but one of a split with cfg.HoldoutSeed and
// evaluates on that one (see evaluate): a check on data that took no part
// in fitting or in choosing any threshold.
func holdout(x [][]float64, y []bool, cfg config, priors []float64) ([]shifted, error) {
	cfg = cfg.withDefaults()
	assign := logreg.StratifiedFolds(y, cfg.Folds, cfg.HoldoutSeed)
	trX, trY, teX, teY := split(x, y, assign, 0)
	m, err := fit(trX, trY, cfg.Lambda)
	if err != nil {
		return nil, fmt.Errorf("held-out split: %w", err)
	}
	return evaluate(&m, trX, trY, teX, teY, priors), nil
}
