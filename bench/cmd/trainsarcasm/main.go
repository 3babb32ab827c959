// Command trainsarcasm fits the sarcasm model of package nlp and writes its
// weights to nlp/sarcasm_weights.go. It reads author-labelled tweets
// (iSarcasmEval, SemEval-2022 task 6: a CSV with columns tweet and
// sarcastic), extracts the nlp package's sarcasm features, runs stratified
// k-fold cross-validation of L2-regularised logistic regression, prints
// precision, recall and F1 of the sarcastic class per fold, with mean and
// standard deviation and the always-sarcastic baseline, and then fits on
// every tweet. Each fold's threshold is chosen on its training folds, never
// on the fold it is scored on.
//
// Thresholds are kept on the log-likelihood ratio, the model's log-odds
// less those of its training base rate, which no base rate changes; a
// threshold for data of another base rate follows from it (see
// halfF1Threshold). The held-out check fits on four fifths of the tweets
// and scores the last fifth as it is and reweighted to lower base rates,
// with the threshold corrected for the base rate, without correction, and
// with nlp's deployed rule; --test scores the final model on a separate
// labelled file (the iSarcasmEval test set) the same way.
//
// From the repository root:
//
//	go run ./bench/cmd/trainsarcasm              # train, report, write nlp/sarcasm_weights.go
//	go run ./bench/cmd/trainsarcasm --dry-run    # report only
//	go run ./bench/cmd/trainsarcasm --dry-run --test task_A_En_test.csv
//
// The same data and flags give the same file byte for byte. The data stays
// in the shared area (../shared/data relative to the repository root): it
// is never copied into the repository.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wiretap-hq/wiretap/internal/sarcasmdata"
	"github.com/wiretap-hq/wiretap/nlp"
)

// heldOutPriors are the base rates the held-out fifth is reweighted to,
// after its own: that of the iSarcasmEval test set, and an office's.
var heldOutPriors = []float64{0.14, 0.05}

func main() {
	data := flag.String("data", "", "labelled CSV (default: "+sarcasmdata.TrainRel+" from the repository root)")
	out := flag.String("out", "", "generated Go file (default: nlp/sarcasm_weights.go in the repository)")
	test := flag.String("test", "", "also score the final model on this labelled CSV (tweet or text, sarcastic)")
	dry := flag.Bool("dry-run", false, "report only; do not write the weights")
	repeats := flag.Int("repeats", 10, "also repeat the cross-validation with seeds seed..seed+repeats-1 and report the spread")
	var cfg config
	flag.IntVar(&cfg.Folds, "folds", 5, "folds of the cross-validation")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the fold assignment")
	flag.Float64Var(&cfg.Lambda, "lambda", 1, "L2 penalty on the summed log-loss")
	flag.Uint64Var(&cfg.HoldoutSeed, "holdout-seed", 2022, "seed of the held-out split")
	flag.Parse()
	if err := run(os.Stdout, *data, *out, *test, *dry, *repeats, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "trainsarcasm:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, data, out, test string, dry bool, repeats int, cfg config) error {
	if data == "" {
		p, err := sarcasmdata.Find(sarcasmdata.TrainRel)
		if err != nil {
			return err
		}
		data = p
	}
	if out == "" && !dry {
		root, err := sarcasmdata.Find("go.mod")
		if err != nil {
			return fmt.Errorf("run from the repository or pass --out: %w", err)
		}
		out = filepath.Join(filepath.Dir(root), "nlp", "sarcasm_weights.go")
	}
	texts, labels, err := sarcasmdata.ReadFile(data)
	if err != nil {
		return err
	}
	a := nlp.New()
	x := features(a, texts)
	res, err := trainAll(x, labels, cfg, repeats)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\n", strings.Join(res.lines(), "\n"))
	if test != "" {
		tt, tl, err := sarcasmdata.ReadFile(test)
		if err != nil {
			return err
		}
		own := float64(positives(tl)) / float64(len(tl))
		ev := evaluate(&res.rep.Model, x, labels, features(a, tt), tl, []float64{own})
		fmt.Fprintf(w, "\n%s (%d texts, %d sarcastic), final model:\n%s\n",
			filepath.Base(test), len(tl), positives(tl), strings.Join(shiftedTable(ev), "\n"))
	}
	if dry {
		return nil
	}
	src, err := generate(res, filepath.Base(data))
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, src, 0o644); err != nil {
		return fmt.Errorf("write weights: %w", err)
	}
	fmt.Fprintf(w, "\nwrote %s\n", out)
	return nil
}

// features analyses each text and returns its feature vector.
func features(a *nlp.Analyzer, texts []string) [][]float64 {
	x := make([][]float64, len(texts))
	var out nlp.Analysis
	for i, t := range texts {
		a.Analyze(t, &out)
		x[i] = out.SarcasmFeatures(nil)
	}
	return x
}

// result is everything one training run reports and writes.
type result struct {
	rep     report
	seeds   []float64 // mean CV F1 per seed, from cfg.Seed on
	heldOut []shifted
}

func trainAll(x [][]float64, y []bool, cfg config, repeats int) (result, error) {
	cfg = cfg.withDefaults()
	rep, err := train(x, y, cfg)
	if err != nil {
		return result{}, err
	}
	res := result{rep: rep}
	for k := range repeats {
		c := cfg
		c.Seed = cfg.Seed + uint64(k)
		r, err := train(x, y, c)
		if err != nil {
			return result{}, err
		}
		res.seeds = append(res.seeds, r.MeanF1)
	}
	own := float64(rep.Sarcastic) / float64(rep.Examples)
	res.heldOut, err = holdout(x, y, cfg, append([]float64{own}, heldOutPriors...))
	return res, err
}

