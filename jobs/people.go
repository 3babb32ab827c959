package jobs

import (
	"strings"
	"sync"

	"github.com/wiretap-hq/wiretap/internal/numbering"
	"github.com/wiretap-hq/wiretap/pipeline"
)

// peopleIndex numbers the user ids of a run, for all its workers: numbers
// index a worker's people without hashing an id again, and are found for
// a batch's users while the batch is hot in cache, by the worker that
// read it, for whichever worker analyses it.
type peopleIndex struct {
	mu  sync.Mutex
	ids numbering.Numbering[string]
}

func newPeopleIndex() *peopleIndex { return &peopleIndex{ids: numbering.New[string](0)} }

// numbers appends to dst the number of each value of users.
func (p *peopleIndex) numbers(dst []uint32, users pipeline.Dict) []uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range users.Len() {
		n, _ := p.numberLocked(users.Value(k))
		dst = append(dst, n)
	}
	return dst
}

// number returns the number of id, which may alias a scratch buffer, and
// the index's copy of id.
func (p *peopleIndex) number(id string) (uint32, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.numberLocked(id)
}

func (p *peopleIndex) numberLocked(id string) (uint32, string) {
	n, ok := p.ids.Lookup(id)
	if !ok {
		n = p.ids.Number(strings.Clone(id))
	}
	return n, p.ids.Key(n)
}

// id is the user id numbered n.
func (p *peopleIndex) id(n uint32) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ids.Key(n)
}
