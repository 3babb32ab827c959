package generator

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/wiretap-hq/wiretap/schema"
)

// Config says what archive Generate writes. Start from DefaultConfig: zero
// rates mean "none", not "default". The archive's bytes depend only on the
// fields above Margin; Margin and LookBehind only change how the Facts are
// counted, and Workers only how fast they are written.
type Config struct {
	Seed     int64
	Messages int       // unique authored messages to generate (before duplicates and noise), besides the planted ones (plant.go)
	Start    time.Time // first message day: a UTC midnight
	Days     int
	// Offices are the office names; each user belongs to one. Their time
	// zones come from Timezones, then from a built-in table of city names
	// (berlin, london, nyc, singapore, sydney, ...), then UTC. One office is
	// planted as markedly more positive, another as the only one that talks
	// about the planted topic. Default: berlin, london, nyc, singapore, sydney.
	Offices   []string
	Timezones map[string]string // office name -> IANA zone; optional overrides
	Users     int               // default Messages/200, at least 20 and two per office
	Channels  int               // default 12
	// Teams is how many Slack teams (workspaces of an Enterprise Grid) the
	// channels are dealt over, round robin: channel c belongs to team
	// c mod Teams, and its records carry that team's id. Users are shared,
	// as Grid users are. Default 1: every record carries Team.
	Teams int
	// Vocabulary is how many distinct words text is drawn from: 0 is the
	// built-in list of about 1,000 words (Zipf exponent 1); more adds
	// synthetic words after them, with Zipf exponent ZipfExponent
	// (default 1).
	Vocabulary   int
	ZipfExponent float64
	Prefix       string // custom key prefix before the hour prefix: "" or ending in "/"
	Stream       string // Firehose delivery stream name; default "slack-wiretap"
	Gzip         bool   // write .gz objects

	// Shares of records. DuplicateRate: probability that a record is
	// delivered more than once (Slack retries, Firehose redelivery, webhook
	// repeats). LateRate: probability that it arrives 10 to 55 minutes late.
	// MalformedRate: one malformed line per this many records, on average.
	// GlueRate: probability that a record is written without its newline, so
	// the next record is glued to it. TooLateRate: probability that a record
	// arrives 3 to 6 hours late (past the margin; never on the last day).
	DuplicateRate, LateRate, MalformedRate, GlueRate, TooLateRate float64

	// ObjectRecords is how many records the simulated Firehose buffers
	// before it flushes an object (it also flushes 5 simulated minutes after
	// the oldest buffered record arrived, and at 64 MiB). Default 2000.
	ObjectRecords int

	// Margin and LookBehind describe the run the Facts are computed for:
	// one over [Start, Start+Days) that reads the hour prefixes from
	// Start-LookBehind to Start+Days+Margin (exclusive), and counts a record
	// whose message hour is M, filed under hour prefix P, iff
	// M-LookBehind <= P <= M+Margin (archive.InArrivalWindow). Whole
	// hours; Margin defaults to 1h and LookBehind to 1h (pipeline's
	// LookBehind); a negative LookBehind means none.
	Margin, LookBehind time.Duration
	// EditWindow is the run's edit window (pipeline.Config.EditWindow):
	// edits, deletions and reactions count, and apply, when filed under
	// an hour prefix P with M-LookBehind <= P <= M+Margin+EditWindow, M
	// the hour of the message they point at; the run lists EditWindow
	// more hours after the range. Whole hours, at most 48h; default 24h,
	// negative for none.
	EditWindow time.Duration

	// Workers is how many days are generated at once; default GOMAXPROCS.
	// The output does not depend on it.
	Workers int
}

// Limits that keep a Config's memory and key space sane.
const (
	maxMessages      = 1 << 34
	maxDays          = 3650
	maxUsers         = 1 << 20
	maxOffices       = 64
	maxChannels      = 1 << 16
	maxTeams         = 1000
	maxVocabulary    = 40_000
	maxObjectRecords = 1 << 20
	maxRate          = 0.5
)

// defaultOffices are the offices of DefaultConfig, in order.
var defaultOffices = []string{"berlin", "london", "nyc", "singapore", "sydney"}

// knownZones maps the office names Generate recognises to their time zone.
var knownZones = map[string]string{
	"amsterdam": "Europe/Amsterdam", "bangalore": "Asia/Kolkata", "berlin": "Europe/Berlin",
	"dublin": "Europe/Dublin", "london": "Europe/London", "madrid": "Europe/Madrid",
	"new-york": "America/New_York", "newyork": "America/New_York", "nyc": "America/New_York",
	"paris": "Europe/Paris", "san-francisco": "America/Los_Angeles", "sao-paulo": "America/Sao_Paulo",
	"sf": "America/Los_Angeles", "singapore": "Asia/Singapore", "sydney": "Australia/Sydney",
	"tokyo": "Asia/Tokyo", "toronto": "America/Toronto", "zurich": "Europe/Zurich",
}

