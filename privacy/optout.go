package privacy

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// MaxOptOutLine bounds a line of an opt-out file: a user id is a dozen
// characters, and a file that is not an opt-out list should fail fast
// rather than be held whole.
const MaxOptOutLine = 4096

// An OptOut is the set of user ids whose messages are left out of every
// output, and who are named in none. A nil OptOut is empty. It is read-only
// once parsed and safe for concurrent use.
type OptOut struct {
	ids map[string]struct{}
}

// ErrOptOutSyntax is wrapped by ParseOptOut's errors about a line.
var ErrOptOutSyntax = errors.New("opt-out file")

// ParseOptOut reads an opt-out file: one Slack user id a line; blank lines
// are skipped and "#" starts a comment, on a line of its own or after an
// id. Ids are what Slack prints (U or W and then capital letters and
// digits); anything else is refused with its line number, since a name or
// an e-mail address in the file would silently opt nobody out.
func ParseOptOut(r io.Reader) (*OptOut, error) {
	o := &OptOut{ids: map[string]struct{}{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), MaxOptOutLine)
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !ValidUserID(s) {
			return nil, fmt.Errorf("%w: line %d: %q is not a Slack user id", ErrOptOutSyntax, line, truncate(s, 40))
		}
		o.ids[s] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: a line is longer than %d bytes", ErrOptOutSyntax, MaxOptOutLine)
		}
		return nil, fmt.Errorf("%w: %w", ErrOptOutSyntax, err)
	}
	return o, nil
}

// ValidUserID says whether s looks like a Slack user id: U or W followed by
// 2 to 31 capital letters and digits.
func ValidUserID(s string) bool {
	if len(s) < 3 || len(s) > 32 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// NewOptOut returns the set of ids, for tests and callers that have them
// already.
func NewOptOut(ids ...string) *OptOut {
	o := &OptOut{ids: map[string]struct{}{}}
	for _, id := range ids {
		o.ids[id] = struct{}{}
	}
	return o
}

// Has says whether id opted out.
func (o *OptOut) Has(id string) bool {
	if o == nil || id == "" {
		return false
	}
	_, ok := o.ids[id]
	return ok
}

// Len is the number of ids.
func (o *OptOut) Len() int {
	if o == nil {
		return 0
	}
	return len(o.ids)
}

// IDs returns the ids, sorted.
func (o *OptOut) IDs() []string {
	if o == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(o.ids))
}

// Fingerprint is a hash of the sorted ids, "" for an empty list: outputs
// record it so that a job can tell the list changed (and recompute what the
// new list changes) without storing who is on it.
func (o *OptOut) Fingerprint() string {
	if o.Len() == 0 {
		return ""
	}
	h := sha256.New()
	for _, id := range o.IDs() {
		io.WriteString(h, id)
		h.Write([]byte{'\n'})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ContainsAny says whether any opted-out id occurs anywhere in s. It
// decides what the quarantine may keep of a record it could not decode,
// where no field can be trusted: matching anywhere (inside a longer id, a
// string, a key) errs on the side of keeping less.
func (o *OptOut) ContainsAny(s string) bool {
	if o.Len() == 0 {
		return false
	}
	for id := range o.ids {
		if strings.Contains(s, id) {
			return true
		}
	}
	return false
}
