package generator

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"time"
	_ "time/tzdata" // office time zones must load on hosts without zoneinfo
)

// The workspace every generated record belongs to.
const (
	Team       = "T0001ABCD"
	TeamDomain = "wiretap-hq"
)

type officeInfo struct {
	name, zone string
	loc        *time.Location
	// posPPM and negPPM are the chances (per million) that a message of
	// the office carries positive and negative words: its sentiment bias.
	posPPM, negPPM uint64
	users          []int32
	cum            []uint64 // cumulative activity weights of users
}

type userInfo struct {
	id, name string
	office   int32
}

type channelInfo struct {
	id, name string
	team     string // its team's id
}

type botInfo struct {
	id, name string
}

// world is what all days share: people, places, and how many messages each
// hour gets. It is built once from the Seed and only read afterwards.
type world struct {
	cfg      Config
	offices  []officeInfo
	users    []userInfo
	channels []channelInfo
	chanCum  []uint64
	bots     []botInfo
	teams    []string // team ids; teams[0] is Team
	vocab    *vocab

	// hourCounts[d*24+h] is the number of authored messages of UTC hour h
	// of day d; hourCum the cumulative office weights of that hour.
	hourCounts []int64
	hourCum    [][]uint64

	positive, topic int
	mostMentioned   int32
	// The planted move: mover (-1: none) belongs to moveTo from day
	// moveDay on, to their first office before.
	mover, moveTo int32
	moveDay       int
	// sarcastic is the sarcastic office; sarcasticUser marks its planted
	// sarcastic people (see plantSarcasm).
	sarcastic     int
	sarcasticUser []bool
	// plant0 are the planted scenes (plant.go); their people and channels
	// are at the end of users and channels, where no random pick reaches.
	plant0 planted

	token, serviceID, appID, appUser string

	dupPPM, latePPM, malPPM, gluePPM, tooLatePPM uint64
}

// Working-hours profiles: relative activity by local hour.
var (
	weekdayProfile = [24]uint64{1, 1, 1, 1, 1, 1, 2, 5, 20, 60, 90, 100, 55, 70, 95, 90, 80, 50, 20, 10, 6, 5, 3, 2}
	weekendProfile = [24]uint64{1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 5, 5, 5, 5, 5, 4, 4, 4, 3, 3, 2, 1, 1}
)

// Sentiment biases, per million messages.
const (
	positivePosPPM = 450_000 // the planted positive office
	positiveNegPPM = 30_000
	basePosPPM     = 120_000 // the others: plus up to 60,000 each
	baseNegPPM     = 110_000
	spreadPPM      = 60_000
	topicPPM       = 40_000 // share of the topic office's messages on the topic
	mentionPPM     = 90_000 // share of messages that mention someone
	mentionTopPPM  = 350_000
)

func newWorld(cfg Config) (*world, error) {
	r := newRNG(cfg.Seed, 0)
	w := &world{
		cfg:        cfg,
		dupPPM:     perMillion(cfg.DuplicateRate),
		latePPM:    perMillion(cfg.LateRate),
		malPPM:     perMillion(cfg.MalformedRate),
		gluePPM:    perMillion(cfg.GlueRate),
		tooLatePPM: perMillion(cfg.TooLateRate),
	}
	nOff := len(cfg.Offices)
	w.positive = r.intn(nOff)
	w.topic = (w.positive + 1 + r.intn(nOff-1)) % nOff
	w.offices = make([]officeInfo, nOff)
	sizeW := make([]uint64, nOff)
	for i, name := range cfg.Offices {
		o := &w.offices[i]
		o.name, o.zone = name, cfg.zoneOf(name)
		loc, err := time.LoadLocation(o.zone)
		if err != nil {
			return nil, fmt.Errorf("bench: time zone of office %q: %w", name, err)
		}
		o.loc = loc
		o.posPPM = basePosPPM + uint64(r.intn(spreadPPM))
		o.negPPM = baseNegPPM + uint64(r.intn(spreadPPM))
		if i == w.positive {
			o.posPPM, o.negPPM = positivePosPPM, positiveNegPPM
		}
		sizeW[i] = 2 + uint64(r.intn(5))
	}
	officeCum := cumulate(sizeW)

	// Users: two per office first, the rest by office size.
	w.users = make([]userInfo, cfg.Users)
	ids := make(map[string]bool, cfg.Users)
	names := make(map[string]int, cfg.Users)
	userW := make([]uint64, cfg.Users)
	for u := range w.users {
		o := u % nOff
		if u >= 2*nOff {
			o = r.pick(officeCum)
		}
		id := r.id("U", 8)
		for ids[id] {
			id = r.id("U", 8)
		}
		ids[id] = true
		name := firstNames[r.intn(len(firstNames))] + "." + lastNames[r.intn(len(lastNames))]
		if n := names[name]; n > 0 {
			names[name] = n + 1
			name += strconv.Itoa(n + 1)
		} else {
			names[name] = 1
		}
		w.users[u] = userInfo{id: id, name: name, office: int32(o)}
		w.offices[o].users = append(w.offices[o].users, int32(u))
		userW[u] = 10 + uint64(r.intn(90))
		if r.intn(20) == 0 {
			userW[u] *= 4 // a few people write most
		}
	}
	for i := range w.offices {
		o := &w.offices[i]
		ws := make([]uint64, len(o.users))
		for j, u := range o.users {
			ws[j] = userW[u]
		}
		o.cum = cumulate(ws)
	}
	w.mostMentioned = int32(r.intn(cfg.Users))
	w.plantSarcasm(userW)

	w.channels = make([]channelInfo, cfg.Channels)
	chanW := make([]uint64, cfg.Channels)
	for c := range w.channels {
		id := r.id("C", 8)
		for ids[id] {
			id = r.id("C", 8)
		}
		ids[id] = true
		name := channelNames[c%len(channelNames)]
		if c >= len(channelNames) {
			name += "-" + strconv.Itoa(c/len(channelNames)+1)
		}
		w.channels[c] = channelInfo{id: id, name: name}
		chanW[c] = 600/uint64(c+1) + 20
	}
	w.chanCum = cumulate(chanW)
	for _, name := range []string{"deploybot", "jira", "github", "pagerduty", "standup"} {
		w.bots = append(w.bots, botInfo{id: r.id("B", 8), name: name})
	}
	tok := []byte(r.id("", 24))
	for i := range tok {
		if tok[i] >= 'A' && tok[i] <= 'Z' && r.intn(2) == 0 {
			tok[i] += 'a' - 'A'
		}
	}
	w.token = string(tok)
	w.serviceID = strconv.Itoa(100000000 + r.intn(900000000))
	w.appID = r.id("A", 10)
	w.appUser = r.id("U", 10)
	// Team ids come after every other draw of the world, so that one team
	// leaves the archive of earlier versions unchanged.
	w.teams = []string{Team}
	for len(w.teams) < cfg.Teams {
		id := r.id("T", 8)
		for ids[id] || id == Team {
			id = r.id("T", 8)
		}
		ids[id] = true
		w.teams = append(w.teams, id)
	}
	for c := range w.channels {
		w.channels[c].team = w.teams[c%len(w.teams)]
	}
	w.vocab = newVocab(cfg.Vocabulary, cfg.ZipfExponent)

	w.planMove()
	w.planHours()
	w.plant()
	// The planted people (appended by plant) are never sarcastic.
	w.sarcasticUser = append(w.sarcasticUser, make([]bool, len(w.users)-len(w.sarcasticUser))...)
	return w, nil
}

