package generator

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
	"github.com/wiretap-hq/wiretap/schema"
)

// readBack is what reading a generated archive the way the engine does
// finds: an independent implementation of the Facts' accounting, from the
// bytes alone.
type readBack struct {
	HoursListed, ObjectsListed, SkippedKeys                            int64
	RecordsRead, Parsed, Quarantined, Duplicates, InRange, OutOfRange  int64
	EarlyPrefix, Syntax, WrongType, InvalidUTF8, Glued                 int64
	InRangeByKind                                                      map[string]int64
	Authored, Messages, Edited, Deleted                                int64
	Applied, NotSeen, Late                                             map[string]int64 // by kind
	Reactions, ReactionsByOffice, ReactionsByChannel, ReactionsByEmoji map[string]int64
	ByDay, Threads, Mentions, Pos, Neg, Topic                          map[string]int64
	ByDayUser, ByDayOffice, ByDayChannel                               map[string]map[string]int64
	SourcesByDay                                                       map[string]map[schema.Source]bool
	// Sarcastic counts the messages that end with a planted sarcastic line,
	// by user; Sincere those that end with a sincere one. Lines holds the
	// texts of both, sarcastic first.
	Sarcastic map[string]int64
	Sincere   int64
	Lines     [2][]string
}

func inc2(m map[string]map[string]int64, a, b string) {
	if m[a] == nil {
		m[a] = map[string]int64{}
	}
	m[a][b]++
}

// engineKind names the kind of an in-range record as pipeline.Counts does.
func engineKind(m *schema.Message) string {
	switch {
	case m.IsAuthored():
		return "authored"
	case m.Kind != schema.KindMessage:
		return "reactions"
	case m.Subtype == "message_changed":
		return "edits"
	case m.Subtype == "message_deleted":
		return "deletions"
	case m.BotID != "" || m.Subtype == "bot_message":
		return "bots"
	}
	return "other"
}

// mentionsIn returns the distinct user ids mentioned in a Slack text.
func mentionsIn(text string) []string {
	var ids []string
	for {
		i := strings.Index(text, "<@")
		if i < 0 {
			return ids
		}
		text = text[i+2:]
		j := strings.IndexAny(text, "|>")
		if j < 0 {
			return ids
		}
		id := text[:j]
		dup := false
		for _, x := range ids {
			dup = dup || x == id
		}
		if !dup {
			ids = append(ids, id)
		}
	}
}

// wordsIn splits a text into lowercase letter runs.
func wordsIn(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) })
}

