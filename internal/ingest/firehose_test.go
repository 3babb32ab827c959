package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
)

// fakeFirehose implements the one call a FirehoseSink makes. fail decides,
// per call and record, whether Firehose fails that record; callErr fails
// whole calls.
type fakeFirehose struct {
	mu       sync.Mutex
	calls    [][][]byte // records of each call
	stored   [][]byte   // records accepted
	fail     func(call int, rec []byte) bool
	callErr  func(call int) error
	streamOK string
}

func (f *fakeFirehose) PutRecordBatch(ctx context.Context, in *firehose.PutRecordBatchInput, _ ...func(*firehose.Options)) (*firehose.PutRecordBatchOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	call := len(f.calls)
	var recs [][]byte
	size := 0
	for _, r := range in.Records {
		recs = append(recs, bytes.Clone(r.Data))
		size += len(r.Data)
	}
	f.calls = append(f.calls, recs)
	if aws.ToString(in.DeliveryStreamName) != f.streamOK {
		return nil, fmt.Errorf("ResourceNotFoundException: stream %q", aws.ToString(in.DeliveryStreamName))
	}
	if len(in.Records) > MaxBatchRecords || size > MaxBatchBytes {
		return nil, errors.New("InvalidArgumentException: batch over the limits")
	}
	if f.callErr != nil {
		if err := f.callErr(call); err != nil {
			return nil, err
		}
	}
	out := &firehose.PutRecordBatchOutput{}
	var failed int32
	for i, r := range in.Records {
		if len(r.Data) > MaxRecordBytes {
			return nil, errors.New("InvalidArgumentException: record over 1,000 KiB")
		}
		if f.fail != nil && f.fail(call, r.Data) {
			failed++
			out.RequestResponses = append(out.RequestResponses, types.PutRecordBatchResponseEntry{
				ErrorCode: aws.String("ServiceUnavailableException"), ErrorMessage: aws.String("slow down"),
			})
			continue
		}
		f.stored = append(f.stored, bytes.Clone(r.Data))
		out.RequestResponses = append(out.RequestResponses, types.PutRecordBatchResponseEntry{RecordId: aws.String(fmt.Sprint(call, "-", i))})
	}
	out.FailedPutCount = aws.Int32(failed)
	return out, nil
}

func records(n, size int) [][]byte {
	recs := make([][]byte, n)
	for i := range recs {
		r := []byte(fmt.Sprintf(`{"i":%d,"pad":"`, i))
		r = append(r, bytes.Repeat([]byte("x"), max(0, size-len(r)-3))...)
		recs[i] = append(r, "\"}\n"...)
	}
	return recs
}

func newTestFirehoseSink(f *fakeFirehose) *FirehoseSink {
	f.streamOK = "slack-wiretap"
	s := NewFirehoseSink(f, "slack-wiretap", nil)
	s.BaseDelay, s.MaxDelay = time.Millisecond, 4*time.Millisecond
	return s
}

func storedSet(f *fakeFirehose) map[string]int {
	m := map[string]int{}
	for _, r := range f.stored {
		m[string(r)]++
	}
	return m
}

func TestFirehoseSinkPartialFailure(t *testing.T) {
	recs := records(10, 50)
	f := &fakeFirehose{
		// The first call fails records 2, 5 and 7; the second fails 5
		// again; the third succeeds.
		fail: func(call int, rec []byte) bool {
			switch call {
			case 0:
				return bytes.HasPrefix(rec, []byte(`{"i":2,`)) || bytes.HasPrefix(rec, []byte(`{"i":5,`)) || bytes.HasPrefix(rec, []byte(`{"i":7,`))
			case 1:
				return bytes.HasPrefix(rec, []byte(`{"i":5,`))
			}
			return false
		},
	}
	s := newTestFirehoseSink(f)
	if err := s.Put(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 3 || len(f.calls[0]) != 10 || len(f.calls[1]) != 3 || len(f.calls[2]) != 1 {
		t.Fatalf("call sizes: %d calls %v", len(f.calls), callSizes(f))
	}
	// Only the failed records were resent, so each is stored exactly once.
	got := storedSet(f)
	if len(got) != 10 {
		t.Fatalf("stored %d distinct records, want 10", len(got))
	}
	for r, n := range got {
		if n != 1 {
			t.Errorf("record %q stored %d times", r, n)
		}
	}
	if s.Resent() != 4 {
		t.Errorf("Resent = %d, want 4", s.Resent())
	}
}

func callSizes(f *fakeFirehose) []int {
	var n []int
	for _, c := range f.calls {
		n = append(n, len(c))
	}
	return n
}

func TestFirehoseSinkGivesUp(t *testing.T) {
	f := &fakeFirehose{fail: func(_ int, rec []byte) bool { return bytes.HasPrefix(rec, []byte(`{"i":1,`)) }}
	s := newTestFirehoseSink(f)
	s.MaxAttempts = 3
	err := s.Put(context.Background(), records(3, 40))
	if err == nil || !strings.Contains(err.Error(), "1 records not put after 3 attempts") || !strings.Contains(err.Error(), "ServiceUnavailableException") {
		t.Fatalf("err = %v", err)
	}
	if len(f.calls) != 3 {
		t.Errorf("%d calls, want 3", len(f.calls))
	}
}

func TestFirehoseSinkCallErrors(t *testing.T) {
	f := &fakeFirehose{callErr: func(call int) error {
		if call < 2 {
			return errors.New("ServiceUnavailableException")
		}
		return nil
	}}
	s := newTestFirehoseSink(f)
	if err := s.Put(context.Background(), records(2, 40)); err != nil {
		t.Fatal(err)
	}
	if len(f.stored) != 2 || len(f.calls) != 3 {
		t.Errorf("stored %d in %d calls", len(f.stored), len(f.calls))
	}
	f2 := &fakeFirehose{}
	s2 := newTestFirehoseSink(f2)
	f2.streamOK = "other"
	if err := s2.Put(context.Background(), records(1, 40)); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("err = %v", err)
	}
}

