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
	for i, el := range arr {
		c.read++
		if !isMessage(el) {
			c.nonMessages++
			continue
		}
		if err := normalise(el, team, ch, users, &m); err != nil {
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

// fieldReader reads optional string fields of an object, remembering the
// first wrong type: absent and null read as "".
type fieldReader struct {
	obj *fastjson.Object
	err error
}

func (r *fieldReader) get(key string, dst *string) {
	if r.err != nil {
		return
	}
	v := r.obj.Get(key)
	if v == nil || v.Type() == fastjson.TypeNull {
		*dst = ""
		return
	}
	b, err := v.StringBytes()
	if err != nil {
		r.err = &schema.FieldError{Field: key, Err: fmt.Errorf("%w: want string, got %s", schema.ErrFieldType, v.Type())}
		return
	}
	if !utf8.Valid(b) {
		r.err = &schema.FieldError{Field: key, Err: schema.ErrInvalidUTF8}
		return
	}
	*dst = string(b)
}

// object returns the object under key, nil when absent or null.
func (r *fieldReader) object(key string) *fastjson.Object {
	if r.err != nil {
		return nil
	}
	v := r.obj.Get(key)
	if v == nil || v.Type() == fastjson.TypeNull {
		return nil
	}
	o, err := v.Object()
	if err != nil {
		r.err = &schema.FieldError{Field: key, Err: fmt.Errorf("%w: want object, got %s", schema.ErrFieldType, v.Type())}
		return nil
	}
	return o
}

// editedTS reads edited.ts, when there is an "edited" object.
func (r *fieldReader) editedTS(dst *string) {
	ed := r.object("edited")
	if ed == nil {
		return
	}
	er := fieldReader{obj: ed}
	er.get("ts", dst)
	if er.err != nil {
		r.err = &schema.FieldError{Field: "edited", Err: er.err}
	}
}

// normalise fills m from one export message, with the rules the Events API
// decoder applies to the same fields (schema.FromEventsAPI), so that an
// exported message has the Key of its live copy.
func normalise(el *fastjson.Value, team string, ch channel, users map[string]string, m *schema.Message) error {
	*m = schema.Message{Team: team, ChannelID: ch.ID, ChannelName: ch.Name, Source: schema.SourceExport}
	obj, _ := el.Object() // isMessage checked it
	r := fieldReader{obj: obj}
	r.get("subtype", &m.Subtype)
	switch m.Subtype {
	case "message_changed":
		// The message as it is now is under "message".
		inner := r.object("message")
		if r.err != nil {
			return r.err
		}
		if inner == nil {
			return &schema.FieldError{Field: "message", Err: schema.ErrMissingField}
		}
		ir := fieldReader{obj: inner}
		ir.get("user", &m.UserID)
		ir.get("text", &m.Text)
		ir.get("ts", &m.TS)
		ir.get("thread_ts", &m.ThreadTS)
		ir.get("parent_user_id", &m.ParentUser)
		ir.get("bot_id", &m.BotID)
		ir.editedTS(&m.EditedTS)
		if ir.err != nil {
			return &schema.FieldError{Field: "message", Err: ir.err}
		}
		if m.EditedTS == "" {
			r.get("ts", &m.EditedTS)
		}
	case "message_deleted":
		r.get("deleted_ts", &m.TS)
		r.get("ts", &m.EditedTS)
	default:
		r.get("user", &m.UserID)
		r.get("text", &m.Text)
		r.get("ts", &m.TS)
		r.get("thread_ts", &m.ThreadTS)
		r.get("parent_user_id", &m.ParentUser)
		r.get("bot_id", &m.BotID)
		r.get("username", &m.UserName)
		r.editedTS(&m.EditedTS)
	}
	if r.err != nil {
		return r.err
	}
	if m.UserName == "" && m.UserID != "" {
		m.UserName = users[m.UserID]
	}
	if err := m.Validate(); err != nil {
		return err
	}
	t, err := schema.ParseTS(m.TS)
	if err != nil {
		return &schema.FieldError{Field: "ts", Err: err}
	}
	m.Time = t
	return nil
}
