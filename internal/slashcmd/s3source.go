package slashcmd

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

// SummaryObject answers from the summary.json a run or nightly publishes
// beside its manifest (OUT/summary.json, the copy made after the commit for
// dashboards): one small GET instead of reading Parquet, which is what
// keeps the slash command's Lambda small and quick. Its range is the
// summary's, all the covered days; `serve` answers over the last week.
type SummaryObject struct {
	Client *s3.Client
	// At is the summary's object: OUT/summary.json of an S3 output.
	At archive.Location
	// TTL is how long a read summary is reused; zero means a minute.
	TTL time.Duration

	mu   sync.Mutex
	at   time.Time
	data *Summary
}

func (o *SummaryObject) load(ctx context.Context) (*Summary, error) {
	ttl := o.TTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.data != nil && time.Since(o.at) < ttl {
		return o.data, nil
	}
	out, err := o.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.At.Bucket()), Key: aws.String(o.At.Key())})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", o.At, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", o.At, err)
	}
	s, err := DecodeSummary(data)
	if err != nil {
		return nil, err
	}
	o.data, o.at = s, time.Now()
	return s, nil
}

// Glance implements Source. The summary covers every office; the answers
// pick the office from it.
func (o *SummaryObject) Glance(ctx context.Context, _ string) (*Summary, error) {
	return o.load(ctx)
}

// Person implements Source from the people the summary lists (the most
// active and most mentioned): the summary has no row for everyone.
func (o *SummaryObject) Person(ctx context.Context, userID string) (*Person, Range, error) {
	s, err := o.load(ctx)
	if err != nil {
		return nil, Range{}, err
	}
	for _, list := range [][]Person{s.TopUsers, s.MostMentioned} {
		for i := range list {
			if list[i].UserID == userID {
				return &list[i], s.Range, nil
			}
		}
	}
	return nil, s.Range, nil
}
