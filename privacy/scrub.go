package privacy

import (
	"strings"

	"github.com/wiretap-hq/wiretap/schema"
)

// Policy is what privacy asks of the records a run reads: whose records to
// leave out, and whether ids become pseudonyms. The zero Policy changes
// nothing. A Policy is read-only and may be shared; each goroutine applies
// it through a Scrubber of its own.
type Policy struct {
	OptOut     *OptOut
	Pseudonyms *Pseudonymizer // nil: real ids and names
}

// Active says whether the policy changes anything.
func (p *Policy) Active() bool {
	return p != nil && (p.OptOut.Len() > 0 || p.Pseudonyms != nil)
}

// maxCached bounds a Scrubber's cache of pseudonyms: ids come from the
// archive, and text can mention ids that are nobody's; past the bound they
// are computed each time rather than kept.
const maxCached = 1 << 16

// A Scrubber applies a Policy to decoded records, where they enter the
// engine, so that nothing downstream (deduplication, aggregates, evidence,
// every table and summary) ever holds what the policy removes. It is not
// safe for concurrent use.
type Scrubber struct {
	opt   *OptOut
	ps    *Pseudonymizer
	cache map[string]string
}

// NewScrubber returns a Scrubber for one goroutine; nil when the policy
// changes nothing.
func (p *Policy) NewScrubber() *Scrubber {
	if !p.Active() {
		return nil
	}
	s := &Scrubber{opt: p.OptOut}
	if p.Pseudonyms != nil {
		s.ps = p.Pseudonyms.Clone()
		s.cache = map[string]string{}
	}
	return s
}

// OptedOut says whether m's author (the writer of a message, the person
// reacting) opted out: the record is then to be left out whole.
func (s *Scrubber) OptedOut(m *schema.Message) bool {
	return s != nil && s.opt.Has(m.UserID)
}

// Scrub removes from m every trace of opted-out people (the parent's or
// reacted-to author, mentions in the text) and, with pseudonyms, replaces
// every user id by its pseudonym and drops the author's name.
func (s *Scrubber) Scrub(m *schema.Message) {
	if s == nil {
		return
	}
	m.UserID = s.id(m.UserID)
	m.ParentUser = s.id(m.ParentUser)
	m.ItemUser = s.id(m.ItemUser)
	if s.ps != nil {
		m.UserName = ""
	}
	m.Text = RewriteMentions(m.Text, func(id string) (string, bool) {
		if s.opt.Has(id) {
			return "", false
		}
		return s.id(id), true
	})
}

// Slackbot is the user id of Slack's own bot: no person, and what tells its
// reminders from people's messages (schema.Message.IsAuthored), so it is
// kept as it is.
const Slackbot = "USLACKBOT"

// id is what becomes of a user id: "" for an opted-out person, the
// pseudonym with pseudonyms on, else the id itself.
func (s *Scrubber) id(id string) string {
	if id == "" || s.opt.Has(id) {
		return ""
	}
	if s.ps == nil || id == Slackbot {
		return id
	}
	if p, ok := s.cache[id]; ok {
		return p
	}
	p := s.ps.ID(id)
	if len(s.cache) < maxCached {
		// id may alias the decoder's line buffer, which the next line
		// overwrites: the key must be a copy.
		s.cache[strings.Clone(id)] = p
	}
	return p
}

// KeepRaw says whether the quarantine may keep the raw text of a record
// that could not be decoded (and the parser's message about it, which can
// quote it): not with pseudonyms, since any field may hold an id or a
// name, and not when an opted-out id occurs anywhere in it.
func (s *Scrubber) KeepRaw(raw string) bool {
	return s == nil || (s.ps == nil && !s.opt.ContainsAny(raw))
}
