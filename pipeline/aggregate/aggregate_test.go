package aggregate_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
	"github.com/wiretap-hq/wiretap/privacy"
)

func TestQuantize(t *testing.T) {
	tests := []struct {
		In   float64
		Want int64
	}{
		{0, 0}, {1, 10000}, {-1, -10000}, {0.05, 500}, {-0.05, -500}, {0.12345, 1235}, {-0.12345, -1235}, {0.00004, 0},
	}
	for _, tt := range tests {
		if got := aggregate.Quantize(tt.In); got != tt.Want {
			t.Errorf("Quantize(%v) = %d, want %d", tt.In, got, tt.Want)
		}
	}
}

func TestSentimentPolarity(t *testing.T) {
	tests := []struct {
		C                           int64
		Positive, Neutral, Negative int64
	}{
		{10000, 1, 0, 0},
		{500, 1, 0, 0}, // +0.05 is positive
		{499, 0, 1, 0},
		{0, 0, 1, 0},
		{-499, 0, 1, 0},
		{-500, 0, 0, 1}, // -0.05 is negative
		{-10000, 0, 0, 1},
	}
	for _, tt := range tests {
		var s aggregate.Sentiment
		s.Add(tt.C)
		if s.Positive != tt.Positive || s.Neutral != tt.Neutral || s.Negative != tt.Negative || s.N != 1 ||
			s.Sum != tt.C || s.SumSq != tt.C*tt.C {
			t.Errorf("Add(%d) = %+v", tt.C, s)
		}
	}
}

// stats computes mean, sample standard deviation and the 95% half-width
// the plain way, in two passes over float64 scores.
func stats(scores []int64) (mean, sd, ci float64) {
	n := float64(len(scores))
	if len(scores) == 0 {
		return 0, 0, 0
	}
	for _, c := range scores {
		mean += float64(c) / aggregate.Scale
	}
	mean /= n
	if len(scores) < 2 {
		return mean, 0, 0
	}
	var ss float64
	for _, c := range scores {
		d := float64(c)/aggregate.Scale - mean
		ss += d * d
	}
	sd = math.Sqrt(ss / (n - 1))
	return mean, sd, 1.96 * sd / math.Sqrt(n)
}

func TestSentimentStats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []int64 {
		s := make([]int64, n)
		for i := range s {
			s[i] = rng.Int64N(20001) - 10000
		}
		return s
	}
	tests := []struct {
		Name   string
		Scores []int64
	}{
		{"Empty", nil},
		{"One", []int64{4200}},
		{"Two", []int64{-10000, 10000}},
		{"Constant", []int64{3000, 3000, 3000, 3000}},
		{"AllNeutral", []int64{0, 1, -1, 499, -499}},
		{"Random10", random(10)},
		{"Random1000", random(1000)},
		{"Random100k", random(100_000)},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			var s aggregate.Sentiment
			for _, c := range tt.Scores {
				s.Add(c)
			}
			mean, sd, ci := stats(tt.Scores)
			const eps = 1e-9
			if math.Abs(s.Mean()-mean) > eps {
				t.Errorf("Mean = %v, want %v", s.Mean(), mean)
			}
			if math.Abs(s.StdDev()-sd) > 1e-7 {
				t.Errorf("StdDev = %v, want %v", s.StdDev(), sd)
			}
			if math.Abs(s.CI95()-ci) > 1e-7 {
				t.Errorf("CI95 = %v, want %v", s.CI95(), ci)
			}
			if s.StdDev() < 0 || math.IsNaN(s.StdDev()) || math.IsNaN(s.CI95()) {
				t.Errorf("StdDev %v, CI95 %v", s.StdDev(), s.CI95())
			}
			if s.N != int64(len(tt.Scores)) || s.Positive+s.Neutral+s.Negative != s.N {
				t.Errorf("counts %+v", s)
			}

			// Merging any split gives the same sums, exactly.
			for _, cut := range []int{0, len(tt.Scores) / 3, len(tt.Scores)} {
				var a, b aggregate.Sentiment
				for _, c := range tt.Scores[:cut] {
					a.Add(c)
				}
				for _, c := range tt.Scores[cut:] {
					b.Add(c)
				}
				b.Merge(&a)
				if b != s {
					t.Errorf("split at %d: merged %+v, want %+v", cut, b, s)
				}
			}
		})
	}
}

