package logreg

import (
	"math"
	"testing"
)

func TestFit(t *testing.T) {
	// One feature; P(y) rises with it. The fitted weight is positive and
	// the probabilities follow the labels' shares.
	var x [][]float64
	var y []bool
	for i := range 200 {
		v := float64(i % 2) // feature 0 or 1
		x = append(x, []float64{v})
		y = append(y, (v == 1 && i%10 < 8) || (v == 0 && i%10 < 2)) // 80 % and 20 %
	}
	m, err := Fit(x, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Prob([]float64{1}); math.Abs(p-0.8) > 1e-6 {
		t.Errorf("P(y|x=1) = %v, want 0.8", p)
	}
	if p := m.Prob([]float64{0}); math.Abs(p-0.2) > 1e-6 {
		t.Errorf("P(y|x=0) = %v, want 0.2", p)
	}
	for _, tc := range []struct {
		name string
		x    [][]float64
		y    []bool
	}{
		{"empty", nil, nil},
		{"lengths differ", [][]float64{{1}}, []bool{true, false}},
		{"ragged rows", [][]float64{{1}, {1, 2}}, []bool{true, false}},
	} {
		if _, err := Fit(tc.x, tc.y, 1); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestStratifiedFolds(t *testing.T) {
	y := make([]bool, 103)
	for i := range 23 {
		y[i*4] = true
	}
	fold := StratifiedFolds(y, 5, 1)
	var pos, all [5]int
	for i, f := range fold {
		all[f]++
		if y[i] {
			pos[f]++
		}
	}
	for f := range 5 {
		if pos[f] < 4 || pos[f] > 5 || all[f] < 20 || all[f] > 21 {
			t.Errorf("fold %d: %d of %d positive", f, pos[f], all[f])
		}
	}
	again := StratifiedFolds(y, 5, 1)
	for i := range fold {
		if fold[i] != again[i] {
			t.Fatal("the same seed gave another assignment")
		}
	}
}

func TestMeanSD(t *testing.T) {
	if mean, sd := MeanSD([]float64{1, 2, 3}); mean != 2 || sd != 1 {
		t.Errorf("MeanSD = %v, %v", mean, sd)
	}
	if mean, sd := MeanSD(nil); mean != 0 || sd != 0 {
		t.Errorf("MeanSD(nil) = %v, %v", mean, sd)
	}
}
