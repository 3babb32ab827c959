package generator

import (
	"slices"
	"time"
)

// The planted scenes: an office of its own, PlantedOffice, whose people
// write on a fixed schedule that the insights tests read back exactly.
//
//   - Every day at 08:00 UTC the asker posts six questions an hour apart in
//     the ask channel, and a statement at 14:00 that starts a thread. The
//     helper replies to the questions after 45 s (and again after 10 min),
//     4 min, 50 min and 20 h; the fifth question gets no reply, the sixth
//     one only after 30 h, outside the answer window. The statement gets
//     replies after 12 min and 1 h.
//   - The newcomer writes two statements a day in the ask channel from the
//     middle day (Days/2) on, never before; the leaver writes six a day in
//     the fading channel before the middle day, never after: a person who
//     starts in the second half, one who goes silent, and a channel that
//     goes quiet.
//
// Planted records are delivered once, on time, and never edited, deleted
// or reacted to, so what the engine must find follows from the schedule
// alone. Their texts carry no sentiment, topic or mention.

// PlantedOffice is the office of the planted people.
const PlantedOffice = "helpdesk"

// answerWindow is the engine's answer window (jobs.AnswerWindow), which the
// planted facts are computed for; a test checks the two agree.
const answerWindow = 24 * time.Hour

var (
	plantedQuestions = []string{
		"where do the build logs go?",
		"which branch has the release notes?",
		"who owns the staging box?",
		"when is the next deploy window?",
		"how do I get onto the metrics board?",
		"is the onboarding page on the wiki current?",
	}
	plantedStatement = "the build logs moved to the team folder"
	plantedReply     = "in the team folder on the wiki"
	plantedChatter   = []string{"standup notes are in the doc", "moved the notes to the wiki"}
	// plantedDelays are the reply delays of the six questions; nil: none.
	plantedDelays = [][]time.Duration{
		{45 * time.Second, 10 * time.Minute},
		{4 * time.Minute},
		{50 * time.Minute},
		{20 * time.Hour},
		nil,
		{30 * time.Hour},
	}
	plantedStatementDelays = []time.Duration{12 * time.Minute, time.Hour}
)

// leaverPerDay is how many messages the leaver writes a day in the fading
// channel: enough over two days for it to count as gone quiet
// (jobs.MinQuietMessages).
const leaverPerDay = 6

// plantedMsg is one planted authored message.
type plantedMsg struct {
	t              int64 // ts, µs
	user, rootUser int32
	channel        int32
	root           int64 // thread parent ts, µs; 0 for a top-level message
	question       bool
	text           string
}

// planted are the planted people, channels and schedule of a world.
type planted struct {
	office                          int32
	asker, helper, newcomer, leaver int32
	ask, fading                     int32
	mid                             int // first day of the newcomer
	msgs                            []plantedMsg
}