// planMove plants a person who moves mid-range: the first person of an
// office that is neither the positive nor the topic office (when there is
// one) moves to the next such office on the middle day. It draws from an
// RNG stream of its own, so the rest of the world is as without it.
func (w *world) planMove() {
	w.mover = -1
	if w.cfg.Days < 2 {
		return
	}
	var plain []int
	for i := range w.offices {
		if i != w.positive && i != w.topic {
			plain = append(plain, i)
		}
	}
	if len(plain) < 2 { // two or three offices: any two will do
		plain = []int{w.positive, w.topic}
	}
	r := newRNG(w.cfg.Seed, 1<<40)
	from := plain[r.intn(len(plain))]
	to := plain[0]
	if to == from {
		to = plain[1]
	}
	w.mover, w.moveTo, w.moveDay = w.offices[from].users[0], int32(to), w.cfg.Days/2
}

// officeOn is u's office on day d.
func (w *world) officeOn(u int32, d int) int32 {
	if u == w.mover && d >= w.moveDay {
		return w.moveTo
	}
	return w.users[u].office
}

// cumulate returns the running sums of ws.
func cumulate(ws []uint64) []uint64 {
	cum := make([]uint64, len(ws))
	var s uint64
	for i, x := range ws {
		s += x
		cum[i] = s
	}
	return cum
}

// planHours splits cfg.Messages over the days' UTC hours in proportion to
// the offices' local working hours (and their sizes), exactly, by largest
// remainder.
func (w *world) planHours() {
	cfg := &w.cfg
	cells := cfg.Days * 24
	w.hourCounts = make([]int64, cells)
	w.hourCum = make([][]uint64, cells)
	weights := make([]uint64, cells)
	var total uint64
	for c := range cells {
		t := cfg.Start.Add(time.Duration(c) * time.Hour)
		ws := make([]uint64, len(w.offices))
		for i := range w.offices {
			o := &w.offices[i]
			lt := t.In(o.loc)
			prof := &weekdayProfile
			if wd := lt.Weekday(); wd == time.Saturday || wd == time.Sunday {
				prof = &weekendProfile
			}
			ws[i] = uint64(len(o.users)) * prof[lt.Hour()]
		}
		w.hourCum[c] = cumulate(ws)
		weights[c] = w.hourCum[c][len(ws)-1]
		total += weights[c]
	}
	n := uint64(cfg.Messages)
	rem := make([]uint64, cells)
	var assigned uint64
	for c := range cells {
		hi, lo := bits.Mul64(n, weights[c])
		q, rm := bits.Div64(hi, lo, total)
		w.hourCounts[c] = int64(q)
		rem[c] = rm
		assigned += q
	}
	order := make([]int, cells)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if rem[a] != rem[b] {
			if rem[a] > rem[b] {
				return -1
			}
			return 1
		}
		return a - b
	})
	for i := 0; assigned < n; i++ {
		w.hourCounts[order[i]]++
		assigned++
	}
}
