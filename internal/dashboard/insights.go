package dashboard

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/wiretap-hq/wiretap/jobs"
)

// The panels of summary v2's insights: mood rankings, threads and
// unanswered questions, new and lapsed people and quiet channels.

// moodRange shows a mean with its 95 % interval.
func moodRange(r jobs.MoodRank) string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	return fmt.Sprintf("%s (%s to %s)", f(r.Mean), f(r.CI95Low), f(r.CI95High))
}

func (b builder) moodTable(caption, key string, list []jobs.MoodRank, people bool) Table {
	cols := []Column{{"Office", false}, {"Messages", true}, {"Mood (95 % interval)", true}}
	if people {
		cols = append([]Column{{"Person", false}}, cols...)
	}
	t := Table{Caption: caption, Columns: cols, Empty: "Nobody with enough messages in this range."}
	for _, r := range list {
		if r.Suppressed { // only offices are
			t.Rows = append(t.Rows, suppressedRow(r.Office, 2))
			continue
		}
		k := key + "." + r.Office
		var cells []Cell
		if people {
			name := r.UserName
			if name == "" {
				name = r.UserID
			}
			k = key + "." + r.TeamID + "/" + r.UserID
			cells = append(cells, Cell{Text: name})
		}
		cells = append(cells, Cell{Text: r.Office}, Cell{Text: thousands(r.N), Num: true},
			Cell{Text: moodRange(r), Num: true, Key: k + ".mean", Raw: ftoa(r.Mean)})
		t.Rows = append(t.Rows, Row{Cells: cells, Evidence: b.evidence(r.Evidence)})
	}
	return t
}

// positiveNegative ranks offices always and people only with --rank-people:
// an office's mood is a group's figure, a person's is not.
func (b builder) positiveNegative() Panel {
	p := Panel{ID: "positive-negative", Title: "Most positive and most negative", Question: "Which offices, and who, write the most positive and the most negative messages?"}
	p.State = StateShown
	atLeast := fmt.Sprintf(" (at least %d messages)", jobs.MinRankedMessages)
	if b.opts.RankPeople {
		p.Tables = []Table{
			b.moodTable("Most positive people"+atLeast, "most_positive", b.sum.MostPositive, true),
			b.moodTable("Most negative people"+atLeast, "most_negative", b.sum.MostNegative, true),
		}
	} else {
		p.Message = "Rankings of people are off (--rank-people); offices are ranked below."
	}
	p.Tables = append(p.Tables, b.moodTable("Offices, most positive first"+atLeast, "most_positive_offices", b.sum.MostPositiveOffices, false))
	p.HowTo = "Mood is the average sentiment score, -1 to +1, with its 95 % interval; the evidence is each one's most extreme messages in that direction."
	return p
}

// duration shows a histogram bound in seconds; nil is past the last bound.
func duration(sec *int64) string {
	switch {
	case sec == nil:
		return "over a week"
	case *sec < 60:
		return fmt.Sprintf("under %d s", *sec)
	case *sec < 3600:
		return fmt.Sprintf("under %d min", *sec/60)
	case *sec < 86400:
		return fmt.Sprintf("under %d h", *sec/3600)
	}
	return "under " + plural(*sec/86400, "day", "days")
}

func (b builder) threads() Panel {
	p := Panel{ID: "threads", Title: "Threads", Question: "Do questions get answered, and how fast?"}
	ts := b.sum.Threads
	if ts == nil {
		return absent(p.ID, p.Title, p.Question, "thread figures")
	}
	p.State = StateShown
	window := plural(ts.AnswerWindowSeconds/3600, "hour", "hours")
	t := Table{Columns: []Column{{"Office", false}, {"Threads started", true}, {"Replies", true}, {"Questions", true},
		{"Answered within " + window, true}, {"Median first reply", true}, {"90 % answered", true}}, Empty: "No threads or questions in this range."}
	// Threads are by the office of the parent's author, which is unassigned
	// when nothing said who wrote it: that office may have no messages row.
	offices := b.officeOrder()
	for _, office := range slices.Sorted(maps.Keys(ts.ByOffice)) {
		if !slices.Contains(offices, office) {
			offices = append(offices, office)
		}
	}
	for _, office := range offices {
		s, ok := ts.ByOffice[office]
		if !ok {
			continue
		}
		if s.Suppressed {
			t.Rows = append(t.Rows, suppressedRow(office, 6))
			continue
		}
		answered := "not judged yet"
		if s.AnsweredShare != nil {
			answered = pct(*s.AnsweredShare) + " of " + thousands(s.Judged)
		}
		median, p90 := "no thread", "no thread"
		if s.FirstReply.N > 0 {
			median, p90 = duration(s.FirstReply.MedianSeconds), duration(s.FirstReply.P90Seconds)
		}
		k := "threads." + office + "."
		t.Rows = append(t.Rows, Row{Cells: []Cell{{Text: office},
			{Text: thousands(s.ThreadsStarted), Num: true, Key: k + "threads_started", Raw: itoa(s.ThreadsStarted)},
			{Text: thousands(s.Replies), Num: true}, {Text: thousands(s.Questions), Num: true, Key: k + "questions", Raw: itoa(s.Questions)},
			{Text: answered, Num: true}, {Text: median, Num: true}, {Text: p90, Num: true}}})
	}
	p.Tables = []Table{t}
	if un := b.sum.Unanswered; un != nil {
		u := Table{Caption: fmt.Sprintf("Unanswered questions: %s, those that waited longest", thousands(un.Count)),
			Columns: []Column{{"Office", false}, {"Channel", false}, {"Replies after " + window, true}}, Empty: "Every judged question got a reply."}
		for _, q := range un.Questions {
			u.Rows = append(u.Rows, Row{Cells: []Cell{{Text: q.Office}, {Text: b.channelName(q.TeamID, q.Channel)}, {Text: itoa(q.LateReplies), Num: true}},
				Evidence: b.evidence([]jobs.MessageRef{{Channel: q.Channel, TS: q.TS}})})
		}
		p.Tables = append(p.Tables, u)
	}
	p.HowTo = "A question is a top-level message with a question mark; it is answered when a reply comes within " + window +
		". Questions asked less than " + window + " before the end of the range are not judged yet. Reply times are read off a histogram: \"under 15 min\" means the median thread got its first reply in less than 15 minutes."
	return p
}

