package aggregate_test

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// textOf is the text of the message at ref, as the observations of
// TestMergeWithTextEqualsObserve carry it; some messages have none.
func textOf(ref string) string {
	if r, ok := aggregate.ParseRef(ref); !ok || r.TS/60_000_000%5 == 0 {
		return ""
	}
	return "text of " + ref
}

// TestMergeWithTextEqualsObserve is TestMergeEqualsObserve with evidence
// text: merging partials in any order keeps the same refs, each with its
// own message's text, and the text survives the tables.
func TestMergeWithTextEqualsObserve(t *testing.T) {
	for seed := range uint64(12) {
		rng := rand.New(rand.NewPCG(seed, 7))
		obs := randomObservations(rng, 50+rng.IntN(400))
		for i := range obs {
			// Refs tie on time (minute resolution) in other channels.
			obs[i].Text = textOf(aggregate.RefAt(obs[i].ChannelID, obs[i].Time).String())
		}
		whole := aggregate.New()
		for i := range obs {
			whole.Observe(&obs[i])
		}
		want := whole.Tables()
		texts := checkEvidenceTexts(t, want)
		if seed == 0 && texts == 0 {
			t.Fatal("no evidence text at all")
		}
		for _, parts := range []int{2, 3, 7} {
			share := make([]int, len(obs))
			for i := range share {
				share[i] = rng.IntN(parts)
			}
			for _, order := range [][]int{rng.Perm(parts), rng.Perm(parts)} {
				// Merge takes its argument's values: fresh partials each time.
				partials := make([]*aggregate.Aggregate, parts)
				for i := range partials {
					partials[i] = aggregate.New()
				}
				for i := range obs {
					partials[share[i]].Observe(&obs[i])
				}
				got := aggregate.New()
				for _, p := range order {
					got.Merge(partials[p])
				}
				if gt := got.Tables(); !reflect.DeepEqual(gt, want) {
					t.Errorf("seed %d, %d partials merged in order %v: tables differ from observed ones\n got %+v\nwant %+v", seed, parts, order, gt, want)
				}
			}
		}
		// Through the tables and back, as query and merge read them.
		back := aggregate.FromTables(aggregate.DayOf(obs[0].Time), want).Tables()
		for i := range want.Topics {
			if !reflect.DeepEqual(back.Topics[i].EvidenceText, want.Topics[i].EvidenceText) {
				t.Fatalf("seed %d: topic %q evidence text %q after FromTables, want %q", seed, want.Topics[i].Topic, back.Topics[i].EvidenceText, want.Topics[i].EvidenceText)
			}
		}
	}
}

// checkEvidenceTexts checks that every evidence text is the text of its
// own message, and counts them.
func checkEvidenceTexts(t *testing.T, tb *aggregate.Tables) int {
	t.Helper()
	n := 0
	check := func(what string, refs, texts []string) {
		if texts == nil {
			for _, r := range refs {
				if textOf(r) != "" {
					t.Errorf("%s: no evidence text for %s", what, r)
				}
			}
			return
		}
		if len(texts) != len(refs) {
			t.Errorf("%s: %d texts for %d refs", what, len(texts), len(refs))
			return
		}
		for i, r := range refs {
			if texts[i] != textOf(r) {
				t.Errorf("%s: text %q for %s, want %q", what, texts[i], r, textOf(r))
			}
			if texts[i] != "" {
				n++
			}
		}
	}
	for _, r := range tb.Offices {
		check("office "+r.Office, r.Evidence, r.EvidenceText)
	}
	for _, r := range tb.Users {
		check("user "+r.UserID, r.Evidence, r.EvidenceText)
	}
	for _, r := range tb.Topics {
		check("topic "+r.Topic, r.Evidence, r.EvidenceText)
	}
	return n
}

// TestObserveCopiesTextOnce checks that Observe copies a message's text
// once, shared by every ref to it, only when the observation carries text,
// and that the copy does not alias the caller's buffer.
func TestObserveCopiesTextOnce(t *testing.T) {
	t0 := time.Date(2016, 11, 14, 9, 0, 0, 0, time.UTC)
	buf := []byte("ship the release plan today")
	o := &aggregate.Observation{
		Time: t0, Team: "T1", UserID: "U1", ChannelID: "C1", Office: "Berlin", StableIDs: true,
		Topics: []string{"release", "release plan", "plan"},
	}
	a := aggregate.New()
	a.Observe(o) // makes the keys
	if n := testing.AllocsPerRun(100, func() { a.Observe(o) }); n != 0 {
		t.Errorf("Observe without text allocates %v times for known keys", n)
	}
	o.Text = unsafe.String(&buf[0], len(buf))
	// A later message, so that its refs are offered (and dropped: the
	// earlier one's are kept, but evidence has room for three).
	o.Time = t0.Add(time.Second)
	if n := testing.AllocsPerRun(100, func() { a.Observe(o) }); n != 2 {
		t.Errorf("Observe with text allocates %v times: want 2, the one copy of the text and its handle", n)
	}
	for i := range buf {
		buf[i] = '#'
	}
	tb := a.Tables()
	var first string
	for _, texts := range [][]string{tb.Offices[0].EvidenceText, tb.Users[0].EvidenceText, tb.Topics[0].EvidenceText, tb.Topics[1].EvidenceText} {
		if len(texts) != 2 || texts[0] != "" || texts[1] != "ship the release plan today" {
			t.Fatalf("evidence texts %q, want no text then the second message's", texts)
		}
		if first == "" {
			first = texts[1]
		} else if unsafe.StringData(texts[1]) != unsafe.StringData(first) {
			t.Error("refs to one message hold different copies of its text")
		}
	}
}
