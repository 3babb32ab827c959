package pipeline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline"
)

func TestParseRoster(t *testing.T) {
	type entry struct{ Office, Zone string }
	tests := []struct {
		Name  string
		Input string
		Want  map[string]entry
		Error string // substring of the error, "" for none
	}{
		{"Empty", "", map[string]entry{}, ""},
		{"HeaderOnly", "user_id,office,timezone\n", map[string]entry{}, ""},
		{"Header", "user_id,office,timezone\nU1,Berlin,Europe/Berlin\nU2,NYC,America/New_York\n",
			map[string]entry{"U1": {"Berlin", "Europe/Berlin"}, "U2": {"NYC", "America/New_York"}}, ""},
		{"HeaderAnyCase", " User_ID , office\nU1,Berlin\n", map[string]entry{"U1": {"Berlin", ""}}, ""},
		{"NoHeader", "U1,Berlin\nU2,Paris\n", map[string]entry{"U1": {"Berlin", ""}, "U2": {"Paris", ""}}, ""},
		{"TwoAndThreeFields", "U1,Berlin\nU2,NYC,America/New_York\nU3,Remote,\n",
			map[string]entry{"U1": {"Berlin", ""}, "U2": {"NYC", "America/New_York"}, "U3": {"Remote", ""}}, ""},
		{"Comments", "# the roster\nuser_id,office\n# Berlin\nU1,Berlin\n\n# NYC\nU2,NYC\n",
			map[string]entry{"U1": {"Berlin", ""}, "U2": {"NYC", ""}}, ""},
		{"Spaces", "U1 ,  Berlin , Europe/Berlin \n", map[string]entry{"U1": {"Berlin", "Europe/Berlin"}}, ""},
		{"Quoted", "\"U1\",\"Berlin, Mitte\"\n", map[string]entry{"U1": {"Berlin, Mitte", ""}}, ""},
		{"UTC", "U1,London,UTC\n", map[string]entry{"U1": {"London", "UTC"}}, ""},
		{"SameOfficeTwice", "U1,Berlin\nU1,Berlin\n", map[string]entry{"U1": {"Berlin", ""}}, ""},
		{"CRLF", "user_id,office\r\nU1,Berlin\r\n", map[string]entry{"U1": {"Berlin", ""}}, ""},
		{"HeaderNotFirst", "U1,Berlin\nuser_id,office\n", map[string]entry{"U1": {"Berlin", ""}, "user_id": {"office", ""}}, ""},

		{"BadZone", "user_id,office,timezone\nU1,Berlin,Europe/Berlin\nU2,Mars,Mars/Olympus_Mons\n", nil, "roster line 3: time zone \"Mars/Olympus_Mons\""},
		{"ZoneDotDot", "U1,X,../../etc/passwd\n", nil, "roster line 1: time zone"},
		{"Conflict", "U1,Berlin\nU2,NYC\nU1,NYC\n", nil, "roster line 3: user U1 is in both Berlin and NYC"},
		{"OneField", "U1,Berlin\nU2\n", nil, "roster line 2: want user_id,office[,timezone[,from]], got 1 fields"},
		{"BadFrom", "U1,Berlin,UTC,extra\n", nil, "roster line 1: from \"extra\": want a day"},
		{"FiveFields", "U1,Berlin,UTC,2026-01-01,x\n", nil, "roster line 1: want user_id,office[,timezone[,from]], got 5 fields"},
		{"ConflictSameDay", "U1,Berlin,,2026-03-10\nU1,NYC,,2026-03-10\n", nil, "roster line 2: user U1 is in both Berlin and NYC from the same day"},
		{"EmptyUser", "U1,Berlin\n ,Berlin\n", nil, "roster line 2: empty user_id or office"},
		{"EmptyOffice", "U1,\n", nil, "roster line 1: empty user_id or office"},
		{"CommentLines", "# a\n# b\nU1\n", nil, "roster line 3:"},
		{"BareQuote", "U1,Ber\"lin\n", nil, "roster:"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r, err := pipeline.ParseRoster(strings.NewReader(tt.Input))
			if tt.Error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.Error) {
					t.Fatalf("ParseRoster error = %v, want one containing %q", err, tt.Error)
				}
				if r != nil {
					t.Errorf("ParseRoster returned a roster with an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Len() != len(tt.Want) {
				t.Errorf("Len = %d, want %d", r.Len(), len(tt.Want))
			}
			for user, want := range tt.Want {
				e, ok := r.Lookup(user, time.Now())
				if !ok {
					t.Errorf("Lookup(%q) not found", user)
					continue
				}
				zone := ""
				if e.Location != nil {
					zone = e.Location.String()
				}
				if e.Office != want.Office || zone != want.Zone {
					t.Errorf("Lookup(%q) = %s, %q; want %s, %q", user, e.Office, zone, want.Office, want.Zone)
				}
			}
			if _, ok := r.Lookup("U-nobody", time.Time{}); ok {
				t.Error("Lookup of an unknown user ok")
			}
		})
	}
}

