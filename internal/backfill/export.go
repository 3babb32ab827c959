package backfill

import (
	"archive/zip"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/wiretap-hq/wiretap/schema"
)

// An EntryError is a problem with one entry of the export zip: it could not
// be read (corrupt, truncated, too large) or is not the JSON it should be.
type EntryError struct {
	Entry string // the entry's name in the zip, e.g. "general/2016-11-18.json"
	Err   error
}

func (e *EntryError) Error() string { return "export entry " + e.Entry + ": " + e.Err.Error() }
func (e *EntryError) Unwrap() error { return e.Err }

// Reasons an entry or a message is refused; test with errors.Is.
var (
	// ErrMalformedJSON: an entry is not valid JSON, or not a JSON array.
	ErrMalformedJSON = errors.New("malformed JSON")
	// ErrEntryTooLarge: an entry inflates past Options.MaxEntryBytes.
	ErrEntryTooLarge = errors.New("entry too large")
	// ErrNoChannels: the zip has no channels.json: not a Slack export.
	ErrNoChannels = errors.New("no channels.json: not a Slack workspace export")
	// ErrNoTeam: no Options.Team and no team_id in users.json.
	ErrNoTeam = errors.New("no team id: the export's users.json has no team_id; give one (Options.Team, --team)")
)

// channel is a conversation of the export, as its folder is named.
type channel struct {
	ID   string `json:"id"`
	Name string `json:"name"` // "" for direct messages
}

// meta is what the export's top-level files say.
type meta struct {
	root     string             // folder holding channels.json, "" or "name/"
	folders  map[string]channel // folder name → conversation
	users    map[string]string  // user id → name
	teamID   string             // most common team_id of users.json
	dayFiles map[string][]*zip.File
}

// dayOf returns the date of a day file name, YYYY-MM-DD.json.
func dayOf(base string) (string, bool) {
	d, ok := strings.CutSuffix(base, ".json")
	if !ok || len(d) != len(time.DateOnly) {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return "", false
	}
	return d, true
}

// readMeta finds the export's root, reads its channel and user lists and
// groups the day files by date.
func readMeta(zr *zip.Reader, maxEntry int64) (*meta, error) {
	m := &meta{folders: map[string]channel{}, users: map[string]string{}, dayFiles: map[string][]*zip.File{}}
	byName := map[string]*zip.File{}
	found := false
	for _, f := range zr.File {
		byName[f.Name] = f
		dir, base := path.Split(f.Name)
		if base == "channels.json" && !strings.HasPrefix(f.Name, "__MACOSX/") &&
			(!found || len(dir) < len(m.root)) {
			m.root, found = dir, true
		}
	}
	if !found {
		return nil, ErrNoChannels
	}
	// Folders are named after channels, private channels and group DMs;
	// direct messages have no name and their folders are named by id.
	for _, list := range []string{"channels.json", "groups.json", "mpims.json", "dms.json"} {
		f := byName[m.root+list]
		if f == nil {
			continue
		}
		var convs []channel
		if err := readJSON(f, maxEntry, &convs); err != nil {
			return nil, err
		}
		for _, c := range convs {
			if c.ID == "" {
				continue
			}
			folder := cmp.Or(c.Name, c.ID)
			if _, dup := m.folders[folder]; !dup {
				m.folders[folder] = c
			}
		}
	}
	if f := byName[m.root+"users.json"]; f != nil {
		var users []struct {
			ID       string `json:"id"`
			TeamID   string `json:"team_id"`
			Name     string `json:"name"`
			RealName string `json:"real_name"`
			Profile  struct {
				RealName    string `json:"real_name"`
				DisplayName string `json:"display_name"`
			} `json:"profile"`
		}
		if err := readJSON(f, maxEntry, &users); err != nil {
			return nil, err
		}
		teams := map[string]int{}
		for _, u := range users {
			if u.ID == "" {
				continue
			}
			m.users[u.ID] = cmp.Or(u.Name, u.RealName, u.Profile.RealName, u.Profile.DisplayName)
			if u.TeamID != "" {
				teams[u.TeamID]++
			}
		}
		// Shared channels bring users of other workspaces: the export's own
		// team is the one most users belong to (ties: the smallest id).
		for t, n := range teams {
			if n > teams[m.teamID] || n == teams[m.teamID] && t < m.teamID {
				m.teamID = t
			}
		}
	}
	for _, f := range zr.File {
		rel, ok := strings.CutPrefix(f.Name, m.root)
		if !ok || f.FileInfo().IsDir() {
			continue
		}
		folder, base := path.Split(rel)
		if strings.Count(folder, "/") != 1 || folder == "__MACOSX/" {
			continue
		}
		if d, ok := dayOf(base); ok {
			m.dayFiles[d] = append(m.dayFiles[d], f)
		}
	}
	for _, files := range m.dayFiles {
		slices.SortFunc(files, func(a, b *zip.File) int { return cmp.Compare(a.Name, b.Name) })
	}
	return m, nil
}