func TestHourOfWeek(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	tests := []struct {
		T    time.Time
		Want int
	}{
		{time.Date(2016, 11, 14, 0, 0, 0, 0, time.UTC), 0},      // Monday 00:00
		{time.Date(2016, 11, 14, 0, 59, 59, 0, time.UTC), 0},    // still hour 0
		{time.Date(2016, 11, 14, 1, 0, 0, 0, time.UTC), 1},      // Monday 01:00
		{time.Date(2016, 11, 15, 0, 0, 0, 0, time.UTC), 24},     // Tuesday
		{time.Date(2016, 11, 18, 10, 4, 55, 0, time.UTC), 106},  // Friday 10:00
		{time.Date(2016, 11, 19, 12, 0, 0, 0, time.UTC), 132},   // Saturday noon
		{time.Date(2016, 11, 20, 23, 59, 59, 0, time.UTC), 167}, // Sunday 23:00
		{time.Date(2016, 11, 21, 0, 0, 0, 0, time.UTC), 0},      // next Monday
		// The hour is the local one of the time's zone.
		{time.Date(2016, 11, 20, 23, 30, 0, 0, time.UTC).In(berlin), 0},                          // Monday 00:30 in Berlin
		{time.Date(2016, 11, 14, 0, 30, 0, 0, time.UTC).In(time.FixedZone("NYC", -5*3600)), 163}, // Sunday 19:30
	}
	for _, tt := range tests {
		if got := aggregate.HourOfWeek(tt.T); got != tt.Want {
			t.Errorf("HourOfWeek(%v) = %d, want %d", tt.T, got, tt.Want)
		}
	}
}

func TestDay(t *testing.T) {
	tests := []struct {
		T    time.Time
		Want string
	}{
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), "1970-01-01"},
		{time.Date(2016, 11, 18, 0, 0, 0, 0, time.UTC), "2016-11-18"},
		{time.Date(2016, 11, 18, 23, 59, 59, 999999999, time.UTC), "2016-11-18"},
		{time.Date(2016, 11, 19, 0, 30, 0, 0, time.FixedZone("CET", 3600)), "2016-11-18"}, // UTC day
		{time.Date(2016, 12, 31, 23, 0, 0, 0, time.UTC), "2016-12-31"},
		{time.Date(2016, 2, 29, 12, 0, 0, 0, time.UTC), "2016-02-29"},
	}
	for _, tt := range tests {
		d := aggregate.DayOf(tt.T)
		if got := d.String(); got != tt.Want {
			t.Errorf("DayOf(%v) = %s, want %s", tt.T, got, tt.Want)
		}
		if s := d.Start(); s.After(tt.T) || !d.End().After(tt.T) || d.End().Sub(s) != 24*time.Hour ||
			s.Location() != time.UTC || s.Hour() != 0 || s.Minute() != 0 || s.Second() != 0 || s.Nanosecond() != 0 {
			t.Errorf("Day %s: Start %v, End %v do not bracket %v", d, s, d.End(), tt.T)
		}
		if aggregate.DayOf(d.Start()) != d || aggregate.DayOf(d.End()) != d+1 || aggregate.DayOf(d.End().Add(-time.Nanosecond)) != d {
			t.Errorf("Day %s: DayOf of its bounds is off", d)
		}
	}
	if d := aggregate.DayOf(time.Date(2016, 11, 18, 5, 0, 0, 0, time.UTC)); int(d) != 17123 {
		t.Errorf("day number of 2016-11-18 = %d, want 17123", d)
	}
}

