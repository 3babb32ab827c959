package nlp

import (
	"fmt"
	"math"

	"github.com/wiretap-hq/wiretap/nlp/internal/logreg"
)

// This file is the training side of the sarcasm model, shared by the
// trainer (bench/cmd/trainsarcasm), which writes sarcasm_weights.go, and by
// TestSarcasmAgainstLabels, which re-runs the same cross-validation. The
// pipeline never calls it.

// SarcasmThresholdRule says how a decision threshold is chosen from the
// examples a model was fitted on. Either way the held-out fold never
// takes part.
type SarcasmThresholdRule uint8

const (
	// ThresholdHalfF1 (sarcasm-v2) sets the threshold to half the best F1
	// that any threshold reaches on the fitted model's own training
	// predictions. For calibrated probabilities the F1-optimal threshold
	// is half the optimal F1 (Lipton, Elkan and Naryanaswamy, "Optimal
	// Thresholding of Classifiers to Maximize F1 Measure", ECML PKDD
	// 2014). The best F1 is a far steadier quantity than the threshold
	// that attains it, which on this data sits on a flat stretch of the
	// F1 curve and moved from 0.200 to 0.233 between the folds of v1.
	ThresholdHalfF1 SarcasmThresholdRule = iota
	// ThresholdMaxF1 (sarcasm-v1) takes the threshold that maximises F1
	// on the training predictions in each fold and, for the final model,
	// on the out-of-fold predictions.
	ThresholdMaxF1
)

func (r SarcasmThresholdRule) String() string {
	switch r {
	case ThresholdHalfF1:
		return "half of the best training F1"
	case ThresholdMaxF1:
		return "F1-maximising on the training predictions"
	}
	return fmt.Sprintf("SarcasmThresholdRule(%d)", uint8(r))
}

// SarcasmTrainConfig sets up TrainSarcasm. The zero value is the
// configuration that produced the committed weights.
type SarcasmTrainConfig struct {
	Folds     int                  // k of the stratified k-fold cross-validation; 5 if 0
	Seed      uint64               // seed of the fold assignment; 1 if 0
	Lambda    float64              // L2 penalty on the summed log-loss; 1 if 0
	Threshold SarcasmThresholdRule // how each fitted model's threshold is chosen
}