// readArchive reads src like a run over [f.Start, f.End) with f's margin,
// look-behind and edit window, applying edits, deletions and reactions.
func readArchive(t *testing.T, src archive.Source, f *Facts, gzipped bool) *readBack {
	t.Helper()
	ctx := context.Background()
	rb := &readBack{
		InRangeByKind: map[string]int64{}, ByDay: map[string]int64{}, Threads: map[string]int64{},
		Mentions: map[string]int64{}, Pos: map[string]int64{}, Neg: map[string]int64{}, Topic: map[string]int64{},
		ByDayUser: map[string]map[string]int64{}, ByDayOffice: map[string]map[string]int64{},
		ByDayChannel: map[string]map[string]int64{}, SourcesByDay: map[string]map[schema.Source]bool{},
		Applied: map[string]int64{}, NotSeen: map[string]int64{}, Late: map[string]int64{},
		Reactions: map[string]int64{}, ReactionsByOffice: map[string]int64{}, ReactionsByChannel: map[string]int64{},
		ReactionsByEmoji: map[string]int64{},
		Sarcastic:        map[string]int64{},
	}
	type target struct{ channel, ts string }
	var msgs []schema.Message
	revs := map[target][]schema.Message{}
	pos, neg := map[string]bool{}, map[string]bool{}
	for _, w := range f.PositiveWords {
		pos[w] = true
	}
	for _, w := range f.NegativeWords {
		neg[w] = true
	}
	margin := time.Duration(f.MarginHours) * time.Hour
	behind := time.Duration(f.LookBehindHours) * time.Hour
	seen := map[[16]byte]bool{}
	var dec schema.Decoder
	var m schema.Message
	edit := time.Duration(f.EditWindowHours) * time.Hour
	for h := f.Start.Add(-behind); h.Before(f.End.Add(margin + edit)); h = h.Add(time.Hour) {
		rb.HoursListed++
		for info, err := range src.List(ctx, archive.HourPrefix(f.Prefix, h)) {
			if err != nil {
				t.Fatal(err)
			}
			obj, ok := archive.ParseObjectKey(f.Prefix, info.Key)
			if !ok || !obj.Hour.Equal(h) {
				rb.SkippedKeys++
				continue
			}
			if obj.Gzipped != gzipped {
				t.Fatalf("%s: gzipped %v, want %v", info.Key, obj.Gzipped, gzipped)
			}
			rb.ObjectsListed++
			rc, err := src.Open(ctx, info.Key)
			if err != nil {
				t.Fatal(err)
			}
			var r io.Reader = rc
			if gzipped {
				if r, err = gzip.NewReader(rc); err != nil {
					t.Fatal(err)
				}
			}
			body, err := io.ReadAll(r)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(body) == 0 || body[len(body)-1] != '\n' {
				t.Fatalf("%s: not newline-terminated", info.Key)
			}
			for _, line := range bytes.Split(body[:len(body)-1], []byte("\n")) {
				if len(line) == 0 {
					t.Fatalf("%s: empty line", info.Key)
				}
				dec.Reset(line)
				for n := 0; ; n++ {
					err := dec.Next(&m)
					if err == io.EOF {
						break
					}
					rb.RecordsRead++
					if n > 0 {
						rb.Glued++
					}
					if err != nil {
						rb.Quarantined++
						switch {
						case errors.Is(err, schema.ErrInvalidUTF8):
							rb.InvalidUTF8++
						case errors.Is(err, schema.ErrFieldType):
							rb.WrongType++
						case errors.Is(err, schema.ErrSyntax):
							rb.Syntax++
						default:
							t.Errorf("%s: unexpected decode error %v", info.Key, err)
						}
						continue
					}
					m := m.Clone() // map keys must not alias the line
					at, window := m.Time, margin
					revision := m.Kind != schema.KindMessage || m.Subtype == "message_changed" || m.Subtype == "message_deleted"
					if revision {
						window += edit
						if m.Kind != schema.KindMessage {
							if at, err = schema.ParseTS(m.ItemTS); err != nil {
								t.Fatal(err)
							}
						}
					}
					mh := at.Truncate(time.Hour)
					if h.Before(mh) {
						rb.EarlyPrefix++
					}
					if h.Before(mh.Add(-behind)) || h.After(mh.Add(window)) {
						rb.Parsed++
						rb.OutOfRange++
						if revision && !at.Before(f.Start) && at.Before(f.End) {
							rb.Late[engineKind(&m)]++
						}
						continue
					}
					k := m.Key()
					ek, hasEvent := m.EventKey()
					dup := seen[k] || hasEvent && seen[ek]
					seen[k] = true
					if hasEvent {
						seen[ek] = true
					}
					if dup {
						rb.Duplicates++
						continue
					}
					rb.Parsed++
					if at.Before(f.Start) || !at.Before(f.End) {
						rb.OutOfRange++
						continue
					}
					rb.InRange++
					rb.InRangeByKind[engineKind(&m)]++
					if revision {
						ts := m.TS
						if m.Kind != schema.KindMessage {
							ts = m.ItemTS
						}
						revs[target{m.ChannelID, ts}] = append(revs[target{m.ChannelID, ts}], m)
						continue
					}
					day := dayKey(m.Time)
					if rb.SourcesByDay[day] == nil {
						rb.SourcesByDay[day] = map[schema.Source]bool{}
					}
					rb.SourcesByDay[day][m.Source] = true
					if !m.IsAuthored() {
						continue
					}
					rb.Authored++
					msgs = append(msgs, m)
				}
			}
		}
	}
	// Apply the revisions, then count each message in its final form.
	seenMsg := map[target]bool{}
	for _, m := range msgs {
		seenMsg[target{m.ChannelID, m.TS}] = true
	}
	for k, list := range revs {
		for _, r := range list {
			if seenMsg[k] {
				rb.Applied[engineKind(&r)]++
			} else {
				rb.NotSeen[engineKind(&r)]++
			}
		}
	}
	for _, m := range msgs {
		day := dayKey(m.Time)
		deleted, edited := false, false
		reactions := map[string]int64{}
		for _, r := range revs[target{m.ChannelID, m.TS}] {
			switch {
			case r.Kind == schema.KindReactionAdded:
				reactions[r.Reaction]++
			case r.Kind == schema.KindReactionRemoved:
				reactions[r.Reaction]--
			case r.Subtype == "message_deleted":
				deleted = true
			default:
				edited = true
				m.Text = r.Text // every edit's text is plain words: which one wins does not matter here
			}
		}
		if deleted {
			rb.Deleted++
			continue
		}
		if edited {
			rb.Edited++
		}
		office := f.OfficeOn(m.UserID, day)
		if office == "" {
			t.Errorf("message by unknown user %q", m.UserID)
		}
		rb.Messages++
		rb.ByDay[day]++
		inc2(rb.ByDayUser, day, m.UserID)
		inc2(rb.ByDayOffice, day, office)
		inc2(rb.ByDayChannel, day, m.ChannelID)
		if m.IsThreadReply() {
			rb.Threads[day]++
		}
		for e, n := range reactions {
			if n > 0 {
				rb.Reactions[m.UserID] += n
				rb.ReactionsByOffice[office] += n
				rb.ReactionsByChannel[m.ChannelID] += n
				rb.ReactionsByEmoji[e] += n
			}
		}
		for _, u := range mentionsIn(m.Text) {
			rb.Mentions[u]++
		}
		for _, w := range wordsIn(m.Text) {
			if pos[w] {
				rb.Pos[office]++
			}
			if neg[w] {
				rb.Neg[office]++
			}
		}
		if strings.Contains(m.Text, Topic) {
			rb.Topic[office]++
		}
		for kind, lines := range [][]string{sarcasticLines, sincereLines} {
			if slices.ContainsFunc(lines, func(l string) bool { return strings.HasSuffix(m.Text, " "+l) }) {
				rb.Lines[kind] = append(rb.Lines[kind], m.Text)
				if kind == 0 {
					rb.Sarcastic[m.UserID]++
				} else {
					rb.Sincere++
				}
			}
		}
	}
	return rb
}