func TestNameTieBreak(t *testing.T) {
	t0 := time.Date(2016, 11, 18, 10, 0, 0, 0, time.UTC)
	type seen struct {
		Name string
		At   time.Time
	}
	tests := []struct {
		Name string
		Seen []seen
		Want string
	}{
		{"Latest", []seen{{"old", t0}, {"new", t0.Add(time.Second)}}, "new"},
		{"LatestFirst", []seen{{"new", t0.Add(time.Second)}, {"old", t0}}, "new"},
		{"TieSmaller", []seen{{"bob", t0}, {"alice", t0}}, "alice"},
		{"TieSmallerFirst", []seen{{"alice", t0}, {"bob", t0}}, "alice"},
		{"EmptyIgnored", []seen{{"bob", t0}, {"", t0.Add(time.Hour)}}, "bob"},
		{"OnlyEmpty", []seen{{"", t0}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			// Observing in one Aggregate, and merging one Aggregate per
			// sighting in either order, all agree.
			// Merge takes the values of what it merges, so each order
			// merges parts of its own.
			one := aggregate.New()
			var parts, again []*aggregate.Aggregate
			for _, s := range tt.Seen {
				o := &aggregate.Observation{Time: s.At, Team: "T1", UserID: "U1", UserName: s.Name, ChannelID: "C1", ChannelName: s.Name}
				one.Observe(o)
				for _, ps := range []*[]*aggregate.Aggregate{&parts, &again} {
					p := aggregate.New()
					p.Observe(o)
					*ps = append(*ps, p)
				}
			}
			fwd, rev := aggregate.New(), aggregate.New()
			for i := range parts {
				fwd.Merge(parts[i])
				rev.Merge(again[len(again)-1-i])
			}
			for name, a := range map[string]*aggregate.Aggregate{"observed": one, "merged": fwd, "merged in reverse": rev} {
				tb := a.Tables()
				if tb.Users[0].UserName != tt.Want || tb.Channels[0].ChannelName != tt.Want {
					t.Errorf("%s: user name %q, channel name %q; want %q", name, tb.Users[0].UserName, tb.Channels[0].ChannelName, tt.Want)
				}
			}
		})
	}
}

// world is a small population with a consistent roster.
var (
	offices   = []string{"Berlin", "NYC", "Tokyo", ""} // "" is not on the roster
	zones     = map[string]*time.Location{}
	userNames = []string{"ann", "bob", "cy", "dee"}
	topics    = []string{"release", "lunch", "release plan", "bug", "coffee"}
)

func init() {
	for _, n := range []string{"Europe/Berlin", "America/New_York", "Asia/Tokyo"} {
		loc, err := time.LoadLocation(n)
		if err != nil {
			loc = time.FixedZone(n, 3600)
		}
		zones[n] = loc
	}
}

func officeOf(user int) (string, *time.Location) {
	o := offices[user%len(offices)]
	switch o {
	case "Berlin":
		return o, zones["Europe/Berlin"]
	case "NYC":
		return o, zones["America/New_York"]
	case "Tokyo":
		return o, zones["Asia/Tokyo"]
	}
	return o, nil
}

func randomObservations(rng *rand.Rand, n int) []aggregate.Observation {
	t0 := time.Date(2016, 11, 18, 0, 0, 0, 0, time.UTC)
	obs := make([]aggregate.Observation, n)
	for i := range obs {
		user := rng.IntN(12)
		office, loc := officeOf(user)
		o := aggregate.Observation{
			// Minute resolution, so that names often tie on time.
			Time:        t0.Add(time.Duration(rng.IntN(3*24*60)) * time.Minute),
			Team:        []string{"T1", "T2"}[user%2],
			UserID:      fmt.Sprint("U", user),
			UserName:    userNames[rng.IntN(len(userNames))],
			ChannelID:   fmt.Sprint("C", rng.IntN(5)),
			ChannelName: []string{"general", "random", ""}[rng.IntN(3)],
			Office:      office,
			Location:    loc,
			Words:       rng.IntN(50),
			Compound:    rng.Int64N(20001) - 10000,
			ThreadReply: rng.IntN(4) == 0,
			Sarcasm:     rng.Int64N(aggregate.Scale),
		}
		// Threads: replies to earlier minutes, some naming the parent's
		// office; top-level questions.
		if o.ThreadReply {
			o.ThreadParent = o.Time.Add(-time.Duration(1+rng.IntN(600)) * time.Minute).UnixMicro()
			o.ParentOffice = []string{"", "Berlin", "NYC"}[rng.IntN(3)]
		} else {
			o.Question = rng.IntN(3) == 0
		}
		if o.UserName == "dee" {
			o.UserName = "" // producers without names
		}
		for m := range rng.IntN(3) {
			mu := (user + m + 1) % 15 // some mentioned users never write
			mo, _ := officeOf(mu)
			o.Mentioned = append(o.Mentioned, aggregate.Mention{User: fmt.Sprint("U", mu), Office: mo})
		}
		for _, k := range rng.Perm(len(topics))[:rng.IntN(3)] {
			o.Topics = append(o.Topics, topics[k])
		}
		obs[i] = o
	}
	return obs
}