// TestRosterDates checks that a person who moved counts under the office
// valid at each time, whatever order the rows come in.
func TestRosterDates(t *testing.T) {
	r, err := pipeline.ParseRoster(strings.NewReader(
		"user_id,office,timezone,from\nU1,nyc,America/New_York,2026-03-10\nU1,berlin,Europe/Berlin\n" +
			"U2,paris,,2026-03-01\nU3,oslo,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	tests := []struct {
		User, At string
		Office   string // "" for not on the roster
	}{
		{"U1", "2020-01-01T00:00:00Z", "berlin"},
		{"U1", "2026-03-09T23:59:59Z", "berlin"},
		{"U1", "2026-03-10T00:00:00Z", "nyc"},
		{"U1", "2027-01-01T00:00:00Z", "nyc"},
		{"U2", "2026-02-28T23:00:00Z", ""},
		{"U2", "2026-03-01T00:00:00Z", "paris"},
		{"U3", "2001-01-01T00:00:00Z", "oslo"},
	}
	for _, tt := range tests {
		e, ok := r.Lookup(tt.User, day(tt.At))
		if e.Office != tt.Office || ok != (tt.Office != "") {
			t.Errorf("Lookup(%s, %s) = %q, %v; want %q", tt.User, tt.At, e.Office, ok, tt.Office)
		}
	}
	if got := r.Entries("U1"); len(got) != 2 || got[0].Office != "berlin" || got[1].Location.String() != "America/New_York" {
		t.Errorf("Entries(U1) = %+v", got)
	}
}

func TestNilRoster(t *testing.T) {
	var r *pipeline.Roster
	if _, ok := r.Lookup("U1", time.Now()); ok || r.Len() != 0 || r.Entries("U1") != nil {
		t.Error("a nil Roster knows someone")
	}
}

// TestRosterSharesZones checks that users of one time zone share its
// *time.Location.
func TestRosterSharesZones(t *testing.T) {
	r, err := pipeline.ParseRoster(strings.NewReader("U1,Berlin,Europe/Berlin\nU2,Berlin,Europe/Berlin\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r.Lookup("U1", time.Time{})
	b, _ := r.Lookup("U2", time.Time{})
	if a.Location != b.Location {
		t.Error("two users of one zone have different *time.Location")
	}
}

// FuzzParseRoster checks that ParseRoster never panics and that whatever
// it accepts is consistent: a known user has a non-empty office.
func FuzzParseRoster(f *testing.F) {
	f.Add("user_id,office,timezone\nU1,Berlin,Europe/Berlin\nU2,NYC,America/New_York\n")
	f.Add("# c\nU1,Berlin\n\"U2\",\"a,b\"\n")
	f.Add("U1,Berlin\nU1,NYC\n")
	f.Add("U1,X,Mars/Base\n")
	f.Add("U1,berlin,,2026-03-01\nU1,nyc,UTC,2026-04-01\n")
	f.Add("\"unterminated\n")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := pipeline.ParseRoster(strings.NewReader(in))
		if err != nil {
			if r != nil {
				t.Error("roster returned with an error")
			}
			if !strings.HasPrefix(err.Error(), "roster") {
				t.Errorf("error %q does not say it is about the roster", err)
			}
			return
		}
		n := 0
		for line := range strings.Lines(in) {
			_ = line
			n++
		}
		if r.Len() > n {
			t.Errorf("%d users from %d lines", r.Len(), n)
		}
	})
}
