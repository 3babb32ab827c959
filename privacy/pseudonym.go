package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// KeyEnv is the environment variable that holds the pseudonym key.
const KeyEnv = "WIRETAP_PSEUDONYM_KEY"

// MinKeyBytes is the shortest key accepted: a short key could be found by
// trying keys against a known id and its pseudonym.
const MinKeyBytes = 16

// PseudonymBytes is how many bytes of the HMAC a pseudonym keeps: 80 bits
// make a collision among even a million people unlikely (about 4e-13).
const PseudonymBytes = 10

// PseudonymPrefix starts every pseudonym. Slack ids start with U, W or B,
// so a pseudonym is never mistaken for a real id, and it still reads as one
// where a mention is expected (<@P...>).
const PseudonymPrefix = "P"

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// ErrNoKey is returned when pseudonyms are asked for without a key.
var ErrNoKey = errors.New("no pseudonym key: set " + KeyEnv + " (at least 16 bytes, e.g. `openssl rand -hex 32`)")

// A Pseudonymizer turns user ids into keyed pseudonyms:
// "P" + base32(HMAC-SHA256(key, id)[:10]). The same key gives the same
// pseudonym on every run, shard and machine; without the key nobody can
// map one back, or check a guess. It is not safe for concurrent use (it
// keeps its HMAC state); Clone gives another for another goroutine.
type Pseudonymizer struct {
	key []byte
	mac hash.Hash
	sum []byte
}

// NewPseudonymizer returns a Pseudonymizer for key, which must have at
// least MinKeyBytes bytes.
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) == 0 {
		return nil, ErrNoKey
	}
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("pseudonym key: %d bytes, want at least %d", len(key), MinKeyBytes)
	}
	k := append([]byte(nil), key...)
	return &Pseudonymizer{key: k, mac: hmac.New(sha256.New, k)}, nil
}

// Clone returns a Pseudonymizer with the same key for another goroutine.
func (p *Pseudonymizer) Clone() *Pseudonymizer {
	q, _ := NewPseudonymizer(p.key) // the key was checked already
	return q
}

// ID returns the pseudonym of a user id; "" stays "".
func (p *Pseudonymizer) ID(id string) string {
	if id == "" {
		return ""
	}
	p.mac.Reset()
	p.mac.Write([]byte(id))
	p.sum = p.mac.Sum(p.sum[:0])
	return PseudonymPrefix + b32.EncodeToString(p.sum[:PseudonymBytes])
}

// Fingerprint names the key without revealing it (an HMAC of a fixed
// label, not of any id), so that outputs can record which key made them
// and a job can refuse or redo work made with another.
func (p *Pseudonymizer) Fingerprint() string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte("wiretap pseudonym key fingerprint"))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil)[:8])
}

// IsPseudonym says whether s has the form of a pseudonym.
func IsPseudonym(s string) bool {
	if len(s) != len(PseudonymPrefix)+b32.EncodedLen(PseudonymBytes) || !strings.HasPrefix(s, PseudonymPrefix) {
		return false
	}
	_, err := b32.DecodeString(s[len(PseudonymPrefix):])
	return err == nil
}
