package aggregate

// Scored keeps the EvidenceSize messages with the highest score: the
// evidence of a ranking, chosen by what the ranking measures (a person's
// most sarcastic messages, their most positive ones, the messages that
// mention them). The order is total: score, highest first, then ts,
// earliest first, then channel id; a message always has the same score,
// so the messages kept depend only on the set of messages offered, and
// merging days, shards or queries in any order keeps the same ones.
//
// Like Evidence, a ref carries its message's text only in runs with
// --include-text.
type Scored struct {
	n    int
	refs [EvidenceSize]scoredRef
}

type scoredRef struct {
	ref
	score int64
}

// before says whether r ranks ahead of o.
func (r *scoredRef) before(o *scoredRef) bool {
	if r.score != o.score {
		return r.score > o.score
	}
	return r.less(&o.ref)
}

// add offers the message r with its score. A message offered twice keeps
// its higher score (a message has one score; two observations of one ref
// happen only in tests and damaged input), so that the result still does
// not depend on the order of offers.
func (s *Scored) add(r ref, score int64) {
	if r.channel == nil || *r.channel == "" {
		return
	}
	in := scoredRef{ref: r, score: score}
	for j := range s.n {
		if s.refs[j].same(&in.ref) {
			if !in.before(&s.refs[j]) {
				if in.score == s.refs[j].score {
					s.refs[j].takeText(r.text)
				}
				return
			}
			copy(s.refs[j:s.n-1], s.refs[j+1:s.n])
			s.n--
			break
		}
	}
	if s.n == EvidenceSize && !in.before(&s.refs[s.n-1]) {
		return
	}
	i := 0
	for i < s.n && s.refs[i].before(&in) {
		i++
	}
	if s.n < EvidenceSize {
		s.n++
	}
	copy(s.refs[i+1:s.n], s.refs[i:s.n-1])
	s.refs[i] = in
}

// Merge adds the messages of o.
func (s *Scored) Merge(o *Scored) {
	for i := range o.n {
		s.add(o.refs[i].ref, o.refs[i].score)
	}
}

// Len is how many messages s keeps.
func (s *Scored) Len() int { return s.n }

// Refs returns the messages kept, best first, with their scores in Scale
// units.
func (s *Scored) Refs() ([]Ref, []int64) {
	refs, scores := make([]Ref, s.n), make([]int64, s.n)
	for i := range s.n {
		refs[i] = s.refs[i].Ref()
		scores[i] = s.refs[i].score
	}
	return refs, scores
}

// columns renders s for table columns: refs as "channel/ts", their
// scores, and their texts (nil when no ref carries text), parallel.
func (s *Scored) columns(c *cells) (refs []string, scores []int64, texts []string) {
	if s.n == 0 {
		return nil, nil, nil
	}
	refs, scores = c.strings(s.n), c.ints(s.n)
	for i := range s.n {
		r := &s.refs[i]
		refs[i] = c.ref(*r.channel, r.ts)
		scores[i] = r.score
		if r.text != nil {
			if texts == nil {
				texts = make([]string, s.n)
			}
			texts[i] = *r.text
		}
	}
	return refs, scores, texts
}

// scoredOf is the inverse of columns; a ref without a score (a damaged
// file) scores 0.
func scoredOf(refs []string, scores []int64, texts []string, ids channelIDs) Scored {
	var s Scored
	for i, str := range refs {
		r, ok := ParseRef(str)
		if !ok {
			continue
		}
		var score int64
		if i < len(scores) {
			score = scores[i]
		}
		in := ref{channel: ids.keep(r.Channel), ts: r.TS}
		if i < len(texts) && texts[i] != "" {
			text := texts[i]
			in.text = &text
		}
		s.add(in, score)
	}
	return s
}
