package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wiretap-hq/wiretap/nlp"
	"github.com/wiretap-hq/wiretap/schema"
)

func TestParseOptOut(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		err      string
	}{
		{"empty", "", nil, ""},
		{"comments and blanks", "# header\n\nU123ABC\n  W0042  # contractor\r\n#U999\n", []string{"U123ABC", "W0042"}, ""},
		{"repeats", "U1AA\nU1AA\n", []string{"U1AA"}, ""},
		{"a name", "U1AA\nanna.smith\n", nil, "line 2"},
		{"an e-mail", "anna@example.com", nil, "line 1"},
		{"lower case", "u123abc", nil, "line 1"},
		{"a bot", "B0123ABC", nil, "line 1"},
		{"two on a line", "U1AA U2BB", nil, "line 1"},
		{"too long a line", strings.Repeat("U", MaxOptOutLine+1), nil, "longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseOptOut(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrOptOutSyntax) {
					t.Fatalf("err %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := o.IDs(); !slices.Equal(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOptOutFingerprint(t *testing.T) {
	a, b := NewOptOut("U1AA", "U2BB"), NewOptOut("U2BB", "U1AA")
	if a.Fingerprint() != b.Fingerprint() || a.Fingerprint() == NewOptOut("U1AA").Fingerprint() {
		t.Error("fingerprint depends on order, or not on the ids")
	}
	if NewOptOut().Fingerprint() != "" || (*OptOut)(nil).Fingerprint() != "" {
		t.Error("an empty list has a fingerprint")
	}
	if strings.Contains(a.Fingerprint(), "U1AA") {
		t.Error("the fingerprint shows an id")
	}
}

// FuzzParseOptOut checks that any input parses or fails cleanly, and that
// what parses round-trips: the ids written back one a line parse to the
// same set.
func FuzzParseOptOut(f *testing.F) {
	for _, s := range []string{"", "U1AA\n", "# c\nW22\n", "U1\x00", "U1AA # x\r\n\n", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		o, err := ParseOptOut(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, id := range o.IDs() {
			if !ValidUserID(id) {
				t.Fatalf("parsed %q, not a user id", id)
			}
		}
		again, err := ParseOptOut(strings.NewReader(strings.Join(o.IDs(), "\n")))
		if err != nil || !slices.Equal(again.IDs(), o.IDs()) {
			t.Fatalf("round trip: %v, %v != %v", err, again.IDs(), o.IDs())
		}
	})
}

func TestPseudonyms(t *testing.T) {
	if _, err := NewPseudonymizer(nil); !errors.Is(err, ErrNoKey) {
		t.Errorf("no key: %v", err)
	}
	if _, err := NewPseudonymizer([]byte("short")); err == nil {
		t.Error("a 5-byte key was accepted")
	}
	a, _ := NewPseudonymizer([]byte("0123456789abcdef"))
	b, _ := NewPseudonymizer([]byte("0123456789abcdeF"))
	p := a.ID("U123ABC")
	if p != a.Clone().ID("U123ABC") || p == b.ID("U123ABC") || p == a.ID("U123ABD") {
		t.Errorf("pseudonyms not stable per key, or not different across keys and ids: %s", p)
	}
	if !IsPseudonym(p) || IsPseudonym("U123ABC") || a.ID("") != "" {
		t.Errorf("%s is not recognised as a pseudonym", p)
	}
	// A known answer pins the construction: HMAC-SHA256, 10 bytes, base32.
	if got, want := a.ID("U123ABC"), "P"+b32.EncodeToString(hmacOf("0123456789abcdef", "U123ABC")[:10]); got != want {
		t.Errorf("ID = %s, want %s", got, want)
	}
	if a.Fingerprint() == b.Fingerprint() || strings.Contains(a.Fingerprint(), "0123456789") {
		t.Error("key fingerprints do not tell keys apart, or show the key")
	}
	// The tokenizer reads a pseudonym as a mention, as it reads an id.
	var an nlp.Analysis
	nlp.New().Analyze("hi <@"+p+">", &an)
	if !slices.Equal(an.Mentions, []string{p}) {
		t.Errorf("mentions of a pseudonym: %v", an.Mentions)
	}
}

func TestRewriteMentions(t *testing.T) {
	repl := func(id string) (string, bool) {
		switch id {
		case "UGONE":
			return "", false
		case "UKEEP":
			return id, true
		}
		return "P" + id, true
	}
	for _, tc := range []struct{ in, want string }{
		{"no mentions", "no mentions"},
		{"hi <@UGONE>!", "hi !"},
		{"hi <@UGONE|gone.person> and <@UX1|x.name>", "hi  and <@PUX1>"},
		{"<@UKEEP|keep> stays", "<@UKEEP|keep> stays"},
		{"<@UX1><@UX2>", "<@PUX1><@PUX2>"},
		{"not <@ a mention>", "not <@ a mention>"},
		{"<@UX1 broken <@UX2>", "<@UX1 broken <@PUX2>"},
		{"cut <@UGONE", "cut <@UGONE"},
		{"<@>", "<@>"},
		{"<@|x>", "<@|x>"},
		{"a <@UX1|label with spaces> b", "a <@PUX1> b"},
		{"<!here> <#C1|general> <@UX1>", "<!here> <#C1|general> <@PUX1>"},
	} {
		if got := RewriteMentions(tc.in, repl); got != tc.want {
			t.Errorf("RewriteMentions(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzRewriteMentions checks that the ids the tokenizer finds are exactly
// those RewriteMentions is asked about: after removing every mention, the
// tokenizer finds none.
func FuzzRewriteMentions(f *testing.F) {
	for _, s := range []string{"hi <@U1|a b> <@U2>", "<@<@U1>>", "<@U1\n>", "<@U1|>", "<@U1|x|y>"} {
		f.Add(s)
	}
	an := nlp.New()
	f.Fuzz(func(t *testing.T, in string) {
		out := RewriteMentions(in, func(string) (string, bool) { return "", false })
		var a nlp.Analysis
		an.Analyze(out, &a)
		if len(a.Mentions) > 0 {
			t.Fatalf("%q -> %q still mentions %v", in, out, a.Mentions)
		}
	})
}

func TestScrubber(t *testing.T) {
	ps, _ := NewPseudonymizer([]byte("0123456789abcdef"))
	pol := &Policy{OptOut: NewOptOut("UGONE"), Pseudonyms: ps}
	s := pol.NewScrubber()
	m := schema.Message{UserID: "UGONE"}
	if !s.OptedOut(&m) {
		t.Error("an opted-out author is kept")
	}
	m = schema.Message{UserID: "U1AA", UserName: "anna", ParentUser: "UGONE", ItemUser: "U2BB",
		Text: "cc <@UGONE|gone> <@U2BB|bob>"}
	s.Scrub(&m)
	want := schema.Message{UserID: ps.ID("U1AA"), ItemUser: ps.ID("U2BB"), Text: "cc  <@" + ps.ID("U2BB") + ">"}
	if m != want {
		t.Errorf("scrubbed %+v, want %+v", m, want)
	}
	bot := schema.Message{UserID: Slackbot}
	s.Scrub(&bot)
	if bot.UserID != Slackbot {
		t.Errorf("Slackbot became %s: its reminders would count as people's messages", bot.UserID)
	}
	if s.KeepRaw(`{"user":"U1AA"}`) {
		t.Error("the quarantine keeps raw records under pseudonyms")
	}
	o := (&Policy{OptOut: NewOptOut("UGONE")}).NewScrubber()
	if o.KeepRaw(`{"user":"UGONE"}`) || !o.KeepRaw(`{"user":"U1AA"}`) {
		t.Error("opt-out alone: want only records naming UGONE scrubbed")
	}
	if (&Policy{}).NewScrubber() != nil {
		t.Error("an empty policy makes a scrubber")
	}
}

func hmacOf(key, msg string) []byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return m.Sum(nil)
}