// TestMergeEqualsObserve splits observations among partial Aggregates, as
// workers and days do, merges the partials in random orders and checks that
// the tables equal those of observing everything in one Aggregate.
func TestMergeEqualsObserve(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 42))
		obs := randomObservations(rng, 50+rng.IntN(400))
		whole := aggregate.New()
		for i := range obs {
			whole.Observe(&obs[i])
		}
		want := whole.Tables()
		if seed == 0 && (len(want.Users) == 0 || len(want.Topics) == 0 || len(want.Activity) == 0) {
			t.Fatalf("degenerate test data: %+v", want)
		}

		for _, parts := range []int{1, 2, 3, 7, 16} {
			partials := make([]*aggregate.Aggregate, parts)
			for i := range partials {
				partials[i] = aggregate.New()
			}
			// Case 3 observes the second half after merging the first.
			split := len(obs)
			if seed%4 == 3 {
				split = len(obs) / 2
			}
			for i := range obs[:split] {
				partials[rng.IntN(parts)].Observe(&obs[i])
			}
			rng.Shuffle(len(partials), func(i, j int) { partials[i], partials[j] = partials[j], partials[i] })
			// Merge into an empty one, or into the first partial, or as a
			// tree, or into an empty one that is then read (its threads
			// settled into one run) and observes the rest.
			var got *aggregate.Aggregate
			switch seed % 4 {
			case 0:
				got = aggregate.New()
				for _, p := range partials {
					got.Merge(p)
				}
			case 1:
				got = partials[0]
				for _, p := range partials[1:] {
					got.Merge(p)
				}
			case 2:
				for len(partials) > 1 {
					partials[0].Merge(partials[len(partials)-1])
					partials = partials[:len(partials)-1]
					rng.Shuffle(len(partials), func(i, j int) { partials[i], partials[j] = partials[j], partials[i] })
				}
				got = partials[0]
			case 3:
				got = aggregate.New()
				for _, p := range partials {
					got.Merge(p)
				}
				got.Tables()
				for i := range obs[split:] {
					got.Observe(&obs[split+i])
				}
			}
			if gt := got.Tables(); !reflect.DeepEqual(gt, want) {
				t.Errorf("seed %d, %d partials: merged tables differ from observed ones\n got %+v\nwant %+v", seed, parts, gt, want)
			}
			if !reflect.DeepEqual(got.ActiveUsers(), whole.ActiveUsers()) {
				t.Errorf("seed %d, %d partials: ActiveUsers %v, want %v", seed, parts, got.ActiveUsers(), whole.ActiveUsers())
			}
		}
	}
}

