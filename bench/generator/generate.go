package generator

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// Simulated times, in microseconds.
const (
	usSecond = int64(time.Second / time.Microsecond)
	usMinute = 60 * usSecond
	usHour   = 60 * usMinute
	usDay    = 24 * usHour

	bufferInterval = 5 * usMinute // Firehose's buffering interval
	maxObjectBytes = 64 << 20     // and its buffer size
	arenaChunk     = 1 << 20
)

// Generate writes the archive cfg describes to dst, one object at a time,
// and returns its Facts. The same Config gives the same keys and bytes
// whatever cfg.Workers is. Workers call dst.Put concurrently, so dst must be
// safe for concurrent use; Generate reuses a body once Put has returned, so
// Put must not keep it. On error (an invalid Config, a failed Put, ctx
// cancelled) Generate returns no Facts and the archive is incomplete.
func Generate(ctx context.Context, cfg Config, dst archive.Putter) (*Facts, error) {
	if dst == nil {
		return nil, errors.New("bench: nil Putter")
	}
	cfg, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	w, err := newWorld(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Days are merged into the Facts as they finish: every merge is a sum,
	// so the order does not matter, and no day's dense counts outlive it.
	f := newFacts(w)
	days := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range min(cfg.Workers, cfg.Days) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newDayGen(w, dst)
			for d := range days {
				p, err := g.run(ctx, d)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					f.add(w, d, p)
				}
				mu.Unlock()
				if err != nil {
					cancel()
					return
				}
			}
		}()
	}
feed:
	for d := range cfg.Days {
		select {
		case days <- d:
		case <-ctx.Done():
			break feed
		}
	}
	close(days)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.Sort(f.StrayKeys)
	return f, nil
}

// recInfo is what a record contributes to the Facts when it counts.
type recInfo struct {
	class         uint8
	thread, topic bool
	pos, neg      uint8
	// sarcastic and sincere: the message ends with a planted sarcastic or
	// sincere line (see plantLine).
	sarcastic, sincere bool
	nMentions          uint8
	removed            bool // a reaction removed
	office             int32
	user, channel      int32
	mentions           [2]int32
	// ts is the message's own ts, µs, for an authored message; the ts of
	// the message pointed at for an edit, a deletion or a reaction.
	ts int64
	// at is an edit's edit time, µs; reaction is a reaction's emoji.
	at       int64
	reaction string
}

// dupGroup is shared by the copies of a record delivered more than once:
// the first copy inside the arrival window counts, the others are
// duplicates.
type dupGroup struct {
	counted bool
}

// pending is one delivery of a record, waiting for its arrival time.
type pending struct {
	arrival int64 // µs
	seq     uint64
	msg     int64 // µs: the time the decoder parses, which decides the window
	b       []byte
	bad     uint8 // malformed-record cause, 0 for a valid record
	info    recInfo
	group   *dupGroup
}

func (a *pending) less(b *pending) bool {
	return a.arrival < b.arrival || a.arrival == b.arrival && a.seq < b.seq
}

// event is one thing that happens in an hour, before it is rendered.
type event struct {
	t     int64
	cls   uint8
	hour  uint8
	plant int32 // index of a planted message (clsPlanted)
}

// recentMsg is a message a later thread reply, reaction, edit or deletion
// can refer to.
type recentMsg struct {
	t, root        int64
	user, rootUser int32
}

const recentPerChannel = 32

// dayGen generates one day at a time: the events of each hour in time
// order, their deliveries through a min-heap on arrival time, and a
// simulated Firehose buffer that flushes objects to dst.
type dayGen struct {
	w   *world
	dst archive.Putter
	ctx context.Context
	r   *rng
	sr  *rng // the planted lines' own stream (sarcasmStream)
	rd  renderer
	p   *partial

	day      int
	era      era
	last     bool
	startUS  int64 // the range, µs
	endUS    int64
	readFrom int64 // listed hour prefixes, as Unix hours: [readFrom, readTo)
	readTo   int64
	marginH  int64
	behindH  int64
	editH    int64

	heap  []pending
	seq   uint64
	evSeq uint64
	arena []byte

	obj      []pending
	objStart int64
	objBytes int

	body  []byte
	gzBuf bytes.Buffer
	gz    *gzip.Writer
	uuid  []byte

	evs                       []event
	text, prev, rendered, bad []byte
	recent                    [][]recentMsg
	recentNext                []int
	mentionBuf                [2]int32
	plantR                    *rng // the planted stream of plantDay (plant.go)
	plantDay                  int
}

