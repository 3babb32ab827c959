package pipeline

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// A Roster says which office each user belongs to, and since when, and the
// office's time zone. Users it does not list are "unassigned". A Roster is
// read-only once parsed and safe for concurrent use.
type Roster struct {
	users map[string][]RosterEntry // each user's rows, by From
}

// RosterEntry is one user's office from a day on.
type RosterEntry struct {
	Office   string
	Location *time.Location // nil: UTC
	// From is the first UTC day the entry applies; zero: since always.
	// The entry applies until the next entry's From.
	From time.Time
}

// ParseRoster reads a roster CSV: user_id,office[,timezone[,from]], with
// an optional header row (a first row whose first field is "user_id").
// Time zones are IANA names such as Europe/Berlin; from is the first UTC
// day (YYYY-MM-DD) a row applies, empty for always. A person who moved
// has a row for each office, with different days. Errors name the line.
func ParseRoster(r io.Reader) (*Roster, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	ro := &Roster{users: make(map[string][]RosterEntry)}
	zones := map[string]*time.Location{}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			for _, rows := range ro.users {
				slices.SortFunc(rows, func(a, b RosterEntry) int { return a.From.Compare(b.From) })
			}
			return ro, nil
		}
		if err != nil {
			return nil, fmt.Errorf("roster: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if first && strings.EqualFold(strings.TrimSpace(rec[0]), "user_id") {
			continue
		}
		if len(rec) < 2 || len(rec) > 4 {
			return nil, fmt.Errorf("roster line %d: want user_id,office[,timezone[,from]], got %d fields", line, len(rec))
		}
		user, office := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if user == "" || office == "" {
			return nil, fmt.Errorf("roster line %d: empty user_id or office", line)
		}
		e := RosterEntry{Office: office}
		if len(rec) >= 3 && strings.TrimSpace(rec[2]) != "" {
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
		if len(rec) == 4 && strings.TrimSpace(rec[3]) != "" {
			if e.From, err = time.ParseInLocation(time.DateOnly, strings.TrimSpace(rec[3]), time.UTC); err != nil {
				return nil, fmt.Errorf("roster line %d: from %q: want a day, YYYY-MM-DD", line, rec[3])
			}
		}
		for _, prev := range ro.users[user] {
			if prev.From.Equal(e.From) && prev.Office != office {
				return nil, fmt.Errorf("roster line %d: user %s is in both %s and %s from the same day", line, user, prev.Office, office)
			}
		}
		ro.users[user] = append(ro.users[user], e)
	}
}

// Lookup returns the user's entry valid at t; ok is false for users not on
// the roster then (not at all, or only from a later day). A nil Roster
// knows nobody.
func (r *Roster) Lookup(user string, t time.Time) (e RosterEntry, ok bool) {
	if r == nil {
		return e, false
	}
	return EntryAt(r.users[user], t)
}

// EntryAt returns the entry of rows, one user's as Entries returns them,
// valid at t; ok is false when none is. A caller that looks a user up
// often keeps the user's rows and spares the roster's map.
func EntryAt(rows []RosterEntry, t time.Time) (e RosterEntry, ok bool) {
	if len(rows) == 1 && !rows[0].From.After(t) { // most people never move
		return rows[0], true
	}
	// The last row whose From is not after t.
	i, _ := slices.BinarySearchFunc(rows, t, func(e RosterEntry, t time.Time) int {
		if e.From.After(t) {
			return 1
		}
		return -1
	})
	if i == 0 {
		return e, false
	}
	return rows[i-1], true
}

// Entries returns every row of the user, by From. They alias the Roster's.
func (r *Roster) Entries(user string) []RosterEntry {
	if r == nil {
		return nil
	}
	return r.users[user]
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
	n := &Roster{users: make(map[string][]RosterEntry, len(r.users))}
	for u, e := range r.users {
		n.users[id(u)] = e
	}
	return n
}
