package pipeline_test

import (
	"strings"
	"testing"

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
		{"OneField", "U1,Berlin\nU2\n", nil, "roster line 2: want user_id,office[,timezone], got 1 fields"},
		{"FourFields", "U1,Berlin,UTC,extra\n", nil, "roster line 1: want user_id,office[,timezone], got 4 fields"},
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
				e, ok := r.Lookup(user)
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
			if _, ok := r.Lookup("U-nobody"); ok {
				t.Error("Lookup of an unknown user ok")
			}
		})
	}
}

func TestNilRoster(t *testing.T) {
	var r *pipeline.Roster
	if _, ok := r.Lookup("U1"); ok || r.Len() != 0 {
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
	a, _ := r.Lookup("U1")
	b, _ := r.Lookup("U2")
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
