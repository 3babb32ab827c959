package pipeline

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// A Roster says which office each user belongs to, and the office's time
// zone. Users it does not list are "unassigned". A Roster is read-only once
// parsed and safe for concurrent use.
type Roster struct {
	users map[string]RosterEntry
}

// RosterEntry is one user's office.
type RosterEntry struct {
	Office   string
	Location *time.Location // nil: UTC
}

// ParseRoster reads a roster CSV: user_id,office[,timezone], with an
// optional header row (a first row whose first field is "user_id"). Time
// zones are IANA names such as Europe/Berlin. Errors name the line.
func ParseRoster(r io.Reader) (*Roster, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	ro := &Roster{users: make(map[string]RosterEntry)}
	zones := map[string]*time.Location{}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return ro, nil
		}
		if err != nil {
			return nil, fmt.Errorf("roster: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if first && strings.EqualFold(strings.TrimSpace(rec[0]), "user_id") {
			continue
		}
		if len(rec) < 2 || len(rec) > 3 {
			return nil, fmt.Errorf("roster line %d: want user_id,office[,timezone], got %d fields", line, len(rec))
		}
		user, office := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if user == "" || office == "" {
			return nil, fmt.Errorf("roster line %d: empty user_id or office", line)
		}
		e := RosterEntry{Office: office}
		if len(rec) == 3 && strings.TrimSpace(rec[2]) != "" {
			name := strings.TrimSpace(rec[2])
			loc, ok := zones[name]
			if !ok {
				if loc, err = time.LoadLocation(name); err != nil {
					return nil, fmt.Errorf("roster line %d: time zone %q: %w", line, name, err)
				}
				zones[name] = loc
			}
			e.Location = loc
		}
		if prev, dup := ro.users[user]; dup && prev.Office != office {
			return nil, fmt.Errorf("roster line %d: user %s is in both %s and %s", line, user, prev.Office, office)
		}
		ro.users[user] = e
	}
}

// Lookup returns the user's entry; ok is false for users not on the roster.
// A nil Roster knows nobody.
func (r *Roster) Lookup(user string) (e RosterEntry, ok bool) {
	if r == nil {
		return e, false
	}
	e, ok = r.users[user]
	return e, ok
}

// Len is the number of users on the roster.
func (r *Roster) Len() int {
	if r == nil {
		return 0
	}
	return len(r.users)
}

// Rekey returns a Roster that knows each user by id(user) instead: the
// roster of a run whose records carry pseudonyms. A nil Roster stays nil.
func (r *Roster) Rekey(id func(string) string) *Roster {
	if r == nil {
		return nil
	}
	n := &Roster{users: make(map[string]RosterEntry, len(r.users))}
	for u, e := range r.users {
		n.users[id(u)] = e
	}
	return n
}
