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

// SarcasmTrainConfig sets up TrainSarcasm. The zero value is the
// configuration that produced the committed weights.
type SarcasmTrainConfig struct {
	Folds  int     // k of the stratified k-fold cross-validation; 5 if 0
	Seed   uint64  // seed of the fold assignment; 1 if 0
	Lambda float64 // L2 penalty on the summed log-loss; 1 if 0
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
// folds, with the threshold that maximised F1 on those folds, scored on
// this one; and the always-sarcastic baseline on this fold.
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
	// Model is fitted on every example; its threshold maximises F1 over
	// the out-of-fold probabilities, so it was chosen on unseen data.
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

// TrainSarcasm cross-validates L2-regularised logistic regression over the
// feature rows x with labels y (true: sarcastic), then fits the final
// model on all rows. It is deterministic for a given platform and cfg.
func TrainSarcasm(x [][]float64, y []bool, cfg SarcasmTrainConfig) (SarcasmReport, error) {
	cfg = cfg.withDefaults()
	for i, row := range x {
		if len(row) != numSarcasmFeatures {
			return SarcasmReport{}, fmt.Errorf("nlp: sarcasm row %d has %d features, want %d", i, len(row), numSarcasmFeatures)
		}
	}
	cv, err := logreg.CrossValidate(x, y, cfg.Folds, cfg.Seed, cfg.Lambda)
	if err != nil {
		return SarcasmReport{}, fmt.Errorf("nlp: sarcasm cross-validation: %w", err)
	}
	r := SarcasmReport{Config: cfg, Examples: len(y)}
	for _, v := range y {
		if v {
			r.Sarcastic++
		}
	}
	var p, rc, f1, base []float64
	for _, f := range cv.Folds {
		r.Folds = append(r.Folds, SarcasmFold{
			Test:     metrics(f.Test, f.Threshold),
			Baseline: metrics(f.Baseline, 0),
		})
		p = append(p, f.Test.Precision)
		rc = append(rc, f.Test.Recall)
		f1 = append(f1, f.Test.F1)
		base = append(base, f.Baseline.F1)
	}
	r.MeanP, r.SDP = logreg.MeanSD(p)
	r.MeanR, r.SDR = logreg.MeanSD(rc)
	r.MeanF1, r.SDF1 = logreg.MeanSD(f1)
	r.BaselineF1, _ = logreg.MeanSD(base)

	m, err := logreg.Fit(x, y, cfg.Lambda)
	if err != nil {
		return SarcasmReport{}, fmt.Errorf("nlp: sarcasm model: %w", err)
	}
	r.Model = SarcasmModel{Version: SarcasmModelVersion, Bias: m.Bias, Weights: m.W, Threshold: cv.OOFThreshold}
	train := make([]float64, len(x))
	for i, row := range x {
		train[i] = m.Prob(row)
	}
	r.TrainF1 = logreg.Score(train, y, cv.OOFThreshold).F1
	return r, nil
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