// plant adds the planted office, people and channels to w, after
// everything drawn at random, with ids from a stream of their own: the
// random part of the archive is what it was without them.
func (w *world) plant() {
	r := newRNG(w.cfg.Seed, 1<<62)
	taken := map[string]bool{}
	for _, u := range w.users {
		taken[u.id] = true
	}
	for _, c := range w.channels {
		taken[c.id] = true
	}
	id := func(prefix string) string {
		for {
			if s := r.id(prefix, 8); !taken[s] {
				taken[s] = true
				return s
			}
		}
	}
	p := &w.plant0
	p.office = int32(len(w.offices))
	o := officeInfo{name: PlantedOffice, zone: "Etc/UTC", loc: time.UTC}
	person := func(name string) int32 {
		u := int32(len(w.users))
		w.users = append(w.users, userInfo{id: id("U"), name: name, office: p.office})
		o.users = append(o.users, u)
		return u
	}
	p.asker, p.helper = person("asker.helpdesk"), person("helper.helpdesk")
	p.newcomer, p.leaver = person("newcomer.helpdesk"), person("leaver.helpdesk")
	w.offices = append(w.offices, o)
	p.ask = int32(len(w.channels))
	w.channels = append(w.channels, channelInfo{id: id("C"), name: "ask-helpdesk", team: Team})
	p.fading = int32(len(w.channels))
	w.channels = append(w.channels, channelInfo{id: id("C"), name: "fading", team: Team})

	p.mid = w.cfg.Days / 2
	start := w.cfg.Start.UnixMicro()
	end := start + int64(w.cfg.Days)*usDay
	add := func(m plantedMsg) {
		if m.t < end {
			p.msgs = append(p.msgs, m)
		}
	}
	for d := range w.cfg.Days {
		base := start + int64(d)*usDay + 8*usHour
		for i, q := range plantedQuestions {
			t := base + int64(i)*usHour
			add(plantedMsg{t: t, user: p.asker, channel: p.ask, question: true, text: q})
			for _, delay := range plantedDelays[i] {
				add(plantedMsg{t: t + delay.Microseconds(), user: p.helper, rootUser: p.asker, channel: p.ask, root: t, text: plantedReply})
			}
		}
		t := base + 6*usHour
		add(plantedMsg{t: t, user: p.asker, channel: p.ask, text: plantedStatement})
		for _, delay := range plantedStatementDelays {
			add(plantedMsg{t: t + delay.Microseconds(), user: p.helper, rootUser: p.asker, channel: p.ask, root: t, text: plantedReply})
		}
		if d >= p.mid {
			for i, text := range plantedChatter {
				add(plantedMsg{t: base + 7*usHour + int64(i)*30*usMinute, user: p.newcomer, channel: p.ask, text: text})
			}
		} else {
			for i := range leaverPerDay {
				add(plantedMsg{t: base + 90*usMinute + int64(i)*usHour, user: p.leaver, channel: p.fading, text: plantedChatter[i%len(plantedChatter)]})
			}
		}
	}
	slices.SortFunc(p.msgs, func(a, b plantedMsg) int { return int(a.t - b.t) })
}

// plantHour appends the planted messages of the hour starting at
// hourStart to evs, keeping evs in time order.
func (g *dayGen) plantHour(evs []event, hourStart int64, hour uint8) []event {
	msgs := g.w.plant0.msgs
	i, _ := slices.BinarySearchFunc(msgs, hourStart, func(m plantedMsg, t int64) int { return int(m.t - t) })
	n := len(evs)
	for ; i < len(msgs) && msgs[i].t < hourStart+usHour; i++ {
		evs = append(evs, event{t: msgs[i].t, cls: clsPlanted, hour: hour, plant: int32(i)})
	}
	if len(evs) > n {
		slices.SortStableFunc(evs, eventOrder)
	}
	return evs
}

// emitPlanted delivers a planted message: once, a second after its ts. What
// rendering draws (a client_msg_id) comes from the planted stream of the
// day, so that the random records are those an archive without planted
// ones has.
func (g *dayGen) emitPlanted(e *event) {
	if g.plantR == nil || g.plantDay != g.day {
		g.plantR, g.plantDay = newRNG(g.w.cfg.Seed, 1<<62+1+uint64(g.day)), g.day
	}
	g.rd.r = g.plantR
	defer func() { g.rd.r = g.r }()
	w := g.w
	m := &w.plant0.msgs[e.plant]
	s := spec{cls: clsAuthored, t: e.t, ts: e.t, user: m.user, channel: m.channel}
	info := recInfo{class: clsAuthored, office: w.users[m.user].office, user: m.user, channel: m.channel}
	if m.root != 0 {
		s.thread, s.parent = m.root, m.rootUser
		info.thread = true
	}
	g.text = append(g.text[:0], m.text...)
	s.text = g.text
	if g.era != eraWebhook {
		s.eventSeq = g.evSeq
		g.evSeq++
	}
	g.rendered = g.rd.render(g.rendered[:0], g.era, &s)
	g.push(pending{arrival: e.t + usSecond, msg: e.t, b: g.store(g.rendered), info: info})
}

