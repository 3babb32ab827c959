package nlp

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sarcasmCueCases pairs every cue with the example from its doc comment
// (or one like it) and a plain counterexample that must not fire it.
var sarcasmCueCases = []struct {
	cue      SarcasmCue
	fires    []string
	notFires []string
}{
	{CueMarker, []string{"that went well /s", "great meeting #not", "so proud #sarcasm"},
		[]string{"that went well", "and/s", "see #general"}},
	{CueInterjection, []string{"oh wow, another reorg", "Oh, great.", "wait, what"},
		[]string{"the office is open"}},
	{CueAgreement, []string{"yeah sure, that will work", "of course it broke", "Yes."},
		[]string{"the course starts monday"}},
	{CueIronicAdverb, []string{"apparently the tests are optional now", "clearly a genius"},
		[]string{"the tests run nightly"}},
	{CuePraise, []string{"great, the VPN is down", "such FUN"},
		[]string{"the VPN is down"}},
	{CueLove, []string{"i love being on call", "loving this"},
		[]string{"i am on call"}},
	{CueThanks, []string{"thanks for breaking the build", "thank you all"},
		[]string{"the build broke"}},
	{CuePhrase, []string{
		"love it when the build breaks at 5pm", "love how nobody reads docs",
		"gotta love monday", "got to love it", "thanks a lot", "thanks for nothing",
		"just what I needed", "exactly what we wanted", "yeah right", "can’t wait for the 8am all-hands",
		"looking forward to it", "who knew", "what a surprise",
	}, []string{"i love it", "a lot of thanks", "what I needed", "right, yeah", "wait, can we"}},
	{CueScareQuotes, []string{`the "quick" fix took all week`, "the “quick fix” again", "a 'small' change",
		"will ✨disappear✨ soon", "the &quot;fix&quot;"},
		[]string{`he said "this is a long quoted sentence" twice`, `the " quick " fix`, "don't"}},
	{CueEllipsis, []string{"sure, that will work...", "ok…", "fine.."},
		[]string{"sure, that will work.", "version 1.2.3"}},
	{CueElongation, []string{"sooo excited", "yesss"},
		[]string{"so excited", "www.example.com 1000"}},
	{CueCapsSentiment, []string{"I just LOVE mandatory fun", "it is SO good"},
		[]string{"I LOVE IT", "ask the AWS team", "OK then"}},
	{CueExclaimNegative, []string{"the worst release ever!"},
		[]string{"the best release ever!", "the worst release ever"}},
	{CueQuestion, []string{"why would anyone test before merging?"},
		[]string{"nobody tests before merging."}},
	{CueIronyEmoji, []string{"prod is down again 🙃", "sure :eye_roll:", "nice one ;)", "hmm :thinking_face:"},
		[]string{"prod is down again :smile:"}},
	{CueLaughter, []string{"my laptop died mid-demo lol", "hahaha no", "that demo 😂", ":joy:"},
		[]string{"my laptop died mid-demo"}},
	{CueEmojiContrast, []string{"i hate it here :heart:", "i hate it here 🥰", "i love mondays :sob:"},
		[]string{"i love it here :heart:", "i hate mondays :sob:", "not happy :sob:"}},
	{CuePositiveEvent, []string{"love spending my saturday stuck in traffic", "great, another outage", "thanks, now it's broken"},
		[]string{"love spending my saturday at the beach", "stuck in traffic again"}},
	{CueYou, []string{"you must be so proud of that merge", "your call"},
		[]string{"we must be proud of that merge"}},
	{CueSincere, []string{"please review when you can", "congrats on the launch", "🥺"},
		[]string{"review it now"}},
	{CueLink, []string{"release notes: https://example.com/notes", "see <https://example.com|the notes>"},
		[]string{"release notes are out"}},
	{CueLoveHow, []string{
		"love being on call on a holiday weekend", "my favorite part of the release is the rollback",
		"love how nobody reads docs", "I love it when the build breaks", "gotta love mondays",
		"just loving waiting for CI", "enjoy spending your weekend on it",
	}, []string{"i love it", "love you all", "how do you love it", "my favorite release", "love sing"}},
	{CueWhQuestion, []string{"why is the staging db read-only?", "<@U123> how do I get access?",
		"@ann_lee where is the runbook?", "What time is standup?"},
		[]string{"why is the staging db read-only", "is it just me, or why?", "what a surprise", "so why not?"}},
}

func TestSarcasmCues(t *testing.T) {
	a := analyzerOnce()
	covered := map[SarcasmCue]bool{}
	var out Analysis
	for _, tc := range sarcasmCueCases {
		covered[tc.cue] = true
		t.Run(tc.cue.String(), func(t *testing.T) {
			for _, s := range tc.fires {
				a.Analyze(s, &out)
				if !out.SarcasmCues().Has(tc.cue) {
					t.Errorf("%q: %s did not fire; cues %v", s, tc.cue, out.SarcasmCues().AppendNames(nil))
				}
			}
			for _, s := range tc.notFires {
				a.Analyze(s, &out)
				if out.SarcasmCues().Has(tc.cue) {
					t.Errorf("%q: %s fired; cues %v", s, tc.cue, out.SarcasmCues().AppendNames(nil))
				}
			}
		})
	}
	for _, c := range SarcasmCues() {
		if !covered[c] {
			t.Errorf("cue %s has no test case", c)
		}
	}
}