func (c SarcasmTrainConfig) withDefaults() SarcasmTrainConfig {
	if c.Folds == 0 {
		c.Folds = 5
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Lambda == 0 {
		c.Lambda = 1
	}
	return c
}

// SarcasmMetrics are precision, recall and F1 of the sarcastic class.
type SarcasmMetrics struct {
	Threshold             float64
	TP, FP, FN, TN        int
	Precision, Recall, F1 float64
}

// SarcasmFold is one cross-validation fold: the model fitted on the other
// folds, with the threshold its rule chose on those folds, scored on this
// one; and the always-sarcastic baseline on this fold.
type SarcasmFold struct {
	Test, Baseline SarcasmMetrics
}

// SarcasmModel is a fitted model: weights in feature order (see
// SarcasmFeatureNames) and its decision threshold.
type SarcasmModel struct {
	Version   string // SarcasmModelVersion of the cues it was trained on
	Bias      float64
	Weights   []float64
	Threshold float64
}

// SarcasmReport is the outcome of TrainSarcasm.
type SarcasmReport struct {
	Config               SarcasmTrainConfig
	Examples, Sarcastic  int
	Folds                []SarcasmFold
	MeanP, MeanR, MeanF1 float64 // over folds
	SDP, SDR, SDF1       float64 // sample standard deviation over folds
	BaselineF1           float64 // always sarcastic, mean over folds
	// Model is fitted on every example. Its threshold follows the same
	// rule as in the folds: with ThresholdHalfF1, half the best F1 on its
	// training data (all of it); with ThresholdMaxF1, the F1-maximising
	// threshold over the out-of-fold probabilities.
	Model SarcasmModel
	// TrainF1 is Model scored on its own training data: optimistic, shown
	// only next to the cross-validated figure.
	TrainF1 float64
}

// SarcasmFeatureMatrix analyses each text and returns its feature vector
// (see Analysis.SarcasmFeatures).
func (a *Analyzer) SarcasmFeatureMatrix(texts []string) [][]float64 {
	x := make([][]float64, len(texts))
	var out Analysis
	for i, t := range texts {
		a.Analyze(t, &out)
		x[i] = out.SarcasmFeatures(make([]float64, 0, numSarcasmFeatures))
	}
	return x
}

// numSarcasmV1Cues is the number of cues in sarcasm-v1: CueMarker to
// CueLink, whose definitions sarcasm-v2 keeps.
const numSarcasmV1Cues = int(CueLink) + 1

// SarcasmV1FeatureMatrix analyses each text and returns the feature
// vector of sarcasm-v1: its 21 cues, pos, neg and log(1+Words)/4. The
// trainer fits it next to the current model, on the same folds, so that
// every report compares the two.
func (a *Analyzer) SarcasmV1FeatureMatrix(texts []string) [][]float64 {
	x := make([][]float64, len(texts))
	var out Analysis
	for i, t := range texts {
		a.Analyze(t, &out)
		var f [numSarcasmFeatures]float64
		out.sarcasmFeatures(&f)
		row := make([]float64, 0, numSarcasmV1Cues+3)
		row = append(row, f[:numSarcasmV1Cues]...)
		x[i] = append(row, f[featPos], f[featNeg], math.Log1p(float64(out.Words))/4)
	}
	return x
}

// SarcasmV1FeatureNames names the columns of SarcasmV1FeatureMatrix.
func SarcasmV1FeatureNames() []string {
	names := SarcasmCueSet(1<<numSarcasmV1Cues - 1).AppendNames(make([]string, 0, numSarcasmV1Cues+3))
	return append(names, "pos", "neg", "length")
}

// TrainSarcasm cross-validates L2-regularised logistic regression over the
// feature rows x with labels y (true: sarcastic), then fits the final
// model on all rows. Rows may have any fixed width (the current features,
// or the v1 ones for comparison); the final model's Version is
// SarcasmModelVersion only for the current width. It is deterministic for
// a given platform and cfg.
func TrainSarcasm(x [][]float64, y []bool, cfg SarcasmTrainConfig) (SarcasmReport, error) {
	cfg = cfg.withDefaults()
	if len(x) == 0 || len(x) != len(y) {
		return SarcasmReport{}, fmt.Errorf("nlp: %d sarcasm rows and %d labels", len(x), len(y))
	}
	for i, row := range x {
		if len(row) != len(x[0]) {
			return SarcasmReport{}, fmt.Errorf("nlp: sarcasm row %d has %d features, want %d", i, len(row), len(x[0]))
		}
	}
	if cfg.Folds < 2 || cfg.Folds > len(y) {
		return SarcasmReport{}, fmt.Errorf("nlp: %d folds for %d examples", cfg.Folds, len(y))
	}
	r := SarcasmReport{Config: cfg, Examples: len(y)}
	for _, v := range y {
		if v {
			r.Sarcastic++
		}
	}
	fold := logreg.StratifiedFolds(y, cfg.Folds, cfg.Seed)
	oof := make([]float64, len(y))
	var p, rc, f1, base []float64
	for f := range cfg.Folds {
		var trX [][]float64
		var trY, teY []bool
		var teIdx []int
		for i := range y {
			if fold[i] == f {
				teIdx = append(teIdx, i)
				teY = append(teY, y[i])
			} else {
				trX = append(trX, x[i])
				trY = append(trY, y[i])
			}
		}
		m, err := logreg.Fit(trX, trY, cfg.Lambda)
		if err != nil {
			return SarcasmReport{}, fmt.Errorf("nlp: sarcasm fold %d: %w", f+1, err)
		}
		t, _ := trainThreshold(&m, trX, trY, cfg.Threshold)
		teP := make([]float64, len(teIdx))
		for n, i := range teIdx {
			teP[n] = m.Prob(x[i])
			oof[i] = teP[n]
		}
		test, all := logreg.Score(teP, teY, t), logreg.Score(teP, teY, math.Inf(-1))
		r.Folds = append(r.Folds, SarcasmFold{Test: metrics(test, t), Baseline: metrics(all, 0)})
		p = append(p, test.Precision)
		rc = append(rc, test.Recall)
		f1 = append(f1, test.F1)
		base = append(base, all.F1)
	}
	r.MeanP, r.SDP = logreg.MeanSD(p)
	r.MeanR, r.SDR = logreg.MeanSD(rc)
	r.MeanF1, r.SDF1 = logreg.MeanSD(f1)
	r.BaselineF1, _ = logreg.MeanSD(base)

	m, err := logreg.Fit(x, y, cfg.Lambda)
	if err != nil {
		return SarcasmReport{}, fmt.Errorf("nlp: sarcasm model: %w", err)
	}
	t, train := trainThreshold(&m, x, y, cfg.Threshold)
	if cfg.Threshold == ThresholdMaxF1 {
		t, _ = logreg.BestThreshold(oof, y)
	}
	version := SarcasmModelVersion
	if len(x[0]) != numSarcasmFeatures {
		version = fmt.Sprintf("(%d features)", len(x[0]))
	}
	r.Model = SarcasmModel{Version: version, Bias: m.Bias, Weights: m.W, Threshold: t}
	r.TrainF1 = logreg.Score(train, y, t).F1
	return r, nil
}

// trainThreshold chooses m's threshold by rule from its training data; it
// also returns the training probabilities.
func trainThreshold(m *logreg.Model, x [][]float64, y []bool, rule SarcasmThresholdRule) (float64, []float64) {
	p := make([]float64, len(x))
	for i, row := range x {
		p[i] = m.Prob(row)
	}
	t, f1 := logreg.BestThreshold(p, y)
	if rule == ThresholdHalfF1 {
		t = f1 / 2
	}
	return t, p
}

func metrics(m logreg.Metrics, threshold float64) SarcasmMetrics {
	return SarcasmMetrics{
		Threshold: threshold,
		TP:        m.TP, FP: m.FP, FN: m.FN, TN: m.TN,
		Precision: m.Precision, Recall: m.Recall, F1: m.F1,
	}
}

// Prob applies the model to one feature vector.
func (m *SarcasmModel) Prob(x []float64) float64 {
	z := m.Bias
	for j, w := range m.Weights {
		z += w * x[j]
	}
	return sigmoid(z)
}

// CommittedSarcasmModel returns the model compiled into the package (see
// sarcasm_weights.go), for comparing a retrained model against it.
func CommittedSarcasmModel() SarcasmModel {
	return SarcasmModel{
		Version:   sarcasmWeightsVersion,
		Bias:      sarcasmBias,
		Weights:   append([]float64(nil), sarcasmWeights[:]...),
		Threshold: SarcasmThreshold,
	}
}

// RoundSarcasmModel rounds weights to 4 decimals and the threshold to 3,
// as the generated file stores them: rounding hides the last-bit
// differences between platforms (fused multiply-add) so that a retrain
// reproduces the committed file byte for byte.
func RoundSarcasmModel(m SarcasmModel) SarcasmModel {
	r := func(v float64, d float64) float64 { return math.Round(v*d) / d }
	out := SarcasmModel{Version: m.Version, Bias: r(m.Bias, 1e4), Threshold: r(m.Threshold, 1e3)}
	for _, w := range m.Weights {
		out.Weights = append(out.Weights, r(w, 1e4)+0) // +0 turns -0 into 0
	}
	return out
}