// DefaultConfig returns a four-week archive of 200,000 authored messages
// (about 100 MB of NDJSON) with the default noise rates.
func DefaultConfig() Config {
	return Config{
		Seed:          1,
		Messages:      200_000,
		Start:         time.Date(2016, 11, 7, 0, 0, 0, 0, time.UTC),
		Days:          28,
		Offices:       append([]string(nil), defaultOffices...),
		Channels:      12,
		Stream:        "slack-wiretap",
		DuplicateRate: 0.02,
		LateRate:      0.03,
		MalformedRate: 0.002,
		GlueRate:      0.001,
		TooLateRate:   0.0002,
		ObjectRecords: 2000,
		Margin:        time.Hour,
	}
}

// Profiles are the named Configs of Profile, in the order `wiretap gen
// --help` lists them.
var Profiles = []string{"default", "large"}

// Profile returns a named Config:
//   - "default" is DefaultConfig;
//   - "large" is a large company's workspace over one week: 3 teams of 500
//     channels each, 3,000 people, a Zipf(1.07) vocabulary of 20,000 words
//     and 2 million authored messages, about 1 GB of NDJSON. The cost of an
//     analysis grows with the number of distinct people, channels and
//     words far more than with bytes; this is the archive that shows it.
func Profile(name string) (Config, error) {
	switch name {
	case "", "default":
		return DefaultConfig(), nil
	case "large":
		c := DefaultConfig()
		c.Messages = 2_000_000
		c.Start = time.Date(2016, 11, 14, 0, 0, 0, 0, time.UTC)
		c.Days = 7
		c.Teams = 3
		c.Users = 3000
		c.Channels = 1500
		c.Vocabulary = 20_000
		c.ZipfExponent = 1.07
		return c, nil
	}
	return Config{}, fmt.Errorf("bench: no profile %q: want one of %s", name, strings.Join(Profiles, ", "))
}