func TestFirehoseSinkRespectsDeadline(t *testing.T) {
	f := &fakeFirehose{fail: func(int, []byte) bool { return true }}
	s := newTestFirehoseSink(f)
	s.MaxAttempts = 1000
	s.BaseDelay, s.MaxDelay = 10*time.Millisecond, 10*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Put(ctx, records(1, 40))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
}

// TestFirehoseSinkDeadlineDuringPut checks that a deadline passing while a
// put is in flight is reported as the deadline, with the put's failure.
func TestFirehoseSinkDeadlineDuringPut(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	f := &fakeFirehose{fail: func(int, []byte) bool {
		<-ctx.Done() // the put outlives the deadline, then fails
		return true
	}}
	s := newTestFirehoseSink(f)
	s.MaxAttempts = 1000
	err := s.Put(ctx, records(1, 40))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "ServiceUnavailableException") {
		t.Fatalf("err = %v, want the deadline and the put's failure", err)
	}
}

func TestFirehoseSinkBatchLimits(t *testing.T) {
	tests := []struct {
		name  string
		recs  [][]byte
		calls []int
	}{
		{"one", records(1, 100), []int{1}},
		{"500", records(500, 100), []int{500}},
		{"1201 records", records(1201, 100), []int{500, 500, 201}},
		// 900 KiB each: four fit in 4 MiB, a fifth does not.
		{"by bytes", records(9, 900<<10), []int{4, 4, 1}},
		{"exactly 1,000 KiB", records(5, MaxRecordBytes), []int{4, 1}},
		{"oversize dropped", append(records(2, 100), records(1, MaxRecordBytes+1)...), []int{2}},
		{"only oversize", records(1, MaxRecordBytes+1), nil},
		{"none", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeFirehose{}
			s := newTestFirehoseSink(f)
			if err := s.Put(context.Background(), tt.recs); err != nil {
				t.Fatal(err)
			}
			if got := callSizes(f); fmt.Sprint(got) != fmt.Sprint(tt.calls) {
				t.Fatalf("calls %v, want %v", got, tt.calls)
			}
			dropped := 0
			for _, r := range tt.recs {
				if len(r) > MaxRecordBytes {
					dropped++
				}
			}
			if int(s.Dropped()) != dropped || len(f.stored) != len(tt.recs)-dropped {
				t.Errorf("dropped %d stored %d", s.Dropped(), len(f.stored))
			}
			// Order within the stream is kept.
			for i, r := range f.stored {
				if !bytes.Equal(r, tt.recs[i]) {
					t.Fatalf("record %d out of order", i)
				}
			}
		})
	}
}

func TestFirehoseSinkMismatchedResponse(t *testing.T) {
	calls := 0
	f := firehoseFunc(func(in *firehose.PutRecordBatchInput) (*firehose.PutRecordBatchOutput, error) {
		calls++
		if calls == 1 {
			return &firehose.PutRecordBatchOutput{FailedPutCount: aws.Int32(1)}, nil
		}
		out := &firehose.PutRecordBatchOutput{FailedPutCount: aws.Int32(0)}
		return out, nil
	})
	s := NewFirehoseSink(f, "s", nil)
	s.BaseDelay = time.Millisecond
	if err := s.Put(context.Background(), records(2, 10)); err != nil {
		t.Fatal(err)
	}
	if calls != 2 || s.Resent() != 2 {
		t.Errorf("calls %d resent %d: a response without entries must resend everything", calls, s.Resent())
	}
}

type firehoseFunc func(*firehose.PutRecordBatchInput) (*firehose.PutRecordBatchOutput, error)

func (f firehoseFunc) PutRecordBatch(_ context.Context, in *firehose.PutRecordBatchInput, _ ...func(*firehose.Options)) (*firehose.PutRecordBatchOutput, error) {
	return f(in)
}

func TestBackoff(t *testing.T) {
	s := &FirehoseSink{BaseDelay: 10 * time.Millisecond, MaxDelay: 80 * time.Millisecond}
	for attempt := 1; attempt < 70; attempt++ {
		cap := min(10*time.Millisecond<<min(attempt-1, 20), 80*time.Millisecond)
		for range 20 {
			d := s.backoff(attempt)
			if d < cap/2 || d > cap {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, cap/2, cap)
			}
		}
	}
}
