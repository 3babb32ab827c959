package slashcmd

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// SummaryObject answers from the summary.json a run or nightly publishes
// beside its manifest (OUT/summary.json, the copy made after the commit for
// dashboards): one small GET instead of reading Parquet, which is what
// keeps the slash command's Lambda small and quick. Its range is the
// summary's, all the covered days; `serve` answers over the last week.
type SummaryObject struct {
	Client *s3.Client
	Bucket string
	Key    string
	// TTL is how long a read summary is reused; zero means a minute.
	TTL time.Duration

	mu   sync.Mutex
	at   time.Time
	data *Summary
}

// ParseSummaryURL splits s3://bucket/prefix into the bucket and the key of
// the output's summary.json.
func ParseSummaryURL(raw string) (bucket, key string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return "", "", fmt.Errorf("output %q: want s3://bucket/prefix", raw)
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix != "" {
		prefix += "/"
	}
	return u.Host, prefix + "summary.json", nil
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
	out, err := o.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key)})
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", o.Bucket, o.Key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", o.Bucket, o.Key, err)
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
