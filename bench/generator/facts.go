package generator

import (
	"bytes"
	"slices"
	"time"
)

// Facts is the ground truth of a generated archive: what was planted, and
// exactly what a run of the engine over [Start, End) must count. Every map is
// keyed by strings (days as "2016-11-18", users and channels by id, offices
// by name), so its JSON is stable.
//
// The run the accounting describes lists the hour prefixes from
// Start-LookBehind to End+Margin (exclusive) under Prefix, and counts a record whose message
// hour is M (the UTC hour of the ts the decoder parses: the original
// message's for edits and deletions, the event's for reactions), read from
// an object under hour prefix P, iff M-LookBehind <= P <= M+Margin; other
// parsed records are out of range (see Config.Margin). Duplicates are
// counted among the records inside that window only, by schema.Message.Key
// and EventKey. The identities RecordsRead = Parsed + Quarantined +
// Duplicates and Parsed = InRange + OutOfRange hold.
type Facts struct {
	Seed            int64     `json:"seed"`
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"` // Start + Days, exclusive
	Days            int       `json:"days"`
	MarginHours     int       `json:"margin_hours"`
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

	// Aggregates of the unique, in-range authored messages
	// (schema.Message.IsAuthored), by UTC day of the message ts.
	Authored             int64                       `json:"authored"`
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
	// Planted sentiment and topic words in authored messages, per office.
	// Vocabulary words carry no sentiment, so these are all of it.
	PositiveWordsByOffice map[string]int64 `json:"positive_words_by_office"`
	NegativeWordsByOffice map[string]int64 `json:"negative_words_by_office"`
	TopicMessagesByOffice map[string]int64 `json:"topic_messages_by_office"`
	PositiveWords         []string         `json:"positive_words"`
	NegativeWords         []string         `json:"negative_words"`

	// The roster.
	Offices  map[string]OfficeFacts `json:"offices"`
	Users    map[string]UserFacts   `json:"users"`
	Channels map[string]string      `json:"channels"` // id -> name
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
// "user_id,office,timezone" and one row per user, sorted by user id.
func (f *Facts) RosterCSV() []byte {
	ids := make([]string, 0, len(f.Users))
	for id := range f.Users {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b bytes.Buffer
	b.WriteString("user_id,office,timezone\n")
	for _, id := range ids {
		u := f.Users[id]
		b.WriteString(id)
		b.WriteByte(',')
		b.WriteString(u.Office)
		b.WriteByte(',')
		b.WriteString(u.Timezone)
		b.WriteByte('\n')
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
		strayKeys: p.strayKeys[:0],
	}
	clear(p.byKind)
	for _, a := range [][]int64{p.byUser, p.byChannel, p.byOffice, p.mentions, p.pos, p.neg, p.topic} {
		clear(a)
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
		StrayKeys:             []string{},
		InRangeByKind:         map[string]int64{},
		QuarantinedByCause:    map[string]int64{},
		MessagesByDay:         map[string]int64{},
		MessagesByDayUser:     map[string]map[string]int64{},
		MessagesByDayOffice:   map[string]map[string]int64{},
		MessagesByDayChannel:  map[string]map[string]int64{},
		ThreadRepliesByDay:    map[string]int64{},
		MentionsReceived:      map[string]int64{},
		PositiveWordsByOffice: map[string]int64{},
		NegativeWordsByOffice: map[string]int64{},
		TopicMessagesByOffice: map[string]int64{},
		PositiveWords:         slices.Clone(positiveWords),
		NegativeWords:         slices.Clone(negativeWords),
		Offices:               map[string]OfficeFacts{},
		Users:                 map[string]UserFacts{},
		Channels:              map[string]string{},
	}
	f.HoursListed = int64(cfg.Days*24) + int64((cfg.Margin+cfg.LookBehind)/time.Hour)
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
	for _, u := range w.users {
		o := &w.offices[u.office]
		f.Users[u.id] = UserFacts{Name: u.name, Office: o.name, Timezone: o.zone}
	}
	for _, c := range w.channels {
		f.Channels[c.id] = c.name
	}
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
	day := dayKey(w.cfg.Start.AddDate(0, 0, d))
	f.Authored += p.authored
	f.MessagesByDay[day] += p.authored
	f.ThreadRepliesByDay[day] += p.threadReplies
	f.MessagesByDayUser[day] = addDense(f.MessagesByDayUser[day], p.byUser, func(i int) string { return w.users[i].id })
	f.MessagesByDayChannel[day] = addDense(f.MessagesByDayChannel[day], p.byChannel, func(i int) string { return w.channels[i].id })
	f.MessagesByDayOffice[day] = addDense(f.MessagesByDayOffice[day], p.byOffice, func(i int) string { return w.offices[i].name })
	for i, n := range p.mentions {
		if n != 0 {
			f.MentionsReceived[w.users[i].id] += n
		}
	}
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
