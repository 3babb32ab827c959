package nlp

import (
	"math"
	"testing"

	"github.com/wiretap-hq/wiretap/internal/sarcasmdata"
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
}

func TestSarcasmPrior(t *testing.T) {
	if SarcasmPrior <= 0 || SarcasmPrior >= 1 || SarcasmThreshold <= 0 || SarcasmThreshold >= 1 {
		t.Fatalf("prior %v, threshold %v", SarcasmPrior, SarcasmThreshold)
	}
	if want := math.Log(SarcasmPrior / (1 - SarcasmPrior)); math.Abs(sarcasmPriorLogOdds-want) > 1e-15 {
		t.Errorf("sarcasmPriorLogOdds %v, want %v", sarcasmPriorLogOdds, want)
	}
	// With no cue the probability is the prior's, moved only by the
	// continuous features: the correction swaps the training base rate out.
	var f [numSarcasmFeatures]float64
	f[featLength] = math.Log1p(8) / 4
	if p := sigmoid(sarcasmLogOdds(&f)); p > SarcasmPrior {
		t.Errorf("an eight-word message with no cue scores %.3f, above the prior %.2f", p, SarcasmPrior)
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
		var f [numSarcasmFeatures]float64
		copy(f[:], out.SarcasmFeatures(nil))
		if q := sigmoid(sarcasmLogOdds(&f)); (p != 0 || out.Words != 0) && math.Abs(q-p) > 1e-12 {
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

// loadSarcasmData reads the iSarcasmEval training tweets from the shared
// area, skipping the test when they are not there.
func loadSarcasmData(tb testing.TB) (texts []string, labels []bool) {
	tb.Helper()
	path, err := sarcasmdata.Find(sarcasmdata.TrainRel)
	if err != nil {
		tb.Skipf("the sarcasm data is needed: %v", err)
	}
	texts, labels, err = sarcasmdata.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if len(texts) < 1000 {
		tb.Fatalf("only %d labelled tweets", len(texts))
	}
	return texts, labels
}

// Workplace messages written for this test, not taken from the training
// data: sincere praise and thanks, the kind a happy office writes all day,
// and sarcasm in the constructions the issue names (praise of an unwelcome
// event, "oh great, another …", "/s", irony emoji, "thanks a lot" after bad
// news).
var (
	sincerePraise = []string{
		"I love this great tool", "great job on the release, thanks all", "thanks for the help with the deadline",
		"love the new dashboard, really nice work", "awesome, thanks so much for the quick fix!",
		"great meeting today, thanks everyone", "thank you, that's perfect", "nice work on the migration :tada:",
		"glad the demo went well", "this is brilliant, thanks", "happy friday everyone!", "wonderful news about the launch",
		"amazing work team", "fantastic, it works now", "love it, thanks", "thanks a lot for your help with the review",
		"great idea, let's do it", "congrats on the promotion!", "perfect, see you at standup", "the new build is great",
		"thanks for the heads up", "cool, merged", "nice catch!", "great, thanks", "I really enjoy working with this team",
		"excellent presentation yesterday", "glad to help", "the offsite was awesome :heart:", "welcome aboard, great to have you",
		"really happy with how the sprint went",
	}
	workplaceSarcasm = []string{
		"oh great, another outage", "thanks a lot for breaking prod /s", "wow, the build is broken again. fantastic",
		"great, another meeting that could have been an email 🙃", "oh good, the deploy failed again :upside_down_face:",
		"nice, CI is down again /s", "oh wonderful, more paperwork 🙄", "love how nobody reads the docs",
		"perfect, the VPN is down again :upside_down_face:", "oh great, another reorg", "so glad the wifi died during my demo /s",
		"yeah right, like that will ship on time", "thanks a lot, now the tests are broken", "love being on call on a holiday weekend",
		"can't wait for the 8am all-hands", "just what I needed, another reorg",
	}
)

// TestSarcasmWorkplace is the acceptance on text: sincere praise is
// rarely flagged (under 10 %), and sarcasm that a reader sees at once
// mostly is, and scores above any sincere praise on average.
func TestSarcasmWorkplace(t *testing.T) {
	a := analyzerOnce()
	var out Analysis
	share := func(texts []string) (flagged, mean float64) {
		for _, s := range texts {
			a.Analyze(s, &out)
			if out.Sarcastic() {
				flagged++
				t.Logf("flagged %.3f %q %v", out.Sarcasm, s, out.SarcasmCues().AppendNames(nil))
			}
			mean += out.Sarcasm
		}
		return flagged / float64(len(texts)), mean / float64(len(texts))
	}
	sincere, sincereMean := share(sincerePraise)
	sarcastic, sarcasticMean := share(workplaceSarcasm)
	t.Logf("sincere praise: %.0f%% flagged, mean %.3f; sarcasm: %.0f%% flagged, mean %.3f",
		100*sincere, sincereMean, 100*sarcastic, sarcasticMean)
	if sincere >= 0.10 {
		t.Errorf("%.0f%% of sincere praise flagged, want under 10%%", 100*sincere)
	}
	if sarcastic < 0.5 {
		t.Errorf("%.0f%% of plain workplace sarcasm flagged, want at least half", 100*sarcastic)
	}
	if sarcasticMean < 2*sincereMean {
		t.Errorf("mean sarcasm %.3f on sarcasm, %.3f on sincere praise: want at least twice", sarcasticMean, sincereMean)
	}
}
