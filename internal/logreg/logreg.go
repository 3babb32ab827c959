// Package logreg fits L2-regularised logistic regression by Newton's method
// and provides what cross-validating a binary classifier needs: stratified
// folds and the spread of the per-fold figures.
// It is small on purpose: the sarcasm model has a few dozen features and a
// few thousand examples, so a dense Newton step is exact, fast and, being
// free of randomness and parallelism, bit-for-bit reproducible on a given
// platform.
package logreg

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Model is a fitted logistic regression: P(y) = 1/(1+exp(-(Bias + W·x))).
type Model struct {
	Bias float64
	W    []float64
}

// Prob returns the model's probability for feature vector x.
func (m *Model) Prob(x []float64) float64 {
	z := m.Bias
	for j, w := range m.W {
		z += w * x[j]
	}
	return Sigmoid(z)
}

// Sigmoid is the logistic function, computed without overflow.
func Sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// Fit minimises the summed log-loss plus lambda/2·|W|² (the bias is not
// penalised) over the rows x with labels y. Every row must have the same
// length. It returns an error for empty or inconsistent input and when
// Newton's method does not converge in 100 steps.
func Fit(x [][]float64, y []bool, lambda float64) (Model, error) {
	if len(x) == 0 || len(x) != len(y) {
		return Model{}, fmt.Errorf("logreg: %d rows and %d labels", len(x), len(y))
	}
	if lambda < 0 || math.IsNaN(lambda) {
		return Model{}, fmt.Errorf("logreg: lambda %v", lambda)
	}
	d := len(x[0]) + 1 // column 0 is the bias
	for i, row := range x {
		if len(row) != d-1 {
			return Model{}, fmt.Errorf("logreg: row %d has %d features, want %d", i, len(row), d-1)
		}
	}
	w := make([]float64, d)
	g := make([]float64, d)
	h := make([]float64, d*d)
	xi := make([]float64, d)
	for range 100 {
		clear(g)
		clear(h)
		for i, row := range x {
			xi[0] = 1
			copy(xi[1:], row)
			z := 0.0
			for j := range d {
				z += w[j] * xi[j]
			}
			p := Sigmoid(z)
			r := p
			if y[i] {
				r = p - 1
			}
			s := p * (1 - p)
			for j := range d {
				g[j] += r * xi[j]
				if xi[j] == 0 {
					continue
				}
				sj := s * xi[j]
				for k := j; k < d; k++ {
					h[j*d+k] += sj * xi[k]
				}
			}
		}
		for j := 1; j < d; j++ {
			g[j] += lambda * w[j]
			h[j*d+j] += lambda
		}
		for j := range d { // mirror the upper triangle
			for k := j + 1; k < d; k++ {
				h[k*d+j] = h[j*d+k]
			}
		}
		step, err := solveCholesky(h, g, d)
		if err != nil {
			return Model{}, err
		}
		maxStep := 0.0
		for j := range d {
			w[j] -= step[j]
			maxStep = max(maxStep, math.Abs(step[j]))
		}
		if maxStep < 1e-10 {
			return Model{Bias: w[0], W: slices.Clone(w[1:])}, nil
		}
	}
	return Model{}, errors.New("logreg: Newton's method did not converge")
}

// solveCholesky solves a·s = b for the symmetric positive-definite d×d
// matrix a (row-major), which it overwrites.
func solveCholesky(a, b []float64, d int) ([]float64, error) {
	for j := range d {
		sum := a[j*d+j]
		for k := range j {
			sum -= a[j*d+k] * a[j*d+k]
		}
		if sum <= 0 {
			return nil, errors.New("logreg: Hessian is not positive definite (a feature never varies? use lambda > 0)")
		}
		l := math.Sqrt(sum)
		a[j*d+j] = l
		for i := j + 1; i < d; i++ {
			s := a[i*d+j]
			for k := range j {
				s -= a[i*d+k] * a[j*d+k]
			}
			a[i*d+j] = s / l
		}
	}
	s := slices.Clone(b)
	for i := range d { // L·t = b
		for k := range i {
			s[i] -= a[i*d+k] * s[k]
		}
		s[i] /= a[i*d+i]
	}
	for i := d - 1; i >= 0; i-- { // Lᵀ·s = t
		for k := i + 1; k < d; k++ {
			s[i] -= a[k*d+i] * s[k]
		}
		s[i] /= a[i*d+i]
	}
	return s, nil
}

// StratifiedFolds assigns each example to one of k folds so that every
// fold has the same share of positives, up to rounding. The assignment
// depends only on y, k and seed.
func StratifiedFolds(y []bool, k int, seed uint64) []int {
	var pos, neg []int
	for i, v := range y {
		if v {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	r := rand.New(rand.NewPCG(seed, 0x5a5c_a5a5_2022_0006))
	r.Shuffle(len(pos), func(i, j int) { pos[i], pos[j] = pos[j], pos[i] })
	r.Shuffle(len(neg), func(i, j int) { neg[i], neg[j] = neg[j], neg[i] })
	fold := make([]int, len(y))
	for n, i := range pos {
		fold[i] = n % k
	}
	for n, i := range neg {
		fold[i] = (len(pos) + n) % k // continue the rotation: fold sizes stay within one
	}
	return fold
}

// MeanSD returns the mean and the sample standard deviation of v.
func MeanSD(v []float64) (mean, sd float64) {
	if len(v) == 0 {
		return 0, 0
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)-1))
}
