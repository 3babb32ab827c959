package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/wiretap-hq/wiretap/internal/sarcasmdata"
	"github.com/wiretap-hq/wiretap/nlp"
)

func TestScoreAndBestF1(t *testing.T) {
	llr := []float64{3, 2, 1, 0, -1, -2}
	y := []bool{true, false, true, false, false, false}
	tests := []struct {
		name          string
		wNeg, thr     float64
		p, r, f1, flg float64
	}{
		{"top one", 1, 2.5, 1, 0.5, 2.0 / 3, 1.0 / 6},
		{"top three", 1, 0.5, 2.0 / 3, 1, 0.8, 0.5},
		{"negatives weighted twice", 2, 0.5, 0.5, 1, 2.0 / 3, 4.0 / 10},
		{"nothing flagged", 1, 9, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := score(llr, y, tt.wNeg, tt.thr)
			for _, c := range [][2]float64{{m.Precision, tt.p}, {m.Recall, tt.r}, {m.F1, tt.f1}, {m.Flagged, tt.flg}} {
				if math.Abs(c[0]-c[1]) > 1e-12 {
					t.Errorf("got %+v, want P %v R %v F1 %v flagged %v", m, tt.p, tt.r, tt.f1, tt.flg)
					break
				}
			}
		})
	}
	thr, f1 := bestF1(llr, y, 1)
	if thr != 0.5 || math.Abs(f1-0.8) > 1e-12 {
		t.Errorf("bestF1 = %v, %v; want 0.5, 0.8", thr, f1)
	}
	// A base rate below the sample's weighs negatives up; the best cut
	// moves up with it.
	if thr2, _ := bestF1(llr, y, negWeight(y, 0.05)); thr2 <= thr {
		t.Errorf("threshold for a 5%% base rate %v, not above %v", thr2, thr)
	}
	if w := negWeight(y, 2.0/6); math.Abs(w-1) > 1e-12 {
		t.Errorf("negWeight at the sample's own rate = %v, want 1", w)
	}
}

func trainData(t *testing.T) ([][]float64, []bool) {
	t.Helper()
	path, err := sarcasmdata.Find(sarcasmdata.TrainRel)
	if err != nil {
		t.Skipf("the sarcasm data is needed: %v", err)
	}
	texts, labels, err := sarcasmdata.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return features(nlp.New(), texts), labels
}

// The target for the cross-validated F1 of the sarcastic class,
// and the floor below which TestTrainAgainstLabels fails: the run is
// deterministic, so the slack is only for deliberate changes to the
// tokenizer, lexicon or cues, which move it by a few thousandths; a change
// that takes the model back to v1's level (0.445) fails.
const (
	targetF1 = 0.45
	floorF1  = 0.446
)

// TestTrainAgainstLabels re-runs the trainer: the cross-validated F1, the
// held-out check, and that retraining writes the committed weights byte
// for byte.
func TestTrainAgainstLabels(t *testing.T) {
	x, y := trainData(t)
	res, err := trainAll(x, y, config{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range res.lines() {
		t.Log(l)
	}
	r := res.rep
	if r.MeanF1 < floorF1 {
		t.Errorf("mean CV F1 %.3f < floor %.3f", r.MeanF1, floorF1)
	}
	if r.MeanF1 < targetF1 {
		t.Logf("NOTE: mean CV F1 %.3f is below the issue's target %.2f", r.MeanF1, targetF1)
	}
	if r.MeanF1 <= r.BaselineF1+0.02 {
		t.Errorf("mean CV F1 %.3f does not beat always-sarcastic %.3f", r.MeanF1, r.BaselineF1)
	}
	for _, s := range res.heldOut {
		// The corrected threshold is chosen for the base rate: it must do
		// at least as well as ignoring the shift, and come near the best
		// any threshold reaches on data it never saw.
		if s.Corrected.F1 < s.Uncorrected.F1-0.005 || s.Corrected.F1 < s.Oracle-0.05 {
			t.Errorf("base rate %.2f: corrected F1 %.3f, uncorrected %.3f, best %.3f",
				s.Prior, s.Corrected.F1, s.Uncorrected.F1, s.Oracle)
		}
		// The deployed rule flags only strong evidence: more precise than
		// the base rate, and rare.
		if s.Deployed.Precision <= s.Prior || s.Deployed.Flagged > 0.05 {
			t.Errorf("base rate %.2f: deployed rule precision %.3f, flags %.3f", s.Prior, s.Deployed.Precision, s.Deployed.Flagged)
		}
	}

	got, err := generate(res, "train.En.csv")
	if err != nil {
		t.Fatal(err)
	}
	root, err := sarcasmdata.Find("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(filepath.Dir(root), "nlp", "sarcasm_weights.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("retraining does not reproduce nlp/sarcasm_weights.go: run go run ./bench/cmd/trainsarcasm and review the diff")
	}
}

// TestRunDryWithTestFile runs the command as a user would, scoring a
// second labelled file (here the training file itself, the only one in the
// shared area), and checks that nothing is written.
func TestRunDryWithTestFile(t *testing.T) {
	path, err := sarcasmdata.Find(sarcasmdata.TrainRel)
	if err != nil {
		t.Skipf("the sarcasm data is needed: %v", err)
	}
	out := filepath.Join(t.TempDir(), "weights.go")
	var b bytes.Buffer
	if err := run(&b, path, out, path, true, 1, config{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mean ± sd", "held out:", "train.En.csv (3468 texts, 867 sarcastic), final model:", "base rate  F1 corrected"} {
		if !bytes.Contains(b.Bytes(), []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("--dry-run wrote %s (stat: %v)", out, err)
	}
	if err := run(&b, filepath.Join(t.TempDir(), "missing.csv"), out, "", true, 1, config{}); err == nil {
		t.Error("a missing data file gave no error")
	}
}