// TestTables checks the rendering of a small hand-made aggregate.
func TestTables(t *testing.T) {
	t0 := time.Date(2016, 11, 14, 9, 0, 0, 0, time.UTC) // Monday
	a := aggregate.New()
	a.Observe(&aggregate.Observation{Time: t0, Team: "T1", UserID: "U1", UserName: "ann", ChannelID: "C1", ChannelName: "general",
		Office: "Berlin", Location: zones["Europe/Berlin"], Words: 5, Compound: 5000, Topics: []string{"release"},
		Mentioned: []aggregate.Mention{{User: "U2", Office: ""}, {User: "U3", Office: "Berlin"}}})
	a.Observe(&aggregate.Observation{Time: t0.Add(time.Hour), Team: "T1", UserID: "U1", UserName: "ann", ChannelID: "C1",
		Office: "Berlin", Location: zones["Europe/Berlin"], Words: 3, Compound: -1000, ThreadReply: true, Topics: []string{"release", "bug"},
		ThreadParent: t0.UnixMicro(), ParentOffice: "Berlin", Sarcasm: 7000})
	a.Observe(&aggregate.Observation{Time: t0, Team: "T1", UserID: "U4", ChannelID: "C2", Words: 1, Question: true})
	tb := a.Tables()

	sc := func(n, sum, sumsq, pos, neu, neg int64) aggregate.SentimentColumns {
		return aggregate.SentimentColumns{SentimentN: n, SentimentSum: float64(sum) / aggregate.Scale,
			SentimentSumSq: float64(sumsq) / (aggregate.Scale * aggregate.Scale), Positive: pos, Neutral: neu, Negative: neg}
	}
	// Evidence: the earliest messages, as channel/ts.
	e9, e10, e9c2 := "C1/1479114000.000000", "C1/1479117600.000000", "C2/1479114000.000000"
	// The most positive and negative messages, with their scores.
	mood := aggregate.MoodEvidenceColumns{PositiveEvidence: []string{e9}, PositiveEvidenceScore: []int64{5000},
		NegativeEvidence: []string{e10}, NegativeEvidenceScore: []int64{1000}}
	wantOffices := []aggregate.OfficeRow{
		{Office: "Berlin", Messages: 2, ActiveUsers: 1, Words: 8, ThreadReplies: 1, MentionsReceived: 1,
			SentimentColumns: sc(2, 4000, 5000*5000+1000*1000, 1, 0, 1), SarcasmColumns: aggregate.SarcasmColumns{SarcasmSum: 0.7},
			Evidence: []string{e9, e10}, MoodEvidenceColumns: mood},
		{Office: aggregate.Unassigned, Messages: 1, ActiveUsers: 1, Words: 1, MentionsReceived: 1, SentimentColumns: sc(1, 0, 0, 0, 1, 0), Evidence: []string{e9c2}},
	}
	if !reflect.DeepEqual(tb.Offices, wantOffices) {
		t.Errorf("offices:\n got %+v\nwant %+v", tb.Offices, wantOffices)
	}
	wantUsers := []aggregate.UserRow{
		{TeamID: "T1", UserID: "U1", UserName: "ann", Office: "Berlin", Messages: 2, Words: 8, ThreadReplies: 1,
			SentimentColumns: sc(2, 4000, 5000*5000+1000*1000, 1, 0, 1), Evidence: []string{e9, e10}, MoodEvidenceColumns: mood,
			SarcasmColumns: aggregate.SarcasmColumns{SarcasmSum: 0.7}, SarcasmEvidence: []string{e10}, SarcasmEvidenceScore: []int64{7000}},
		{TeamID: "T1", UserID: "U2", Office: aggregate.Unassigned, MentionsReceived: 1, MentionEvidence: []string{e9}},
		{TeamID: "T1", UserID: "U3", Office: "Berlin", MentionsReceived: 1, MentionEvidence: []string{e9}},
		{TeamID: "T1", UserID: "U4", Office: aggregate.Unassigned, Messages: 1, Words: 1, SentimentColumns: sc(1, 0, 0, 0, 1, 0), Evidence: []string{e9c2}},
	}
	if !reflect.DeepEqual(tb.Users, wantUsers) {
		t.Errorf("users:\n got %+v\nwant %+v", tb.Users, wantUsers)
	}
	wantChannels := []aggregate.ChannelRow{
		{TeamID: "T1", ChannelID: "C1", ChannelName: "general", Messages: 2, ActiveUsers: 1, Words: 8, ThreadReplies: 1,
			SentimentColumns: sc(2, 4000, 5000*5000+1000*1000, 1, 0, 1), SarcasmColumns: aggregate.SarcasmColumns{SarcasmSum: 0.7}},
		{TeamID: "T1", ChannelID: "C2", Messages: 1, ActiveUsers: 1, Words: 1, SentimentColumns: sc(1, 0, 0, 0, 1, 0)},
	}
	if !reflect.DeepEqual(tb.Channels, wantChannels) {
		t.Errorf("channels:\n got %+v\nwant %+v", tb.Channels, wantChannels)
	}
	// Who wrote each topic and hour: the hash of its one author.
	by := func(user string) aggregate.AuthorColumns {
		return aggregate.AuthorColumns{AuthorHashes: []int64{int64(privacy.AuthorHash("T1", user))}}
	}
	wantTopics := []aggregate.TopicRow{
		{Office: "Berlin", Topic: "bug", Kind: "word", Messages: 1, SentimentColumns: sc(1, -1000, 1000*1000, 0, 0, 1), Evidence: []string{e10}, AuthorColumns: by("U1")},
		{Office: "Berlin", Topic: "release", Kind: "word", Messages: 2, SentimentColumns: sc(2, 4000, 5000*5000+1000*1000, 1, 0, 1), Evidence: []string{e9, e10}, AuthorColumns: by("U1")},
	}
	if !reflect.DeepEqual(tb.Topics, wantTopics) {
		t.Errorf("topics:\n got %+v\nwant %+v", tb.Topics, wantTopics)
	}
	// Berlin is UTC+1 in November: 09:00 and 10:00 UTC are hours 10 and 11.
	wantActivity := []aggregate.ActivityRow{
		{Office: "Berlin", HourOfWeek: 10, Messages: 1, AuthorColumns: by("U1")}, {Office: "Berlin", HourOfWeek: 11, Messages: 1, AuthorColumns: by("U1")},
		{Office: aggregate.Unassigned, HourOfWeek: 9, Messages: 1, AuthorColumns: by("U4")},
	}
	if !reflect.DeepEqual(tb.Activity, wantActivity) {
		t.Errorf("activity:\n got %+v\nwant %+v", tb.Activity, wantActivity)
	}
	// The reply names its parent's office; the question opens a thread of
	// its own, with no reply yet.
	wantThreads := []aggregate.ThreadRow{
		{TeamID: "T1", ChannelID: "C1", ThreadTS: "1479114000.000000", Office: "Berlin", Replies: 1, FirstReplyTS: "1479117600.000000"},
		{TeamID: "T1", ChannelID: "C2", ThreadTS: "1479114000.000000", Office: aggregate.Unassigned, ParentSeen: true, Question: true},
	}
	if !reflect.DeepEqual(tb.Threads, wantThreads) {
		t.Errorf("threads:\n got %+v\nwant %+v", tb.Threads, wantThreads)
	}
	if back := aggregate.FromTables(aggregate.DayOf(t0), tb).Tables(); !reflect.DeepEqual(back, tb) {
		t.Errorf("tables through FromTables:\n got %+v\nwant %+v", back, tb)
	}
	if empty := aggregate.New().Tables(); empty.Offices != nil || empty.Users != nil || empty.Activity != nil {
		t.Errorf("empty aggregate renders rows: %+v", empty)
	}
}

