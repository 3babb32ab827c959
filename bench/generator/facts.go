package generator

import (
	"bytes"
	"slices"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline"
)

// Facts is the ground truth of a generated archive: what was planted, and
// exactly what a run of the engine over [Start, End) must count. Every map is
// keyed by strings (days as "2016-11-18", users and channels by id, offices
// by name), so its JSON is stable.
//
// The run the accounting describes lists the hour prefixes from
// Start-LookBehind to End+Margin+EditWindow (exclusive) under Prefix, and
// counts a record whose message hour is M (the UTC hour of the message's
// ts; for edits, deletions and reactions, of the message they point at),
// read from an object under hour prefix P, iff M-LookBehind <= P <=
// M+Margin (M+Margin+EditWindow for edits, deletions and reactions); other
// parsed records are out of range (see Config.Margin and EditWindow). Duplicates are
// counted among the records inside that window only, by schema.Message.Key
// and EventKey. The identities RecordsRead = Parsed + Quarantined +
// Duplicates and Parsed = InRange + OutOfRange hold.
type Facts struct {
	Seed            int64     `json:"seed"`
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"` // Start + Days, exclusive
	Days            int       `json:"days"`
	MarginHours     int       `json:"margin_hours"`
	EditWindowHours int       `json:"edit_window_hours"`
	LookBehindHours int       `json:"look_behind_hours"`
	Prefix          string    `json:"prefix"`
	Stream          string    `json:"stream"`
	Gzip            bool      `json:"gzip"`
	Team            string    `json:"team"`            // the first team
	Teams           []string  `json:"teams,omitempty"` // every team, when Config.Teams > 1

	// The planted facts.
	PositiveOffice    string `json:"positive_office"`     // markedly more positive than every other office
	TopicOffice       string `json:"topic_office"`        // the only office whose messages contain Topic
	Topic             string `json:"topic"`               // a bigram: "kubernetes migration"
	MostMentionedUser string `json:"most_mentioned_user"` // user id, mentioned several times more than anyone else
	// SarcasticOffice is the office whose people write sarcasm: its
	// SarcasticUsers (ids, sorted) end 40% of their messages with a
	// sarcastic line, its other people 3%. PositiveOffice is the sincere
	// one: a quarter of its messages end with sincere praise or thanks.
	SarcasticOffice string   `json:"sarcastic_office"`
	SarcasticUsers  []string `json:"sarcastic_users"`
	// SarcasticByUser counts, per user id, the authored messages that end
	// with a planted sarcastic line; SincerePraise those that end with a
	// sincere one.
	SarcasticByUser map[string]int64 `json:"sarcastic_by_user"`
	SincerePraise   int64            `json:"sincere_praise"`
	// Planted are the planted threads, questions, newcomer, leaver and
	// quiet channel, in an office of their own (plant.go).
	Planted PlantedFacts `json:"planted"`

	// The archive as written, including objects no run over the range reads.
	ObjectsWritten int64 `json:"objects_written"`
	BytesWritten   int64 `json:"bytes_written"` // as stored (compressed when Gzip)
	NDJSONBytes    int64 `json:"ndjson_bytes"`  // uncompressed
	RecordsWritten int64 `json:"records_written"`
	// StrayKeys are the keys that are not Firehose objects: files under an
	// hour prefix (counted in SkippedKeys) and error-output objects under
	// Prefix+"processing-failed/" (not under any hour prefix).
	StrayKeys      []string `json:"stray_keys"`
	LateRecords    int64    `json:"late_records"`     // written 10 to 55 minutes late
	TooLateRecords int64    `json:"too_late_records"` // written 3 to 6 hours late

	// Accounting of the run over [Start, End), in pipeline.Counts terms.
	HoursListed   int64 `json:"hours_listed"`
	ObjectsListed int64 `json:"objects_listed"` // Firehose objects in the listed hours
	SkippedKeys   int64 `json:"skipped_keys"`   // other keys in the listed hours
	RecordsRead   int64 `json:"records_read"`   // every record in the listed objects; a glued line holds several
	Parsed        int64 `json:"parsed"`
	Quarantined   int64 `json:"quarantined"`
	Duplicates    int64 `json:"duplicates"`
	InRange       int64 `json:"in_range"`
	OutOfRange    int64 `json:"out_of_range"` // all outside the arrival window: no message is dated outside the range
	// EarlyPrefix counts the valid records read (duplicates included) that
	// are filed under an hour prefix before their message hour: they
	// arrived after the hour turned, in an object whose oldest record
	// arrived before it. Only LookBehind brings them into range; with none
	// they are out of range, messages lost to the run.
	EarlyPrefix int64 `json:"early_prefix"`
	// GluedRecords counts the records read that followed another on the
	// same line (no newline in between); they are in RecordsRead.
	GluedRecords int64 `json:"glued_records"`
	// InRangeByKind splits InRange as pipeline.Counts does: authored,
	// bots, edits, deletions, reactions, other (joins, Slackbot).
	InRangeByKind      map[string]int64 `json:"in_range_by_kind"`
	QuarantinedByCause map[string]int64 `json:"quarantined_by_cause"` // truncated, garbage, wrong_type, invalid_utf8

	// Revisions: edits, deletions and reactions counted in range, by
	// what became of them (pipeline.RevisionCounts): applied to a message
	// the run counts, or pointing at one it does not count; and those of
	// messages in the range that arrived after the edit window (planted,
	// in OutOfRange). RevisionsDuplicated counts the applied or not-seen
	// revisions that were delivered more than once: they apply once.
	pipeline.RevisionCounts
	RevisionsDuplicated int64 `json:"revisions_duplicated"`
	// MessagesEdited and MessagesDeleted count the authored messages an
	// applied edit changed and an applied deletion removed.
	MessagesEdited  int64 `json:"messages_edited"`
	MessagesDeleted int64 `json:"messages_deleted"`

	// Authored counts the unique, in-range authored records
	// (schema.Message.IsAuthored), as the manifest does; Messages those
	// left once deletions are applied, as the summary and tables do. The
	// aggregates below are of those messages, in their final (edited)
	// form, by UTC day of the message ts.
	Authored             int64                       `json:"authored"`
	Messages             int64                       `json:"messages"`
	MessagesByDay        map[string]int64            `json:"messages_by_day"`
	MessagesByDayUser    map[string]map[string]int64 `json:"messages_by_day_user"`
	MessagesByDayOffice  map[string]map[string]int64 `json:"messages_by_day_office"`
	MessagesByDayChannel map[string]map[string]int64 `json:"messages_by_day_channel"`
	ThreadRepliesByDay   map[string]int64            `json:"thread_replies_by_day"` // IsThreadReply
	// MentionsReceived counts, per user id, the authored messages that
	// mention the user (<@U…> or <@U…|name>); a message mentions a user at
	// most once. Mentions in joins ("<@U…> has joined the channel") and
	// other non-authored records are not counted.
	MentionsReceived map[string]int64 `json:"mentions_received"`
	// ReactionsReceived are net reactions (added minus removed, per
	// message and emoji never below zero) to each user's messages;
	// ReactionsByOffice and ReactionsByChannel the same by the author's
	// office on the message's day and by channel, ReactionsByEmoji by
	// emoji. Only users, offices, channels and emoji with some are listed.
	ReactionsReceived  map[string]int64 `json:"reactions_received"`
	ReactionsByOffice  map[string]int64 `json:"reactions_by_office"`
	ReactionsByChannel map[string]int64 `json:"reactions_by_channel"`
	ReactionsByEmoji   map[string]int64 `json:"reactions_by_emoji"`
	// Planted sentiment and topic words in authored messages, per office.
	// Vocabulary words carry no sentiment, so these are all of it.
	PositiveWordsByOffice map[string]int64 `json:"positive_words_by_office"`
	NegativeWordsByOffice map[string]int64 `json:"negative_words_by_office"`
	TopicMessagesByOffice map[string]int64 `json:"topic_messages_by_office"`
	PositiveWords         []string         `json:"positive_words"`
	NegativeWords         []string         `json:"negative_words"`

	// The roster. Users have their office on the first day; Moves are
	// the planted moves (one person, from the middle day on).
	Offices  map[string]OfficeFacts `json:"offices"`
	Users    map[string]UserFacts   `json:"users"`
	Moves    []MoveFacts            `json:"moves"`
	Channels map[string]string      `json:"channels"` // id -> name
}