func newDayGen(w *world, dst archive.Putter) *dayGen {
	cfg := &w.cfg
	g := &dayGen{
		w:       w,
		dst:     dst,
		startUS: cfg.Start.UnixMicro(),
		marginH: int64(cfg.Margin / time.Hour),
		behindH: int64(cfg.LookBehind / time.Hour),
		editH:   int64(cfg.EditWindow / time.Hour),
		recent:  make([][]recentMsg, len(w.channels)),
	}
	g.endUS = g.startUS + int64(cfg.Days)*usDay
	g.readFrom = floorDiv(g.startUS, usHour) - g.behindH
	g.readTo = floorDiv(g.endUS, usHour) + g.marginH + g.editH
	g.recentNext = make([]int, len(w.channels))
	g.rd.w = w
	return g
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// run generates day d and returns its contribution to the Facts.
func (g *dayGen) run(ctx context.Context, d int) (*partial, error) {
	w := g.w
	g.ctx = ctx
	g.day = d
	g.era = eraOf(d, w.cfg.Days)
	g.last = d == w.cfg.Days-1
	g.r = newRNG(w.cfg.Seed, 1+uint64(d))
	g.sr = newRNG(w.cfg.Seed, sarcasmStream+1+uint64(d))
	g.rd.r, g.rd.day = g.r, d
	if g.p == nil {
		g.p = newPartial(w)
	} else {
		g.p.reset()
	}
	g.heap, g.obj = g.heap[:0], g.obj[:0]
	g.seq, g.evSeq = 0, 0
	for c := range g.recent {
		g.recent[c], g.recentNext[c] = g.recent[c][:0], 0
	}
	dayStart := g.startUS + int64(d)*usDay
	if err := g.stray(dayStart); err != nil {
		return nil, err
	}
	last := dayStart - 1
	for h := range 24 {
		hourStart := dayStart + int64(h)*usHour
		g.evs = g.planHour(g.evs[:0], hourStart, w.hourCounts[d*24+h], uint8(h))
		g.evs = g.plantHour(g.evs, hourStart, uint8(h))
		for i := range g.evs {
			e := &g.evs[i]
			if e.t <= last { // ts are unique: the day's events strictly increase
				e.t = last + 1
			}
			last = e.t
			if err := g.advance(e.t); err != nil {
				return nil, err
			}
			g.emit(e)
		}
	}
	if err := g.advance(math.MaxInt64); err != nil {
		return nil, err
	}
	if err := g.flush(); err != nil {
		return nil, err
	}
	g.p.finish(w, d)
	return g.p, nil
}

// planHour appends the events of one hour, in time order: n authored
// messages and the bot messages, joins, edits, deletions and reactions
// that go with them.
func (g *dayGen) planHour(evs []event, hourStart, n int64, hour uint8) []event {
	r := g.r
	for range n {
		evs = append(evs, event{t: hourStart + r.int64n(usHour), cls: clsAuthored, hour: hour})
		x := r.intn(1_000_000)
		cls := uint8(255)
		if g.era == eraWebhook {
			if x < 20_000 {
				cls = clsSlackbot
			}
		} else {
			switch {
			case x < 25_000:
				cls = clsBot
			case x < 29_000:
				cls = clsJoin
			case x < 54_000:
				cls = clsEdit
			case x < 60_000:
				cls = clsDelete
			case x < 130_000:
				cls = clsReaction
			}
		}
		if cls != 255 {
			evs = append(evs, event{t: hourStart + r.int64n(usHour), cls: cls, hour: hour})
		}
	}
	slices.SortFunc(evs, eventOrder)
	return evs
}

// eventOrder orders events by time, then class.
func eventOrder(a, b event) int {
	if a.t != b.t {
		if a.t < b.t {
			return -1
		}
		return 1
	}
	return int(a.cls) - int(b.cls)
}

// emit renders the record(s) of e and schedules their deliveries.
func (g *dayGen) emit(e *event) {
	w, r := g.w, g.r
	switch e.cls {
	case clsAuthored:
		g.authored(e)
	case clsPlanted:
		g.emitPlanted(e)
	case clsBot:
		s := spec{cls: clsBot, subtype: "bot_message", t: e.t, ts: e.t, user: -1,
			channel: int32(r.pick(w.chanCum)), bot: int32(r.intn(len(w.bots)))}
		g.text = appendBotText(g.text[:0], r)
		s.text = g.text
		g.deliver(&s, e.t, recInfo{class: clsBot})
	case clsSlackbot:
		s := spec{cls: clsSlackbot, t: e.t, ts: e.t, user: -1, channel: int32(r.pick(w.chanCum))}
		g.text = append(g.text[:0], slackbotTexts[r.intn(len(slackbotTexts))]...)
		s.text = g.text
		g.deliver(&s, e.t, recInfo{class: clsSlackbot})
	case clsJoin:
		u := int32(r.intn(w.cfg.Users)) // not the planted people, who never join
		s := spec{cls: clsJoin, subtype: "channel_join", t: e.t, ts: e.t, user: u, channel: int32(r.pick(w.chanCum))}
		g.text = append(g.text[:0], "<@"...)
		g.text = append(g.text, w.users[u].id...)
		g.text = append(g.text, "> has joined the channel"...)
		s.text = g.text
		g.deliver(&s, e.t, recInfo{class: clsJoin})
	case clsEdit, clsDelete, clsReaction:
		c := int32(r.pick(w.chanCum))
		ring := g.recent[c]
		if len(ring) == 0 {
			return
		}
		m := ring[r.intn(len(ring))]
		if e.cls != clsReaction {
			// People fix or delete what they just wrote.
			m = ring[(g.recentNext[c]+len(ring)-1)%len(ring)]
		}
		s := spec{cls: e.cls, t: e.t, ts: m.t, user: m.user, itemUser: m.user, channel: c}
		info := recInfo{class: e.cls, ts: m.t, at: e.t, channel: c}
		switch e.cls {
		case clsReaction:
			s.user = int32(r.intn(w.cfg.Users))
			s.reaction = reactions[r.intn(len(reactions))]
			info.reaction = s.reaction
			g.deliver(&s, m.t, info)
			// Some take their reaction back a few minutes later.
			if r.intn(4) == 0 {
				s.removed, info.removed = true, true
				s.t = e.t + usMinute + r.int64n(10*usMinute)
				g.deliver(&s, m.t, info)
			}
			return
		default:
			if e.t-m.t > 30*usMinute {
				return
			}
			s.subtype = "message_changed"
			if e.cls == clsDelete {
				s.subtype = "message_deleted"
			}
			if m.root != m.t {
				s.thread, s.parent = m.root, m.rootUser
			}
			g.text = appendPlainText(g.text[:0], r, w.vocab)
			g.prev = appendPlainText(g.prev[:0], r, w.vocab)
			s.text, s.prevText = g.text, g.prev
		}
		g.deliver(&s, m.t, info)
	}
}

// authored generates one message a person wrote.
func (g *dayGen) authored(e *event) {
	w, r := g.w, g.r
	o := r.pick(w.hourCum[g.day*24+int(e.hour)])
	off := &w.offices[o]
	u := off.users[r.pick(off.cum)]
	c := int32(r.pick(w.chanCum))
	s := spec{cls: clsAuthored, t: e.t, ts: e.t, user: u, channel: c}
	info := recInfo{class: clsAuthored, office: w.officeOn(u, g.day), user: u, channel: c, ts: e.t}
	root, rootUser := e.t, u
	if ring := g.recent[c]; len(ring) > 0 && r.intn(100) < 15 {
		par := ring[r.intn(len(ring))]
		s.thread, s.parent = par.root, par.rootUser
		root, rootUser = par.root, par.rootUser
		info.thread = true
	}
	var plan textPlan
	if r.chance(off.posPPM) {
		plan.pos = 1 + r.intn(5)/4
	}
	if r.chance(off.negPPM) {
		plan.neg = 1 + r.intn(5)/4
	}
	plan.topic = o == w.topic && r.chance(topicPPM)
	if r.chance(mentionPPM) {
		plan.mentions = g.pickMentions(u, 1+r.intn(5)/4)
	}
	g.text = appendText(g.text[:0], r, w, &plan, true)
	info.pos, info.neg, info.topic = uint8(plan.pos), uint8(plan.neg), plan.topic
	g.plantLine(u, o, &info)
	s.text = g.text
	info.nMentions = uint8(copy(info.mentions[:], plan.mentions))
	if g.era != eraWebhook {
		x := r.intn(1000)
		switch {
		case info.thread && x < 50:
			s.subtype = "thread_broadcast"
		case !info.thread && x < 5:
			s.subtype = "me_message"
		case !info.thread && x < 15:
			s.subtype = "file_share"
		}
	}
	g.remember(c, recentMsg{t: e.t, root: root, user: u, rootUser: rootUser})
	g.deliver(&s, e.t, info)
}

// pickMentions returns n distinct users other than author; the planted
// most-mentioned user is the target of a large share of all mentions.
func (g *dayGen) pickMentions(author int32, n int) []int32 {
	w, r := g.w, g.r
	out := g.mentionBuf[:0]
	for tries := 0; len(out) < n && tries < 8; tries++ {
		u := int32(r.intn(w.cfg.Users))
		if r.chance(mentionTopPPM) {
			u = w.mostMentioned
		}
		if u == author || slices.Contains(out, u) {
			continue
		}
		out = append(out, u)
	}
	return out
}

func (g *dayGen) remember(c int32, m recentMsg) {
	if len(g.recent[c]) < recentPerChannel {
		g.recent[c] = append(g.recent[c], m)
		return
	}
	g.recent[c][g.recentNext[c]] = m
	g.recentNext[c] = (g.recentNext[c] + 1) % recentPerChannel
}

// deliver renders s and schedules its deliveries: on time, late or too
// late, sometimes more than once, sometimes followed by a malformed line.
// msgT is the time that decides the record's window and range: the
// message's own, or for an edit, deletion or reaction the message's it
// points at.
func (g *dayGen) deliver(s *spec, msgT int64, info recInfo) {
	w, r, p := g.w, g.r, g.p
	if g.era != eraWebhook {
		s.eventSeq = g.evSeq
		g.evSeq++
	}
	g.rendered = g.rd.render(g.rendered[:0], g.era, s)
	b := g.store(g.rendered)
	arr := s.t + usSecond/2 + r.int64n(15*usSecond/2)
	tooLate := false
	revision := isRevision(s.cls)
	// Every copy of a record that is not too late arrives before the end of
	// the hour after its message hour (for a revision, the edit window
	// later), so it lands in the arrival window.
	deadline := floorDiv(msgT, usHour)*usHour + 2*usHour - usSecond
	if revision {
		deadline += g.editH * usHour
	}
	if revision && !g.last && r.chance(lateRevisionPPM) {
		// Planted: a revision that arrives after the edit window.
		arr = (floorDiv(msgT, usHour)+g.marginH+g.editH+1)*usHour + r.int64n(usHour)
		tooLate = true
	} else if !g.last && r.chance(w.tooLatePPM) {
		arr = s.t + 3*usHour + r.int64n(3*usHour)
		tooLate = true
		p.tooLate++
	} else if r.chance(w.latePPM) {
		arr = s.t + 10*usMinute + r.int64n(45*usMinute)
		p.late++
	}
	if !tooLate {
		arr = min(arr, max(deadline-6*usMinute-15*usSecond, s.t+usSecond))
	}
	if tooLate || !r.chance(w.dupPPM) {
		g.push(pending{arrival: arr, msg: msgT, b: b, info: info})
	} else {
		grp := &dupGroup{}
		g.push(pending{arrival: arr, msg: msgT, b: b, info: info, group: grp})
		again := func(at int64) {
			g.push(pending{arrival: min(at, deadline), msg: msgT, b: b, info: info, group: grp})
		}
		switch x := r.intn(100); {
		case g.era == eraWebhook: // the old producer simply sent some twice
			again(arr + usSecond + r.int64n(10*usMinute))
		case x < 45: // Slack retried once, after a minute
			again(arr + usMinute + r.int64n(3*usSecond))
		case x < 70: // twice: after one and five minutes
			again(arr + usMinute + r.int64n(3*usSecond))
			again(arr + 5*usMinute + r.int64n(3*usSecond))
		default: // Firehose delivered the record again, later
			again(arr + 30*usSecond + r.int64n(20*usMinute))
		}
	}
	if r.chance(w.malPPM) {
		cause := uint8(1 + r.intn(4))
		g.bad = g.rd.malformed(g.bad[:0], int(cause), g.era, g.rendered, s)
		g.push(pending{arrival: s.t + usSecond/2 + r.int64n(15*usSecond/2), msg: msgT, b: g.store(g.bad), bad: cause})
	}
}

// store copies b into the arena; records outlive the scratch buffers.
func (g *dayGen) store(b []byte) []byte {
	if len(b) > arenaChunk/8 {
		return bytes.Clone(b)
	}
	if cap(g.arena)-len(g.arena) < len(b) {
		g.arena = make([]byte, 0, arenaChunk)
	}
	n := len(g.arena)
	g.arena = append(g.arena, b...)
	return g.arena[n:len(g.arena):len(g.arena)]
}

func (g *dayGen) push(x pending) {
	x.seq = g.seq
	g.seq++
	h := append(g.heap, x)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !h[i].less(&h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
	g.heap = h
}

func (g *dayGen) pop() pending {
	h := g.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = pending{}
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].less(&h[l]) {
			m = r
		}
		if !h[m].less(&h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	g.heap = h
	return top
}

// advance hands every delivery that has arrived by t to the Firehose buffer.
func (g *dayGen) advance(t int64) error {
	for len(g.heap) > 0 && g.heap[0].arrival <= t {
		if err := g.buffer(g.pop()); err != nil {
			return err
		}
	}
	return nil
}

// buffer adds one arriving record to the simulated Firehose buffer, which
// flushes by interval, record count and size.
func (g *dayGen) buffer(x pending) error {
	if len(g.obj) > 0 && (x.arrival >= g.objStart+bufferInterval || g.objBytes+len(x.b)+1 > maxObjectBytes) {
		if err := g.flush(); err != nil {
			return err
		}
	}
	if len(g.obj) == 0 {
		g.objStart = x.arrival
	}
	g.obj = append(g.obj, x)
	g.objBytes += len(x.b) + 1
	if len(g.obj) >= g.w.cfg.ObjectRecords {
		return g.flush()
	}
	return nil
}

// flush writes the buffered records as one object, filed under the arrival
// hour of the oldest, and accounts for them.
func (g *dayGen) flush() error {
	if len(g.obj) == 0 {
		return nil
	}
	if err := g.ctx.Err(); err != nil {
		return err
	}
	cfg := &g.w.cfg
	hour := floorDiv(g.objStart, usHour)
	read := hour >= g.readFrom && hour < g.readTo
	body := g.body[:0]
	glued := false
	for i := range g.obj {
		x := &g.obj[i]
		g.account(x, hour, read, glued)
		body = append(body, x.b...)
		glued = i+1 < len(g.obj) && x.bad == 0 && g.obj[i+1].bad == 0 && g.r.chance(g.w.gluePPM)
		if !glued {
			body = append(body, '\n')
		}
	}
	g.body = body
	g.uuid = g.r.appendUUID(g.uuid[:0])
	key := archive.ObjectKey(cfg.Prefix, cfg.Stream, 1, time.UnixMicro(g.objStart).UTC(), string(g.uuid), cfg.Gzip)
	payload := body
	if cfg.Gzip {
		var err error
		if payload, err = g.compress(body); err != nil {
			return fmt.Errorf("bench: compress %s: %w", key, err)
		}
	}
	if err := g.dst.Put(g.ctx, key, payload); err != nil {
		return fmt.Errorf("bench: put %s: %w", key, err)
	}
	p := g.p
	p.objectsWritten++
	p.bytesWritten += int64(len(payload))
	p.ndjsonBytes += int64(len(body))
	if read {
		p.objectsListed++
	}
	clear(g.obj)
	g.obj = g.obj[:0]
	g.objBytes = 0
	return nil
}

func (g *dayGen) compress(body []byte) ([]byte, error) {
	g.gzBuf.Reset()
	if g.gz == nil {
		var err error
		// The header carries no name and no time, so output is reproducible.
		if g.gz, err = gzip.NewWriterLevel(&g.gzBuf, gzip.BestSpeed); err != nil {
			return nil, err
		}
	} else {
		g.gz.Reset(&g.gzBuf)
	}
	if _, err := g.gz.Write(body); err != nil {
		return nil, err
	}
	if err := g.gz.Close(); err != nil {
		return nil, err
	}
	return g.gzBuf.Bytes(), nil
}

// account applies the engine's rules to one record of an object filed
// under Unix hour prefix hour; glued says it follows another record on the
// same line.
func (g *dayGen) account(x *pending, hour int64, read, glued bool) {
	p := g.p
	p.recordsWritten++
	if !read {
		return
	}
	p.read++
	if glued {
		p.glued++
	}
	if x.bad != 0 {
		p.quarantined++
		p.byCause[x.bad]++
		return
	}
	mh := floorDiv(x.msg, usHour)
	if hour < mh {
		p.earlyPrefix++
	}
	in := &x.info
	window := g.marginH
	if isRevision(in.class) {
		window += g.editH
	}
	if hour < mh-g.behindH || hour > mh+window {
		p.parsed++
		p.outOfRange++
		if isRevision(in.class) && x.msg >= g.startUS && x.msg < g.endUS {
			p.revLate[in.class]++
		}
		return
	}
	if x.group != nil {
		if x.group.counted {
			p.duplicates++
			return
		}
		x.group.counted = true
	}
	p.parsed++
	if x.msg < g.startUS || x.msg >= g.endUS {
		p.outOfRange++
		return
	}
	p.inRange++
	p.byKind[kindName(in.class)]++
	switch {
	case in.class == clsAuthored:
		p.authored++
		p.msgs = append(p.msgs, *in)
	case isRevision(in.class):
		if x.group != nil {
			p.revDuplicated++
		}
		p.revs = append(p.revs, *in)
	}
}

// isRevision tells the classes that point at an earlier message: edits,
// deletions and reactions.
func isRevision(cls uint8) bool {
	return cls == clsEdit || cls == clsDelete || cls == clsReaction
}

// lateRevisionPPM is the share of edits, deletions and reactions planted
// to arrive after the edit window.
const lateRevisionPPM = 20_000

// strayNames are files that end up under hour prefixes without being
// Firehose objects.
var strayNames = []string{"README.txt", "_SUCCESS", "manifest.json", "slack-wiretap.json.tmp"}

// stray writes the day's non-Firehose keys: one file under a random hour
// prefix, and sometimes an error-output object outside the hour prefixes.
func (g *dayGen) stray(dayStart int64) error {
	cfg := &g.w.cfg
	r := g.r
	at := time.UnixMicro(dayStart + r.int64n(usDay)).UTC()
	key := archive.HourPrefix(cfg.Prefix, at) + strayNames[r.intn(len(strayNames))]
	if err := g.dst.Put(g.ctx, key, []byte("not a Firehose object\n")); err != nil {
		return fmt.Errorf("bench: put %s: %w", key, err)
	}
	g.p.strayKeys = append(g.p.strayKeys, key)
	if h := floorDiv(at.UnixMicro(), usHour); h >= g.readFrom && h < g.readTo {
		g.p.skipped++
	}
	if r.intn(3) > 0 {
		return nil
	}
	g.uuid = r.appendUUID(g.uuid[:0])
	key = archive.ObjectKey(cfg.Prefix+"processing-failed/", cfg.Stream, 1, at, string(g.uuid), false)
	raw := base64.StdEncoding.EncodeToString([]byte(garbageLines[r.intn(len(garbageLines))]))
	ms := at.UnixMilli()
	var b []byte
	b = append(b, `{"attemptsMade":4,"arrivalTimestamp":`...)
	b = appendInt(b, ms)
	b = append(b, `,"errorCode":"Lambda.FunctionError","errorMessage":"The Lambda function was successfully invoked but it returned an error result.","attemptEndingTimestamp":`...)
	b = appendInt(b, ms+61_000)
	b = append(b, `,"rawData":"`...)
	b = append(b, raw...)
	b = append(b, `","lambdaArn":"arn:aws:lambda:eu-west-1:123456789012:function:wiretap-ingest:$LATEST"}`+"\n"...)
	if err := g.dst.Put(g.ctx, key, b); err != nil {
		return fmt.Errorf("bench: put %s: %w", key, err)
	}
	g.p.strayKeys = append(g.p.strayKeys, key)
	return nil
}