func TestSarcasmScore(t *testing.T) {
	a := analyzerOnce()
	var out Analysis
	a.Analyze("", &out)
	if out.Sarcasm != 0 || out.SarcasmCues() != 0 || out.Sarcastic() {
		t.Errorf("empty text: sarcasm %v, cues %v", out.Sarcasm, out.SarcasmCues().AppendNames(nil))
	}
	a.Analyze("oh great, another outage 🙃 love it when prod breaks", &out)
	sarc := out.Sarcasm
	if !out.Sarcastic() {
		t.Errorf("obvious sarcasm scored %.3f < threshold %.3f", sarc, SarcasmThreshold)
	}
	a.Analyze("please review the release notes: https://example.com/notes", &out)
	if out.Sarcastic() || out.Sarcasm >= sarc {
		t.Errorf("sincere request scored %.3f", out.Sarcasm)
	}
	// Analyze resets the cue state between messages.
	a.Analyze("the build is green", &out)
	if out.SarcasmCues() != 0 {
		t.Errorf("cues leaked from the previous message: %v", out.SarcasmCues().AppendNames(nil))
	}
}

func TestSarcasmWeightsVersion(t *testing.T) {
	if sarcasmWeightsVersion != SarcasmModelVersion {
		t.Fatalf("sarcasm_weights.go was trained for %q but the cues are %q: run go run ./bench/cmd/trainsarcasm",
			sarcasmWeightsVersion, SarcasmModelVersion)
	}
	names := SarcasmFeatureNames()
	if len(names) != numSarcasmFeatures || len(SarcasmCues()) != int(numSarcasmCues) {
		t.Fatalf("%d feature names for %d features", len(names), numSarcasmFeatures)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[n] {
			t.Errorf("feature name %q empty or repeated", n)
		}
		seen[n] = true
	}
	if SarcasmThreshold <= 0 || SarcasmThreshold >= 1 {
		t.Errorf("threshold %v", SarcasmThreshold)
	}
}

func TestAnalyzeZeroAllocsWithSarcasm(t *testing.T) {
	a := analyzerOnce()
	texts := append([]string(nil), builtinCorpus...)
	for _, tc := range sarcasmCueCases {
		texts = append(texts, tc.fires...)
	}
	var out Analysis
	for _, s := range texts { // grow the buffers first
		a.Analyze(s, &out)
	}
	allocs := testing.AllocsPerRun(20, func() {
		for _, s := range texts {
			a.Analyze(s, &out)
		}
	})
	if allocs != 0 {
		t.Errorf("Analyze allocates %.1f times per pass over %d texts", allocs, len(texts))
	}
	var names []string
	allocs = testing.AllocsPerRun(20, func() {
		names = out.SarcasmCues().AppendNames(names[:0])
	})
	if allocs != 0 {
		t.Errorf("AppendNames allocates %.1f times with a reused slice", allocs)
	}
}

func FuzzSarcasm(f *testing.F) {
	fuzzSeeds(f)
	for _, tc := range sarcasmCueCases {
		for _, s := range append(tc.fires, tc.notFires...) {
			f.Add(s)
		}
	}
	a := New()
	f.Fuzz(func(t *testing.T, in string) {
		var out Analysis
		a.Analyze(in, &out)
		p := out.Sarcasm
		if math.IsNaN(p) || p < 0 || p > 1 {
			t.Fatalf("%q: sarcasm %v", in, p)
		}
		if out.Sarcastic() != (p >= SarcasmThreshold) {
			t.Fatalf("%q: Sarcastic %v at %v", in, out.Sarcastic(), p)
		}
		if out.SarcasmCues()>>numSarcasmCues != 0 {
			t.Fatalf("%q: unknown cue bits %b", in, out.SarcasmCues())
		}
		x := out.SarcasmFeatures(nil)
		m := CommittedSarcasmModel()
		if q := m.Prob(x); (p != 0 || out.Words != 0) && math.Abs(q-p) > 1e-12 {
			t.Fatalf("%q: Sarcasm %v but the model on SarcasmFeatures gives %v", in, p, q)
		}
		// Analysing again, after other text, gives the same answer.
		a.Analyze("oh great :upside_down_face: thanks a lot", &out)
		a.Analyze(in, &out)
		if out.Sarcasm != p {
			t.Fatalf("%q: sarcasm %v then %v", in, p, out.Sarcasm)
		}
	})
}

// sarcasmDataRel is where the iSarcasmEval tweets live relative to the
// repository root. The data belongs to the shared area, never to the repo.
const sarcasmDataRel = "../shared/data/sarcasm/train.En.csv"