// TestObserveCopiesStrings observes messages whose strings alias a scratch
// buffer, as strings read from an Arrow batch alias the batch's buffers,
// then overwrites the buffer: the aggregate must not change.
func TestObserveCopiesStrings(t *testing.T) {
	buf := []byte("T1U1annC1generalrelease")
	view := func(i, j int) string { return unsafe.String(&buf[i], j-i) }
	a := aggregate.New()
	a.Observe(&aggregate.Observation{
		Time: time.Date(2016, 11, 14, 9, 0, 0, 0, time.UTC), Team: view(0, 2), UserID: view(2, 4),
		UserName: view(4, 7), ChannelID: view(7, 9), ChannelName: view(9, 16), Topics: []string{view(16, 23)},
		Mentioned: []aggregate.Mention{{User: view(2, 4)}},
	})
	want := a.Tables()
	wantStr := fmt.Sprintf("%+v", *want)
	for i := range buf {
		buf[i] = '#'
	}
	if got := fmt.Sprintf("%+v", *a.Tables()); got != wantStr {
		t.Errorf("overwriting the observed strings changed the aggregate:\n got %s\nwant %s", got, wantStr)
	}
	for _, r := range a.Tables().ChannelUsers {
		if r.UserID != "U1" || r.ChannelID != "C1" || r.TeamID != "T1" {
			t.Errorf("channel %s/%s keeps user %q", r.TeamID, r.ChannelID, r.UserID)
		}
	}
}