// lines renders the report: cross-validation, seeds, held-out check.
func (res *result) lines() []string {
	r := &res.rep
	out := []string{
		fmt.Sprintf("%d tweets, %d sarcastic (%.1f%%); cues %s; lambda %g; %d-fold stratified CV, seed %d; "+
			"each fold's threshold: half the best F1 on its training folds",
			r.Examples, r.Sarcastic, 100*float64(r.Sarcastic)/float64(r.Examples), nlp.SarcasmModelVersion,
			r.Config.Lambda, r.Config.Folds, r.Config.Seed),
		"",
		"fold  precision  recall  F1     baseline F1",
	}
	for i, f := range r.Folds {
		out = append(out, fmt.Sprintf("%-5d %-10.3f %-7.3f %-6.3f %.3f", i+1, f.Test.Precision, f.Test.Recall, f.Test.F1, f.Baseline))
	}
	out = append(out, fmt.Sprintf("mean ± sd  P %.3f ± %.3f  R %.3f ± %.3f  F1 %.3f ± %.3f  (always sarcastic: F1 %.3f)",
		r.MeanP, r.SDP, r.MeanR, r.SDR, r.MeanF1, r.SDF1, r.BaselineF1))
	if len(res.seeds) > 1 {
		lo, hi, mean := res.seeds[0], res.seeds[0], 0.0
		for _, v := range res.seeds {
			lo, hi, mean = min(lo, v), max(hi, v), mean+v/float64(len(res.seeds))
		}
		out = append(out, "", fmt.Sprintf("repeated with seeds %d-%d: mean CV F1 %.3f (per seed %.3f to %.3f)",
			r.Config.Seed, r.Config.Seed+uint64(len(res.seeds))-1, mean, lo, hi))
	}
	out = append(out, "", fmt.Sprintf("held out: fitted on %d of %d folds (split seed %d), scored on the last, reweighted to each base rate:",
		r.Config.Folds-1, r.Config.Folds, r.Config.HoldoutSeed))
	return append(out, shiftedTable(res.heldOut)...)
}

// shiftedTable renders evaluate's figures, one base rate a line.
func shiftedTable(ev []shifted) []string {
	out := []string{"base rate  F1 corrected  F1 uncorrected  best F1  deployed rule: P      R      flagged"}
	for _, s := range ev {
		out = append(out, fmt.Sprintf("%-10.3f %-13.3f %-15.3f %-8.3f %20.3f  %.3f  %.4f",
			s.Prior, s.Corrected.F1, s.Uncorrected.F1, s.Oracle, s.Deployed.Precision, s.Deployed.Recall, s.Deployed.Flagged))
	}
	return out
}

func num(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Trim(s, "-0.") == "" {
		return strconv.FormatFloat(0, 'f', prec, 64) // no "-0.0000"
	}
	return s
}

// round4 rounds to 4 decimals, as the generated file stores weights:
// rounding hides last-bit differences between platforms (fused
// multiply-add), so a retrain reproduces the committed file byte for byte.
func round4(v float64) string { return num(v, 4) }

// generate writes sarcasm_weights.go, gofmt'd.
func generate(res result, dataName string) ([]byte, error) {
	r := &res.rep
	var b bytes.Buffer
	b.WriteString("// Code generated by go run ./bench/cmd/trainsarcasm; DO NOT EDIT.\n\n")
	b.WriteString("package nlp\n\n")
	fmt.Fprintf(&b, "// The sarcasm model, trained by bench/cmd/trainsarcasm on %s\n", dataName)
	fmt.Fprintf(&b, "// (iSarcasmEval, SemEval-2022 task 6): %d author-labelled tweets, %d\n", r.Examples, r.Sarcastic)
	fmt.Fprintf(&b, "// sarcastic. L2-regularised logistic regression, lambda %g.\n", r.Config.Lambda)
	fmt.Fprintf(&b, "// %d-fold stratified cross-validation (seed %d), sarcastic class, each\n", r.Config.Folds, r.Config.Seed)
	b.WriteString("// fold's threshold half the best F1 on its training folds:\n//\n")
	for _, l := range res.lines()[2:] {
		if l == "" {
			b.WriteString("//\n")
			continue
		}
		if strings.HasPrefix(l, "repeated") || strings.HasPrefix(l, "held out") {
			fmt.Fprintf(&b, "// %s\n", l)
			continue
		}
		fmt.Fprintf(&b, "//\t%s\n", l)
	}
	b.WriteString("//\n// \"corrected\" chooses the threshold for the base rate, \"uncorrected\" keeps the\n")
	b.WriteString("// training base rate's; the deployed rule is SarcasmThreshold under SarcasmPrior.\n\n")
	m := r.Model
	fmt.Fprintf(&b, "const sarcasmWeightsVersion = %q\n\n", m.Version)
	fmt.Fprintf(&b, "const sarcasmBias = %s\n\n", round4(m.Bias))
	fmt.Fprintf(&b, "// sarcasmTrainLogOdds is the log-odds of the training base rate (%d of\n", r.Sarcastic)
	fmt.Fprintf(&b, "// %d), which scoring replaces by SarcasmPrior's.\n", r.Examples)
	fmt.Fprintf(&b, "const sarcasmTrainLogOdds = %s\n\n", round4(m.TrainLogOdds))
	b.WriteString("// sarcasmWeights are in feature order: the cues, then pos, neg, length.\n")
	b.WriteString("var sarcasmWeights = [numSarcasmFeatures]float64{\n")
	for j, name := range nlp.SarcasmFeatureNames() {
		fmt.Fprintf(&b, "\t%d: %s, // %s\n", j, round4(m.Weights[j]), name)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