// The target for the cross-validated F1 of the sarcastic class,
// and the floor below which this test fails.
//
// sarcasm-v2 reaches 0.459 with a fold-to-fold sd of 0.016 (seed 1);
// over seeds 1-20 its mean is 0.452, sd 0.004 (sarcasm-v1: 0.445 at
// seed 1, 0.440 over seeds 1-20). The floor sits just above mean minus
// one fold sd (0.443): the test computes the same mean every run, so the
// slack is there only for deliberate changes to the tokenizer, lexicon
// or cues, which move it by a few thousandths; a change that takes the
// model back to v1's level (0.445) fails.
const (
	sarcasmTargetF1 = 0.45
	sarcasmFloorF1  = 0.446
)

func loadSarcasmData(tb testing.TB) (texts []string, labels []bool) {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Skipf("sarcasm data: %v", err)
	}
	var f *os.File
	for d := dir; ; d = filepath.Dir(d) {
		if f, err = os.Open(filepath.Join(d, sarcasmDataRel)); err == nil {
			break
		}
		if filepath.Dir(d) == d {
			tb.Skipf("%s not found above %s; the sarcasm accuracy check needs it", sarcasmDataRel, dir)
		}
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	head, err := cr.Read()
	if err != nil {
		tb.Fatal(err)
	}
	ti, li := -1, -1
	for i, h := range head {
		switch strings.TrimSpace(h) {
		case "tweet":
			ti = i
		case "sarcastic":
			li = i
		}
	}
	if ti < 0 || li < 0 {
		tb.Fatalf("header %q lacks tweet and sarcastic", head)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if len(rec) <= max(ti, li) || (rec[li] != "0" && rec[li] != "1") {
			continue
		}
		texts = append(texts, rec[ti])
		labels = append(labels, rec[li] == "1")
	}
	if len(texts) < 1000 {
		tb.Fatalf("only %d labelled tweets", len(texts))
	}
	return texts, labels
}

// TestSarcasmAgainstLabels re-runs the trainer's cross-validation with the
// committed cue extractor: the honest, held-out figure. It also checks
// that retraining reproduces the committed weights.
func TestSarcasmAgainstLabels(t *testing.T) {
	texts, labels := loadSarcasmData(t)
	x := analyzerOnce().SarcasmFeatureMatrix(texts)
	r, err := TrainSarcasm(x, labels, SarcasmTrainConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d tweets, %d sarcastic; %d-fold CV, seed %d, lambda %g", r.Examples, r.Sarcastic, r.Config.Folds, r.Config.Seed, r.Config.Lambda)
	for i, f := range r.Folds {
		t.Logf("fold %d: threshold %.3f  P %.3f  R %.3f  F1 %.3f  (always sarcastic F1 %.3f)",
			i+1, f.Test.Threshold, f.Test.Precision, f.Test.Recall, f.Test.F1, f.Baseline.F1)
	}
	t.Logf("mean ± sd: P %.3f ± %.3f  R %.3f ± %.3f  F1 %.3f ± %.3f  (always sarcastic F1 %.3f); final model on its training data F1 %.3f",
		r.MeanP, r.SDP, r.MeanR, r.SDR, r.MeanF1, r.SDF1, r.BaselineF1, r.TrainF1)
	// sarcasm-v1 on the same folds, with its own threshold rule and with
	// the current one: the before and after of the same run.
	x1 := analyzerOnce().SarcasmV1FeatureMatrix(texts)
	for _, rule := range []SarcasmThresholdRule{ThresholdMaxF1, ThresholdHalfF1} {
		v1, err := TrainSarcasm(x1, labels, SarcasmTrainConfig{Threshold: rule})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("sarcasm-v1 cues, threshold %s: P %.3f ± %.3f  R %.3f ± %.3f  F1 %.3f ± %.3f",
			rule, v1.MeanP, v1.SDP, v1.MeanR, v1.SDR, v1.MeanF1, v1.SDF1)
	}
	if r.MeanF1 < sarcasmFloorF1 {
		t.Errorf("mean CV F1 %.3f < floor %.2f", r.MeanF1, sarcasmFloorF1)
	}
	if r.MeanF1 < sarcasmTargetF1 {
		t.Logf("NOTE: mean CV F1 %.3f is below the issue's target %.2f", r.MeanF1, sarcasmTargetF1)
	}
	if r.MeanF1 <= r.BaselineF1+0.02 {
		t.Errorf("mean CV F1 %.3f does not beat always-sarcastic %.3f", r.MeanF1, r.BaselineF1)
	}

	got, want := RoundSarcasmModel(r.Model), CommittedSarcasmModel()
	diff := math.Abs(got.Bias-want.Bias) + math.Abs(got.Threshold-want.Threshold)
	var detail strings.Builder
	for j, name := range SarcasmFeatureNames() {
		if d := math.Abs(got.Weights[j] - want.Weights[j]); d > 2e-4 {
			diff += d
			fmt.Fprintf(&detail, "\n  %s: retrained %.4f, committed %.4f", name, got.Weights[j], want.Weights[j])
		}
	}
	if diff > 2e-3 {
		t.Errorf("retraining does not reproduce sarcasm_weights.go (bias %.4f vs %.4f, threshold %.3f vs %.3f):%s\nrun go run ./bench/cmd/trainsarcasm",
			got.Bias, want.Bias, got.Threshold, want.Threshold, detail.String())
	}
}
