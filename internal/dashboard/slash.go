package dashboard

import (
	"context"
	"strings"

	"github.com/wiretap-hq/wiretap/internal/slashcmd"
	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// SlashSource answers the slash command in `serve` from the same cache as
// the dashboard: the last 7 days that have partitions.
type SlashSource struct {
	Source  *Source
	Options Options
}

// GlanceDays is the range of the slash command's answers.
const GlanceDays = 7

func (s *SlashSource) week(ctx context.Context, office string) (*Answer, error) {
	covered, err := s.Source.Covered(ctx)
	if err != nil {
		return nil, err
	}
	if len(covered) == 0 {
		return nil, ErrNotPublished
	}
	last := covered[len(covered)-1]
	first := max(covered[0], last-GlanceDays+1)
	return s.Source.Answer(ctx, Query{From: first.Start(), To: last.End(), Office: office})
}

// Glance implements slashcmd.Source.
func (s *SlashSource) Glance(ctx context.Context, office string) (*slashcmd.Summary, error) {
	if office != "" {
		// Offices are matched without regard to case.
		all, err := s.week(ctx, "")
		if err != nil {
			return nil, err
		}
		found := ""
		for _, o := range all.Summary.Offices {
			if strings.EqualFold(o.Office, office) {
				found = o.Office
			}
		}
		if found == "" {
			return nil, slashcmd.ErrNoSuchOffice
		}
		office = found
	}
	a, err := s.week(ctx, office)
	if err != nil {
		return nil, err
	}
	return slashcmd.DecodeSummary(a.JSON)
}

// Person implements slashcmd.Source from the merged users of the week: a
// person's own figures, whether or not they rank anywhere.
func (s *SlashSource) Person(ctx context.Context, userID string) (*slashcmd.Person, slashcmd.Range, error) {
	a, err := s.week(ctx, "")
	if err != nil {
		return nil, slashcmd.Range{}, err
	}
	r := slashcmd.Range{From: a.Summary.Range.From, To: a.Summary.Range.To, Days: a.Summary.Range.Days}
	for k, u := range a.Aggregate.Users {
		if k.User != userID || u.Messages == 0 {
			continue
		}
		p := &slashcmd.Person{UserID: k.User, UserName: u.Name.Name, Office: u.Office, Messages: u.Messages,
			MentionsReceived: u.MentionsReceived,
			Sentiment:        slashcmd.Sentiment{N: u.Sentiment.N, Mean: u.Sentiment.Mean(), CI95: u.Sentiment.CI95()}}
		if u.Messages > 0 {
			p.Sarcasm.Rate = float64(u.SarcasmSum) / aggregate.Scale / float64(u.Messages)
		}
		return p, r, nil
	}
	return nil, r, nil
}
