package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
)

// PutRecordBatch limits.
const (
	MaxBatchRecords = 500
	MaxBatchBytes   = 4 << 20
)

// firehoseAPI is the one Firehose call a FirehoseSink makes;
// *firehose.Client implements it, and tests drive partial failures with a
// small fake.
type firehoseAPI interface {
	PutRecordBatch(ctx context.Context, in *firehose.PutRecordBatchInput, optFns ...func(*firehose.Options)) (*firehose.PutRecordBatchOutput, error)
}

var _ firehoseAPI = (*firehose.Client)(nil)

// A FirehoseSink puts records on an Amazon Data Firehose stream with
// PutRecordBatch: at most MaxBatchRecords records and MaxBatchBytes per
// call. Firehose can fail part of a batch (FailedPutCount > 0, an error
// code per record); only the failed records are sent again, with
// exponential backoff and jitter (a random wait between half and all of
// the doubling delay), for at most MaxAttempts calls and
// never past the context's deadline. A record over MaxRecordBytes cannot be
// put at all: it is dropped, counted and logged with its size only (the
// Handler truncates texts first, so this does not happen to its records).
//
// A FirehoseSink is safe for concurrent use.
type FirehoseSink struct {
	client firehoseAPI
	stream string
	log    *slog.Logger

	// MaxAttempts bounds the PutRecordBatch calls for one batch,
	// resends included; zero means 4.
	MaxAttempts int
	// BaseDelay is the backoff before the first resend, doubled for each
	// one after, up to MaxDelay; zero means 25ms and 500ms.
	BaseDelay, MaxDelay time.Duration

	dropped, resent atomic.Int64
}

var _ Sink = (*FirehoseSink)(nil)

// NewFirehoseSink returns a sink onto the delivery stream; client is
// usually a *firehose.Client. A nil logger discards logs.
func NewFirehoseSink(client firehoseAPI, stream string, logger *slog.Logger) *FirehoseSink {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &FirehoseSink{client: client, stream: stream, log: logger}
}

// Dropped is the number of records dropped for exceeding MaxRecordBytes.
func (s *FirehoseSink) Dropped() int64 { return s.dropped.Load() }

// Resent is the number of records sent again after Firehose failed them.
func (s *FirehoseSink) Resent() int64 { return s.resent.Load() }

// Put sends records in as few PutRecordBatch calls as the limits allow. It
// returns nil when Firehose accepted every record (but dropped ones), and an
// error naming how many records failed otherwise; some of the others may
// have been accepted, so a caller that retries creates duplicates, which the
// batch side removes.
func (s *FirehoseSink) Put(ctx context.Context, records [][]byte) error {
	var (
		batch []types.Record
		size  int
		errs  []error
	)
	flush := func() {
		if len(batch) > 0 {
			if err := s.send(ctx, batch); err != nil {
				errs = append(errs, err)
			}
		}
		batch, size = nil, 0
	}
	for _, r := range records {
		if len(r) > MaxRecordBytes {
			s.dropped.Add(1)
			s.log.Error("ingest: record over the Firehose limit; dropped",
				"stream", s.stream, "bytes", len(r), "limit", MaxRecordBytes)
			continue
		}
		if len(batch) == MaxBatchRecords || size+len(r) > MaxBatchBytes {
			flush()
		}
		batch = append(batch, types.Record{Data: r})
		size += len(r)
	}
	flush()
	return errors.Join(errs...)
}

// send puts one batch, resending the records Firehose failed.
func (s *FirehoseSink) send(ctx context.Context, pending []types.Record) error {
	attempts := s.MaxAttempts
	if attempts <= 0 {
		attempts = 4
	}
	var lastErr error
	for attempt := 1; ; attempt++ {
		out, err := s.client.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{
			DeliveryStreamName: aws.String(s.stream),
			Records:            pending,
		})
		switch {
		case err != nil:
			// The SDK has already retried what it deems retryable; one
			// more round of ours costs little and may ride out a blip.
			lastErr = err
		case aws.ToInt32(out.FailedPutCount) == 0:
			return nil
		default:
			failed, code := failedRecords(pending, out)
			if len(failed) == 0 {
				return nil
			}
			lastErr = fmt.Errorf("%d of %d records failed (%s)", len(failed), len(pending), code)
			s.log.Warn("ingest: Firehose failed part of a batch; resending the failed records",
				"stream", s.stream, "failed", len(failed), "of", len(pending), "error_code", code,
				"attempt", attempt)
			pending = failed
		}
		if err := ctx.Err(); err != nil {
			// The deadline can pass while a put is in flight: say so, not
			// only what the put said.
			return fmt.Errorf("firehose %s: %d records not put after %d attempts: %w (last error: %w)",
				s.stream, len(pending), attempt, err, lastErr)
		}
		if attempt >= attempts {
			return fmt.Errorf("firehose %s: %d records not put after %d attempts: %w",
				s.stream, len(pending), attempt, lastErr)
		}
		if err := sleep(ctx, s.backoff(attempt)); err != nil {
			return fmt.Errorf("firehose %s: %d records not put: %w (last error: %v)",
				s.stream, len(pending), err, lastErr)
		}
		s.resent.Add(int64(len(pending)))
	}
}

// failedRecords returns the records whose response entry has an error code,
// and the first code. A response that does not match the request one for
// one fails the whole batch.
func failedRecords(sent []types.Record, out *firehose.PutRecordBatchOutput) ([]types.Record, string) {
	if len(out.RequestResponses) != len(sent) {
		return sent, "response length mismatch"
	}
	var failed []types.Record
	code := ""
	for i, rr := range out.RequestResponses {
		if rr.ErrorCode != nil {
			failed = append(failed, sent[i])
			if code == "" {
				code = *rr.ErrorCode
			}
		}
	}
	return failed, code
}

// backoff is the wait before resend number attempt (1-based): "equal jitter"
// over an exponentially growing cap.
func (s *FirehoseSink) backoff(attempt int) time.Duration {
	base, maxDelay := s.BaseDelay, s.MaxDelay
	if base <= 0 {
		base = 25 * time.Millisecond
	}
	if maxDelay <= 0 {
		maxDelay = 500 * time.Millisecond
	}
	d := maxDelay
	if attempt < 30 {
		d = min(base<<(attempt-1), maxDelay)
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