// readEntry reads a whole zip entry, at most max bytes of it.
func readEntry(f *zip.File, max int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(max) {
		return nil, &EntryError{f.Name, fmt.Errorf("%w: %d bytes, limit %d", ErrEntryTooLarge, f.UncompressedSize64, max)}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &EntryError{f.Name, err}
	}
	defer rc.Close()
	// The header's size can lie; the limit holds whatever it says.
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, &EntryError{f.Name, err}
	}
	if int64(len(data)) > max {
		return nil, &EntryError{f.Name, fmt.Errorf("%w: over %d bytes", ErrEntryTooLarge, max)}
	}
	return data, nil
}

func readJSON(f *zip.File, max int64, v any) error {
	data, err := readEntry(f, max)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &EntryError{f.Name, fmt.Errorf("%w: %v", ErrMalformedJSON, err)}
	}
	return nil
}

// dayCounts is what parsing one day file found, besides its messages.
type dayCounts struct {
	read        int64 // array elements
	nonMessages int64 // elements whose type is not "message"
	invalid     int64 // messages that could not be normalised
	firstErr    error // the first reason a message was invalid, for the log
}

// parseDay parses one channel's day file, a JSON array of messages, and
// calls emit with each message normalised. emit may keep the Message's
// strings but not the pointer, which is reused. users maps user ids
// to names and may be nil. An error means the file itself is not a JSON
// array; a bad element only counts as invalid.
func parseDay(p *fastjson.Parser, data []byte, team string, ch channel, users map[string]string, emit func(*schema.Message)) (dayCounts, error) {
	var c dayCounts
	if p == nil {
		p = new(fastjson.Parser)
	}
	v, err := p.ParseBytes(data)
	if err != nil {
		return c, fmt.Errorf("%w: %v", ErrMalformedJSON, shortErr(err))
	}
	arr, err := v.Array()
	if err != nil {
		return c, fmt.Errorf("%w: want an array of messages, got a JSON %s", ErrMalformedJSON, v.Type())
	}
	var m schema.Message
	var buf []byte
	for i, el := range arr {
		c.read++
		if !isMessage(el) {
			c.nonMessages++
			continue
		}
		if err := normalise(el, team, ch, users, &m, &buf); err != nil {
			c.invalid++
			if c.firstErr == nil {
				c.firstErr = fmt.Errorf("message %d: %w", i, err)
			}
			continue
		}
		emit(&m)
	}
	return c, nil
}

// shortErr keeps a parser error to one short line: fastjson quotes the
// unparsed input, which may be a long message text.
func shortErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// isMessage reports whether el is an object of type "message".
func isMessage(el *fastjson.Value) bool {
	if el.Type() != fastjson.TypeObject {
		return false
	}
	return string(el.GetStringBytes("type")) == "message"
}

// normalise fills m from one export message with the Events API decoder's
// rules (schema.FromMessageObject), so that an exported message has the Key
// of its live copy. buf is scratch space for the element's bytes.
func normalise(el *fastjson.Value, team string, ch channel, users map[string]string, m *schema.Message, buf *[]byte) error {
	*buf = el.MarshalTo((*buf)[:0])
	msg, err := schema.FromMessageObject(*buf, team, ch.ID)
	if err != nil {
		return err
	}
	msg.ChannelName, msg.Source = ch.Name, schema.SourceExport
	if msg.UserName == "" && msg.UserID != "" {
		msg.UserName = users[msg.UserID]
	}
	*m = msg
	return nil
}