// MoveFacts is a person's move to another office, from a UTC day on
// (YYYY-MM-DD): their messages of that day and later count there.
type MoveFacts struct {
	User     string `json:"user"`
	Office   string `json:"office"`
	Timezone string `json:"timezone"`
	From     string `json:"from"`
}

// OfficeOn is user's office on day (YYYY-MM-DD).
func (f *Facts) OfficeOn(user, day string) string {
	office := f.Users[user].Office
	for _, m := range f.Moves {
		if m.User == user && day >= m.From {
			office = m.Office
		}
	}
	return office
}

// OfficeFacts describes an office.
type OfficeFacts struct {
	Timezone string `json:"timezone"`
	Users    int    `json:"users"`
}

// UserFacts describes a user.
type UserFacts struct {
	Name     string `json:"name"`
	Office   string `json:"office"`
	Timezone string `json:"timezone"`
}

// RosterCSV renders the roster the engine joins users with:
// "user_id,office,timezone,from" and one row per user, sorted by user id,
// without a from; then a dated row per move.
func (f *Facts) RosterCSV() []byte {
	ids := make([]string, 0, len(f.Users))
	for id := range f.Users {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b bytes.Buffer
	b.WriteString("user_id,office,timezone,from\n")
	for _, id := range ids {
		u := f.Users[id]
		b.WriteString(id)
		b.WriteByte(',')
		b.WriteString(u.Office)
		b.WriteByte(',')
		b.WriteString(u.Timezone)
		b.WriteByte('\n')
	}
	for _, m := range f.Moves {
		b.WriteString(m.User + "," + m.Office + "," + m.Timezone + "," + m.From + "\n")
	}
	return b.Bytes()
}

// partial is what one day contributes to the Facts, in dense arrays.
type partial struct {
	objectsWritten, bytesWritten, ndjsonBytes, recordsWritten int64
	late, tooLate                                             int64
	strayKeys                                                 []string
	skipped                                                   int64

	objectsListed                                              int64
	read, parsed, quarantined, duplicates, inRange, outOfRange int64
	earlyPrefix, glued                                         int64
	byKind                                                     map[string]int64
	byCause                                                    [len(badNames)]int64

	authored, threadReplies int64
	byUser, byChannel       []int64
	byOffice                []int64
	mentions                []int64
	pos, neg, topic         []int64 // by office

	// The counted authored messages and revisions, resolved by finish
	// once the day is written: a revision may be counted before the
	// message it points at.
	msgs, revs     []recInfo
	revLate        [clsReaction + 1]int64 // by class
	revDuplicated  int64                  // counted revisions that were delivered more than once
	applied        [clsReaction + 1]int64
	notSeen        [clsReaction + 1]int64
	messages       int64
	edited         int64   // messages whose text an edit replaced
	deleted        int64   // messages removed by a deletion
	reactions      []int64 // net, by author
	reactionsOff   []int64 // by office
	reactionsChan  []int64 // by channel
	reactionsEmoji map[string]int64
	sarcastic      []int64 // by user
	sincere        int64
}

func newPartial(w *world) *partial {
	nOff := len(w.offices)
	return &partial{
		byKind:    make(map[string]int64),
		byUser:    make([]int64, len(w.users)),
		byChannel: make([]int64, len(w.channels)),
		byOffice:  make([]int64, nOff),
		mentions:  make([]int64, len(w.users)),
		pos:       make([]int64, nOff),
		neg:       make([]int64, nOff),
		topic:     make([]int64, nOff),

		reactions:      make([]int64, len(w.users)),
		reactionsOff:   make([]int64, nOff),
		reactionsChan:  make([]int64, len(w.channels)),
		reactionsEmoji: make(map[string]int64),
		sarcastic:      make([]int64, len(w.users)),
	}
}

// reset zeroes p for the next day, keeping its arrays.
func (p *partial) reset() {
	*p = partial{
		byKind:    p.byKind,
		byUser:    p.byUser,
		byChannel: p.byChannel,
		byOffice:  p.byOffice,
		mentions:  p.mentions,
		pos:       p.pos,
		neg:       p.neg,
		topic:     p.topic,
		sarcastic: p.sarcastic,
		strayKeys: p.strayKeys[:0],

		msgs:           p.msgs[:0],
		revs:           p.revs[:0],
		reactions:      p.reactions,
		reactionsOff:   p.reactionsOff,
		reactionsChan:  p.reactionsChan,
		reactionsEmoji: p.reactionsEmoji,
	}
	clear(p.byKind)
	clear(p.reactionsEmoji)
	for _, a := range [][]int64{p.byUser, p.byChannel, p.byOffice, p.mentions, p.pos, p.neg, p.topic,
		p.reactions, p.reactionsOff, p.reactionsChan, p.sarcastic} {
		clear(a)
	}
}

// finish applies the day's counted revisions to its counted messages, as
// the engine does: a deletion removes the message, an edit replaces its
// text (with plain words, which carry no mention, sentiment or topic), and
// reactions count added minus removed per message and emoji, never below
// zero. Revisions of messages not counted are not seen.
func (p *partial) finish(w *world, d int) {
	type final struct {
		deleted, edited bool
		reactions       map[string]int64
	}
	byTS := make(map[int64]*final, len(p.msgs))
	for _, m := range p.msgs {
		byTS[m.ts] = &final{}
	}
	for _, r := range p.revs {
		f := byTS[r.ts]
		if f == nil {
			p.notSeen[r.class]++
			continue
		}
		p.applied[r.class]++
		switch r.class {
		case clsDelete:
			f.deleted = true
		case clsEdit:
			f.edited = true
		case clsReaction:
			if f.reactions == nil {
				f.reactions = map[string]int64{}
			}
			if r.removed {
				f.reactions[r.reaction]--
			} else {
				f.reactions[r.reaction]++
			}
		}
	}
	for i := range p.msgs {
		in := &p.msgs[i]
		f := byTS[in.ts]
		if f.deleted {
			p.deleted++
			continue
		}
		p.messages++
		p.byUser[in.user]++
		p.byChannel[in.channel]++
		p.byOffice[in.office]++
		if in.thread {
			p.threadReplies++
		}
		for e, n := range f.reactions {
			if n > 0 {
				p.reactions[in.user] += n
				p.reactionsOff[in.office] += n
				p.reactionsChan[in.channel] += n
				p.reactionsEmoji[e] += n
			}
		}
		if f.edited {
			p.edited++
			continue
		}
		for _, u := range in.mentions[:in.nMentions] {
			p.mentions[u]++
		}
		p.pos[in.office] += int64(in.pos)
		p.neg[in.office] += int64(in.neg)
		if in.topic {
			p.topic[in.office]++
		}
		// An edit replaces the text, planted line included.
		if in.sarcastic {
			p.sarcastic[in.user]++
		}
		if in.sincere {
			p.sincere++
		}
	}
}

// newFacts returns the Facts of w with no counts yet.
func newFacts(w *world) *Facts {
	cfg := &w.cfg
	f := &Facts{
		Seed:                  cfg.Seed,
		Start:                 cfg.Start,
		End:                   cfg.Start.AddDate(0, 0, cfg.Days),
		Days:                  cfg.Days,
		MarginHours:           int(cfg.Margin / time.Hour),
		EditWindowHours:       int(cfg.EditWindow / time.Hour),
		LookBehindHours:       int(cfg.LookBehind / time.Hour),
		Prefix:                cfg.Prefix,
		Stream:                cfg.Stream,
		Gzip:                  cfg.Gzip,
		Team:                  Team,
		Teams:                 teamsIfMany(w.teams),
		PositiveOffice:        w.offices[w.positive].name,
		TopicOffice:           w.offices[w.topic].name,
		Topic:                 Topic,
		MostMentionedUser:     w.users[w.mostMentioned].id,
		SarcasticOffice:       w.offices[w.sarcastic].name,
		SarcasticUsers:        []string{},
		SarcasticByUser:       map[string]int64{},
		Planted:               plantedFacts(w),
		StrayKeys:             []string{},
		InRangeByKind:         map[string]int64{},
		QuarantinedByCause:    map[string]int64{},
		MessagesByDay:         map[string]int64{},
		MessagesByDayUser:     map[string]map[string]int64{},
		MessagesByDayOffice:   map[string]map[string]int64{},
		MessagesByDayChannel:  map[string]map[string]int64{},
		ThreadRepliesByDay:    map[string]int64{},
		MentionsReceived:      map[string]int64{},
		ReactionsReceived:     map[string]int64{},
		ReactionsByOffice:     map[string]int64{},
		ReactionsByChannel:    map[string]int64{},
		ReactionsByEmoji:      map[string]int64{},
		Moves:                 []MoveFacts{},
		PositiveWordsByOffice: map[string]int64{},
		NegativeWordsByOffice: map[string]int64{},
		TopicMessagesByOffice: map[string]int64{},
		PositiveWords:         slices.Clone(positiveWords),
		NegativeWords:         slices.Clone(negativeWords),
		Offices:               map[string]OfficeFacts{},
		Users:                 map[string]UserFacts{},
		Channels:              map[string]string{},
	}
	f.HoursListed = int64(cfg.Days*24) + int64((cfg.Margin+cfg.LookBehind+cfg.EditWindow)/time.Hour)
	if w.mover >= 0 {
		o := &w.offices[w.moveTo]
		f.Moves = append(f.Moves, MoveFacts{User: w.users[w.mover].id, Office: o.name, Timezone: o.zone,
			From: dayKey(cfg.Start.AddDate(0, 0, w.moveDay))})
	}
	for _, k := range []string{"authored", "bots", "edits", "deletions", "reactions", "other"} {
		f.InRangeByKind[k] = 0
	}
	for _, c := range badNames[1:] {
		f.QuarantinedByCause[c] = 0
	}
	for _, o := range w.offices {
		f.Offices[o.name] = OfficeFacts{Timezone: o.zone, Users: len(o.users)}
		f.PositiveWordsByOffice[o.name] = 0
		f.NegativeWordsByOffice[o.name] = 0
		f.TopicMessagesByOffice[o.name] = 0
	}
	for i, u := range w.users {
		if w.sarcasticUser[i] {
			f.SarcasticUsers = append(f.SarcasticUsers, u.id)
		}
		o := &w.offices[u.office]
		f.Users[u.id] = UserFacts{Name: u.name, Office: o.name, Timezone: o.zone}
	}
	for _, c := range w.channels {
		f.Channels[c.id] = c.name
	}
	slices.Sort(f.SarcasticUsers)
	return f
}

// add merges the partial of day d into f.
func (f *Facts) add(w *world, d int, p *partial) {
	f.ObjectsWritten += p.objectsWritten
	f.BytesWritten += p.bytesWritten
	f.NDJSONBytes += p.ndjsonBytes
	f.RecordsWritten += p.recordsWritten
	f.LateRecords += p.late
	f.TooLateRecords += p.tooLate
	f.StrayKeys = append(f.StrayKeys, p.strayKeys...)
	f.SkippedKeys += p.skipped
	f.ObjectsListed += p.objectsListed
	f.RecordsRead += p.read
	f.Parsed += p.parsed
	f.Quarantined += p.quarantined
	f.Duplicates += p.duplicates
	f.InRange += p.inRange
	f.OutOfRange += p.outOfRange
	f.EarlyPrefix += p.earlyPrefix
	f.GluedRecords += p.glued
	for k, n := range p.byKind {
		f.InRangeByKind[k] += n
	}
	for c, n := range p.byCause[1:] {
		f.QuarantinedByCause[badNames[c+1]] += n
	}
	f.EditsApplied += p.applied[clsEdit]
	f.EditsNotSeen += p.notSeen[clsEdit]
	f.EditsLate += p.revLate[clsEdit]
	f.DeletesApplied += p.applied[clsDelete]
	f.DeletesNotSeen += p.notSeen[clsDelete]
	f.DeletesLate += p.revLate[clsDelete]
	f.ReactionsApplied += p.applied[clsReaction]
	f.ReactionsNotSeen += p.notSeen[clsReaction]
	f.ReactionsLate += p.revLate[clsReaction]
	f.RevisionsDuplicated += p.revDuplicated
	f.MessagesEdited += p.edited
	f.MessagesDeleted += p.deleted
	day := dayKey(w.cfg.Start.AddDate(0, 0, d))
	f.Authored += p.authored
	f.Messages += p.messages
	f.MessagesByDay[day] += p.messages
	f.ThreadRepliesByDay[day] += p.threadReplies
	f.MessagesByDayUser[day] = addDense(f.MessagesByDayUser[day], p.byUser, func(i int) string { return w.users[i].id })
	f.MessagesByDayChannel[day] = addDense(f.MessagesByDayChannel[day], p.byChannel, func(i int) string { return w.channels[i].id })
	f.MessagesByDayOffice[day] = addDense(f.MessagesByDayOffice[day], p.byOffice, func(i int) string { return w.offices[i].name })
	for i, n := range p.mentions {
		if n != 0 {
			f.MentionsReceived[w.users[i].id] += n
		}
	}
	addDense(f.ReactionsReceived, p.reactions, func(i int) string { return w.users[i].id })
	addDense(f.ReactionsByOffice, p.reactionsOff, func(i int) string { return w.offices[i].name })
	addDense(f.ReactionsByChannel, p.reactionsChan, func(i int) string { return w.channels[i].id })
	for e, n := range p.reactionsEmoji {
		if n != 0 {
			f.ReactionsByEmoji[e] += n
		}
	}
	for i, n := range p.sarcastic {
		if n != 0 {
			f.SarcasticByUser[w.users[i].id] += n
		}
	}
	f.SincerePraise += p.sincere
	for i, o := range w.offices {
		f.PositiveWordsByOffice[o.name] += p.pos[i]
		f.NegativeWordsByOffice[o.name] += p.neg[i]
		f.TopicMessagesByOffice[o.name] += p.topic[i]
	}
}

// addDense adds the non-zero counts of dense to m, keyed by name(i).
func addDense(m map[string]int64, dense []int64, name func(int) string) map[string]int64 {
	if m == nil {
		m = make(map[string]int64)
	}
	for i, n := range dense {
		if n != 0 {
			m[name(i)] += n
		}
	}
	return m
}

// teamsIfMany returns teams when there are several, so that the facts of a
// one-team archive keep their shape.
func teamsIfMany(teams []string) []string {
	if len(teams) < 2 {
		return nil
	}
	return slices.Clone(teams)
}
