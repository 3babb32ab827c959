package jobs

import (
	"strings"
	"sync"

	"github.com/wiretap-hq/wiretap/internal/numbering"
	"github.com/wiretap-hq/wiretap/pipeline"
)

// idIndex numbers strings of a run for all its workers: the user ids, in
// one index, and the team and channel ids and the display names, in
// another. Numbers index a worker's tables without hashing a string again,
// and are found for a batch's dictionaries while the batch is hot in
// cache, by the worker that read it, for whichever worker analyses its
// messages, later.
type idIndex struct {
	mu  sync.Mutex
	ids numbering.Numbering[string]
}

func newIDIndex() *idIndex { return &idIndex{ids: numbering.New[string](0)} }

// noID is the number of a null or empty value, where numbers says so.
const noID = ^uint32(0)

// numbers appends to dst the number of each value of dict; with skipEmpty,
// that of "" is noID.
func (x *idIndex) numbers(dst []uint32, dict pipeline.Dict, skipEmpty bool) []uint32 {
	x.mu.Lock()
	defer x.mu.Unlock()
	for k := range dict.Len() {
		v := dict.Value(k)
		if skipEmpty && v == "" {
			dst = append(dst, noID)
			continue
		}
		n, _ := x.numberLocked(v)
		dst = append(dst, n)
	}
	return dst
}

// number returns the number of id, which may alias a scratch buffer, and
// the index's copy of id.
func (x *idIndex) number(id string) (uint32, string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.numberLocked(id)
}

func (x *idIndex) numberLocked(id string) (uint32, string) {
	n, ok := x.ids.Lookup(id)
	if !ok {
		n = x.ids.Number(strings.Clone(id))
	}
	return n, x.ids.Key(n)
}

// id is the string numbered n.
func (x *idIndex) id(n uint32) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.ids.Key(n)
}

// appendIDs appends to dst the strings numbered len(dst) and up: a
// worker's copy of the index, brought up to date when it meets a number it
// lacks, reads without the lock.
func (x *idIndex) appendIDs(dst []string) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	for n := len(dst); n < x.ids.Len(); n++ {
		dst = append(dst, x.ids.Key(uint32(n)))
	}
	return dst
}