// normalized returns cfg with defaults filled in, or an error naming the
// first invalid field.
func (cfg Config) normalized() (Config, error) {
	c := cfg
	c.Offices = append([]string(nil), cfg.Offices...)
	if len(c.Offices) == 0 {
		c.Offices = append(c.Offices, defaultOffices...)
	}
	if c.Users == 0 {
		c.Users = min(maxUsers, max(20, 2*len(c.Offices), c.Messages/200))
	}
	if c.Channels == 0 {
		c.Channels = 12
	}
	if c.Teams == 0 {
		c.Teams = 1
	}
	if c.ZipfExponent == 0 {
		c.ZipfExponent = 1
	}
	if c.Stream == "" {
		c.Stream = "slack-wiretap"
	}
	if c.ObjectRecords == 0 {
		c.ObjectRecords = 2000
	}
	if c.Margin == 0 {
		c.Margin = time.Hour
	}
	switch {
	case c.LookBehind == 0:
		c.LookBehind = time.Hour
	case c.LookBehind < 0:
		c.LookBehind = 0
	}
	switch {
	case c.EditWindow == 0:
		c.EditWindow = 24 * time.Hour
	case c.EditWindow < 0:
		c.EditWindow = 0
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	c.Start = c.Start.UTC()
	return c, c.validate()
}

func (c *Config) validate() error {
	switch {
	case c.Messages < 0 || c.Messages > maxMessages:
		return fmt.Errorf("bench: Messages %d: want 0 to %d", c.Messages, maxMessages)
	case c.Days < 1 || c.Days > maxDays:
		return fmt.Errorf("bench: Days %d: want 1 to %d", c.Days, maxDays)
	case c.Start.IsZero():
		return errors.New("bench: Start is not set")
	case !c.Start.Equal(c.Start.Truncate(24 * time.Hour)):
		return fmt.Errorf("bench: Start %s is not a UTC midnight", c.Start.Format(time.RFC3339Nano))
	case c.Start.Before(schema.Epoch):
		return fmt.Errorf("bench: Start %s is before %s, which Slack ts parsing rejects",
			c.Start.Format(time.DateOnly), schema.Epoch.Format(time.DateOnly))
	case c.Start.Year() > 2200:
		return fmt.Errorf("bench: Start %s is too far in the future", c.Start.Format(time.DateOnly))
	case len(c.Offices) < 2 || len(c.Offices) > maxOffices:
		return fmt.Errorf("bench: %d offices: want 2 (one is planted as the positive one) to %d", len(c.Offices), maxOffices)
	case c.Users < 2*len(c.Offices) || c.Users > maxUsers:
		return fmt.Errorf("bench: Users %d: want %d (two per office) to %d", c.Users, 2*len(c.Offices), maxUsers)
	case c.Channels < 1 || c.Channels > maxChannels:
		return fmt.Errorf("bench: Channels %d: want 1 to %d", c.Channels, maxChannels)
	case c.Teams < 1 || c.Teams > maxTeams || c.Teams > c.Channels:
		return fmt.Errorf("bench: Teams %d: want 1 to %d, at most one per channel", c.Teams, maxTeams)
	case c.Vocabulary < 0 || c.Vocabulary > maxVocabulary:
		return fmt.Errorf("bench: Vocabulary %d: want 0 (the built-in words) to %d", c.Vocabulary, maxVocabulary)
	case !(c.ZipfExponent >= 0.5 && c.ZipfExponent <= 3): // also rejects NaN
		return fmt.Errorf("bench: ZipfExponent %v: want 0.5 to 3", c.ZipfExponent)
	case c.Vocabulary == 0 && c.ZipfExponent != 1:
		return errors.New("bench: ZipfExponent needs Vocabulary: the built-in vocabulary has exponent 1")
	case c.ObjectRecords < 1 || c.ObjectRecords > maxObjectRecords:
		return fmt.Errorf("bench: ObjectRecords %d: want 1 to %d", c.ObjectRecords, maxObjectRecords)
	case c.Margin < 0 || c.Margin%time.Hour != 0 || c.Margin > 24*time.Hour:
		return fmt.Errorf("bench: Margin %v: want whole hours, at most 24h", c.Margin)
	case c.LookBehind%time.Hour != 0 || c.LookBehind > 24*time.Hour:
		return fmt.Errorf("bench: LookBehind %v: want whole hours, at most 24h", c.LookBehind)
	case c.EditWindow%time.Hour != 0 || c.EditWindow > 48*time.Hour:
		return fmt.Errorf("bench: EditWindow %v: want whole hours, at most 48h", c.EditWindow)
	}
	seen := make(map[string]bool, len(c.Offices))
	for _, o := range c.Offices {
		if o == "" || strings.ContainsAny(o, ",\"\n\r") {
			return fmt.Errorf("bench: office name %q: want a non-empty name without commas, quotes or newlines", o)
		}
		if seen[o] {
			return fmt.Errorf("bench: office %q listed twice", o)
		}
		seen[o] = true
	}
	for o, z := range c.Timezones {
		if !seen[o] {
			return fmt.Errorf("bench: Timezones names office %q, which is not in Offices", o)
		}
		if _, err := time.LoadLocation(z); err != nil {
			return fmt.Errorf("bench: time zone of office %q: %w", o, err)
		}
	}
	if c.Prefix != "" {
		if !strings.HasSuffix(c.Prefix, "/") || !fs.ValidPath(strings.TrimSuffix(c.Prefix, "/")) {
			return fmt.Errorf("bench: Prefix %q: want \"\" or a relative path ending in \"/\"", c.Prefix)
		}
	}
	if len(c.Stream) > 64 || strings.Trim(c.Stream, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != "" {
		return fmt.Errorf("bench: Stream %q: want 1 to 64 letters, digits, '_', '.' or '-'", c.Stream)
	}
	for _, r := range []struct {
		name string
		v    float64
	}{
		{"DuplicateRate", c.DuplicateRate}, {"LateRate", c.LateRate},
		{"MalformedRate", c.MalformedRate}, {"GlueRate", c.GlueRate}, {"TooLateRate", c.TooLateRate},
	} {
		if !(r.v >= 0 && r.v <= maxRate) { // also rejects NaN
			return fmt.Errorf("bench: %s %v: want 0 to %v", r.name, r.v, maxRate)
		}
	}
	return nil
}

// perMillion converts a validated rate to an integer threshold, so that no
// floating-point arithmetic (which may fuse differently on other CPUs)
// decides what is generated.
func perMillion(rate float64) uint64 {
	return uint64(math.Round(rate * 1e6))
}

// zoneOf returns the time zone name of office o.
func (c *Config) zoneOf(o string) string {
	if z, ok := c.Timezones[o]; ok {
		return z
	}
	if z, ok := knownZones[strings.ToLower(o)]; ok {
		return z
	}
	return "UTC"
}