// PlantedFacts are the planted scenes and what a run over [Start, End)
// must find in them.
type PlantedFacts struct {
	Office        string `json:"office"`
	AskChannel    string `json:"ask_channel"`
	FadingChannel string `json:"fading_channel"` // quiet from MidDay on
	Asker         string `json:"asker"`
	Helper        string `json:"helper"`
	Newcomer      string `json:"newcomer"` // writes from MidDay on only
	Leaver        string `json:"leaver"`   // writes before MidDay only
	MidDay        string `json:"mid_day"`
	// Messages counts the planted messages: the archive's authored
	// messages are Config.Messages and these.
	Messages int64 `json:"messages"`
	// The threads of the ask channel, as the summary of the whole range
	// counts them (see jobs.ThreadSummary), with the answer window they
	// are judged by.
	AnswerWindowSeconds int64 `json:"answer_window_seconds"`
	ThreadsStarted      int64 `json:"threads_started"`
	Replies             int64 `json:"replies"`
	Questions           int64 `json:"questions"`
	QuestionsJudged     int64 `json:"questions_judged"`
	Answered            int64 `json:"answered"`
	// FirstReplySeconds are the exact times to first reply of the threads
	// started, ascending.
	FirstReplySeconds []int64 `json:"first_reply_seconds"`
	// Unanswered are the ts of the judged questions without a reply within
	// the window, ascending, and UnansweredLateReplies their replies after
	// it, parallel.
	Unanswered            []string `json:"unanswered"`
	UnansweredLateReplies []int64  `json:"unanswered_late_replies"`
}

func plantedFacts(w *world) PlantedFacts {
	p := &w.plant0
	f := PlantedFacts{
		Office: PlantedOffice, AskChannel: w.channels[p.ask].id, FadingChannel: w.channels[p.fading].id,
		Asker: w.users[p.asker].id, Helper: w.users[p.helper].id,
		Newcomer: w.users[p.newcomer].id, Leaver: w.users[p.leaver].id,
		MidDay:              dayKey(w.cfg.Start.AddDate(0, 0, p.mid)),
		AnswerWindowSeconds: int64(answerWindow / time.Second),
		Messages:            int64(len(p.msgs)),
		FirstReplySeconds:   []int64{}, Unanswered: []string{}, UnansweredLateReplies: []int64{},
	}
	end := w.cfg.Start.UnixMicro() + int64(w.cfg.Days)*usDay
	window := answerWindow.Microseconds()
	type thread struct {
		question      bool
		replies, late int64
		first         int64
	}
	threads := map[int64]*thread{}
	var roots []int64
	for _, m := range p.msgs {
		if m.channel != p.ask {
			continue
		}
		if m.root == 0 {
			if m.question {
				threads[m.t] = &thread{question: true}
				roots = append(roots, m.t)
			} else if m.user == p.asker {
				threads[m.t] = &thread{}
				roots = append(roots, m.t)
			}
			continue
		}
		t := threads[m.root]
		t.replies++
		if t.first == 0 {
			t.first = m.t
		}
		if m.t-m.root > window {
			t.late++
		}
	}
	for _, root := range roots {
		t := threads[root]
		if t.replies > 0 {
			f.ThreadsStarted++
			f.Replies += t.replies
			f.FirstReplySeconds = append(f.FirstReplySeconds, (t.first-root)/usSecond)
		}
		if !t.question {
			continue
		}
		f.Questions++
		if root+window > end {
			continue
		}
		f.QuestionsJudged++
		if t.replies > 0 && t.first-root <= window {
			f.Answered++
		} else {
			f.Unanswered = append(f.Unanswered, tsString(root))
			f.UnansweredLateReplies = append(f.UnansweredLateReplies, t.late)
		}
	}
	slices.Sort(f.FirstReplySeconds)
	return f
}