func (b builder) newLapsed() Panel {
	p := Panel{ID: "new-lapsed", Title: "New and lapsed people", Question: "Who joined the conversation, who went quiet?"}
	if b.sum.NewPeople == nil || b.sum.LapsedPeople == nil {
		p.State = StateEmpty
		p.Message = fmt.Sprintf("Needs the %s before this range in the outputs, to compare with; they are not all there.", plural(int64(b.sum.Range.Days), "day", "days"))
		return p
	}
	p.State = StateShown
	counts := Table{Caption: "Per office", Columns: []Column{{"Office", false}, {"New people", true}, {"Lapsed people", true}}, Empty: "Nobody new, nobody gone."}
	for _, office := range b.officeOrder() {
		n, l := b.sum.NewPeople.ByOffice[office], b.sum.LapsedPeople.ByOffice[office]
		if n == 0 && l == 0 {
			continue
		}
		counts.Rows = append(counts.Rows, Row{Cells: []Cell{{Text: office},
			{Text: thousands(n), Num: true, Key: "new_people." + office, Raw: itoa(n)},
			{Text: thousands(l), Num: true, Key: "lapsed_people." + office, Raw: itoa(l)}}})
	}
	p.Tables = []Table{counts}
	if b.opts.RankPeople {
		people := func(caption, metric string, c *jobs.PeopleChange, n func(jobs.PersonChange) int64) Table {
			t := Table{Caption: caption, Columns: []Column{{"Person", false}, {"Office", false}, {metric, true}}, Empty: "Nobody."}
			for _, pc := range c.People {
				name := pc.UserName
				if name == "" {
					name = pc.UserID
				}
				t.Rows = append(t.Rows, Row{Cells: []Cell{{Text: name}, {Text: pc.Office}, {Text: thousands(n(pc)), Num: true}}})
			}
			return t
		}
		p.Tables = append(p.Tables,
			people("New: wrote now, not before", "Messages now", b.sum.NewPeople, func(pc jobs.PersonChange) int64 { return pc.Messages }),
			people("Lapsed: wrote before, not now", "Messages before", b.sum.LapsedPeople, func(pc jobs.PersonChange) int64 { return pc.Before }))
	}
	quiet := Table{Caption: "Channels gone quiet", Columns: []Column{{"Channel", false}, {"Messages before", true}}, Empty: "No channel went quiet."}
	for _, c := range b.sum.QuietChannels {
		name := channelLabel(c.ChannelID, c.ChannelName)
		quiet.Rows = append(quiet.Rows, Row{Cells: []Cell{{Text: name}, {Text: thousands(c.Before), Num: true}}})
	}
	p.Tables = append(p.Tables, quiet)
	p.HowTo = fmt.Sprintf("Compared with the %s just before the range. Names of people are shown only with --rank-people.", plural(int64(b.sum.Range.Days), "day", "days"))
	return p
}

// channelLabel is "#name", or the id when the name is not known.
func channelLabel(id, name string) string {
	if name == "" {
		return id
	}
	return "#" + name
}

// channelName labels a channel the summary names only by id, with the name
// the channel rankings or thread figures know it by.
func (b builder) channelName(team, id string) string {
	for _, c := range b.sum.TopChannels {
		if c.TeamID == team && c.ChannelID == id {
			return channelLabel(id, c.ChannelName)
		}
	}
	if t := b.sum.Threads; t != nil {
		for _, c := range t.ByChannel {
			if c.TeamID == team && c.ChannelID == id {
				return channelLabel(id, c.ChannelName)
			}
		}
	}
	return id
}
