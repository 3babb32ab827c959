package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Defaults for S3Options. Batch jobs read thousands of objects for hours,
// so they retry harder than the SDK's interactive defaults (3 attempts).
const (
	defaultS3MaxAttempts = 10
	defaultS3ReadTimeout = 30 * time.Second
	defaultS3Region      = "us-east-1"

	// s3IdleConnsPerHost is how many idle connections a client keeps per
	// host: room for a run's listings and GETs in flight at once.
	s3IdleConnsPerHost = 64

	// maxS3Resumes bounds how many times in a row Open's reader re-requests
	// the rest of a body without receiving a single byte in between.
	maxS3Resumes = 5
)

// S3Options tunes NewS3. The zero value is ready for AWS and, through the
// AWS_ENDPOINT_URL* variables, for S3-compatible servers.
type S3Options struct {
	// Endpoint overrides the S3 endpoint, e.g. "http://127.0.0.1:7070".
	// When empty the SDK's config loading decides: AWS_ENDPOINT_URL_S3,
	// AWS_ENDPOINT_URL, the shared config file, else AWS itself.
	Endpoint string

	// Region defaults to the environment/shared config (AWS_REGION, ...)
	// and falls back to "us-east-1", which S3-compatible servers accept.
	Region string

	// PathStyle selects path-style addressing (http://host/bucket/key).
	// nil means: true when a custom endpoint is in effect, because
	// S3-compatible servers rarely have wildcard DNS for
	// bucket.host, and false for AWS, where virtual-hosted style is the norm.
	PathStyle *bool

	// MaxAttempts is the retryer's attempts per request (default 10). The
	// SDK's client-side retry quota is disabled so that a long job, after a
	// burst of throttling, does not stop retrying for good.
	MaxAttempts int

	// ReadTimeout is how long a request may wait for response headers
	// (default 30s), and how long any response body may go without
	// sending a byte: Open's reader then resumes, other operations retry.
	// S3 itself has no such timeout in the SDK, so a silent peer would
	// hang a job.
	ReadTimeout time.Duration

	// Client, when set, is the client every store opened with these
	// options shares: a process builds it once (NewS3Client) and passes it
	// in, so that its connection pool, retryer and credentials are shared.
	// Endpoint, Region, PathStyle and MaxAttempts are then ignored; nil
	// builds a client per store from them.
	Client S3API
}

// S3API is the part of the S3 client a store calls. *s3.Client has it.
type S3API interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, opts ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
}

var _ S3API = (*s3.Client)(nil)

// S3 is a Source and Putter over one bucket and key prefix. Keys given to
// List, Open, Put and Locate are relative to the prefix, so the same job
// code reads a local Dir or an S3 archive. It is safe for concurrent use.
type S3 struct {
	client      S3API
	bucket      string
	prefix      string // "" or ends with "/"
	readTimeout time.Duration

	// maxKeys is ListObjectsV2's page size; 0 leaves the server default
	// (1000). Tests lower it to make List page many times.
	maxKeys int32
}

var (
	_ Source = (*S3)(nil)
	_ Putter = (*S3)(nil)
)

// validBucketName checks the general-purpose bucket naming rules, so that a
// typo fails at startup with a clear message rather than as a signature or
// DNS error on the first request.
func validBucketName(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters long", b)
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("bucket name %q may only hold lowercase letters, digits, '-' and '.'", b)
		}
	}
	if !isAlnum(b[0]) || !isAlnum(b[len(b)-1]) {
		return fmt.Errorf("bucket name %q must begin and end with a letter or digit", b)
	}
	if strings.Contains(b, "..") {
		return fmt.Errorf("bucket name %q must not hold two adjacent periods", b)
	}
	return nil
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// NewS3 returns an S3 store for the folder loc (a bucket, or a key prefix
// in it), on opts.Client when set, else on a client of its own built by
// NewS3Client.
func NewS3(ctx context.Context, loc Location, opts S3Options) (*S3, error) {
	if !loc.IsS3() {
		return nil, fmt.Errorf("%q is not an S3 location", loc)
	}
	client := opts.Client
	if client == nil {
		c, err := NewS3Client(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", loc, err)
		}
		client = c
	}
	return &S3{client: client, bucket: loc.Bucket(), prefix: loc.Prefix(), readTimeout: readTimeout(opts)}, nil
}

func readTimeout(opts S3Options) time.Duration {
	if opts.ReadTimeout <= 0 {
		return defaultS3ReadTimeout
	}
	return opts.ReadTimeout
}

// NewS3Client builds the S3 client a process shares between its stores
// (S3Options.Client): the retryer, timeouts and endpoint of opts.
// Credentials come from the SDK's default chain (environment, shared
// files, SSO, instance role); they are resolved lazily, so a bad
// credential shows up on the first request, not here.
func NewS3Client(ctx context.Context, opts S3Options) (*s3.Client, error) {
	maxAttempts := opts.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = defaultS3MaxAttempts
	}
	readTimeout := readTimeout(opts)
	loadOpts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				// The default token bucket stops all retries after a burst
				// of failures; a batch job prefers to keep backing off.
				o.RateLimiter = ratelimit.None
				// A response body cut or stalled mid-stream fails the
				// attempt in deserialization, which the SDK does not
				// retry; every operation but GetObject (whose body Open's
				// reader resumes) is idempotent here, so retry it.
				o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(retryBrokenBody))
			})
		}),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.ResponseHeaderTimeout = readTimeout
			// A run keeps its listings ahead (pipeline.Config.ListAhead)
			// and two GETs per reader in flight: more than the SDK's 10
			// idle connections per host, which would close and redial
			// connections all run long.
			tr.MaxIdleConnsPerHost = s3IdleConnsPerHost
		})),
	}
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = defaultS3Region
	}
	if opts.Endpoint != "" && !strings.HasPrefix(opts.Endpoint, "http://") && !strings.HasPrefix(opts.Endpoint, "https://") {
		// The SDK would fail later with a far less obvious message.
		return nil, fmt.Errorf("endpoint %q must start with http:// or https://", opts.Endpoint)
	}

	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		// o.BaseEndpoint already holds what config loading found in
		// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / the shared config.
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		if opts.PathStyle != nil {
			o.UsePathStyle = *opts.PathStyle
		} else {
			o.UsePathStyle = o.BaseEndpoint != nil && *o.BaseEndpoint != ""
		}
		// Our retryer already carries MaxAttempts; AWS_MAX_ATTEMPTS would
		// otherwise wrap it and silently override the option.
		o.RetryMaxAttempts = 0
		// Ranged GETs (our resumes) carry no full-object checksum; the SDK
		// would log that on every one.
		o.DisableLogOutputChecksumValidationSkipped = true
		o.APIOptions = append(o.APIOptions, addBodyWatchdog(readTimeout))
	}), nil
}

// Locate returns the URL of key, for error messages and logs.
func (s *S3) Locate(key string) string { return s3URL(s.bucket, s.prefix+key) }

// String returns the store's root URL, with the prefix's trailing slash.
func (s *S3) String() string { return s3URL(s.bucket, s.prefix) }

// fullKey maps a relative key to the object key. Empty keys and keys with a
// leading slash are refused: they are almost always a path-joining bug, and
// "prefix//key" would be a different object than the caller meant.
func (s *S3) fullKey(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") {
		return "", fmt.Errorf("invalid object key %q under %s", key, s)
	}
	return s.prefix + key, nil
}

// List yields the objects whose relative keys start with prefix, in the
// ascending key order ListObjectsV2 returns, one page at a time, so memory
// stays flat however large the archive is. Keys are relative to the store's
// prefix and ETags have their quotes stripped.
func (s *S3) List(ctx context.Context, prefix string) iter.Seq2[ObjectInfo, error] {
	return func(yield func(ObjectInfo, error) bool) {
		in := &s3.ListObjectsV2Input{
			Bucket: aws.String(s.bucket),
			Prefix: aws.String(s.prefix + prefix),
		}
		if s.maxKeys > 0 {
			in.MaxKeys = aws.Int32(s.maxKeys)
		}
		// StopOnDuplicateToken turns a server that repeats its token into
		// an error instead of an endless loop.
		p := s3.NewListObjectsV2Paginator(s.client, in, func(o *s3.ListObjectsV2PaginatorOptions) {
			o.StopOnDuplicateToken = true
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(ObjectInfo{}, fmt.Errorf("list %s: %w", s.Locate(prefix), err))
				return
			}
			for _, obj := range page.Contents {
				key := aws.ToString(obj.Key)
				rel, ok := strings.CutPrefix(key, s.prefix)
				if !ok {
					yield(ObjectInfo{}, fmt.Errorf("list %s: server returned key %q outside the prefix", s.Locate(prefix), key))
					return
				}
				info := ObjectInfo{Key: rel, Size: aws.ToInt64(obj.Size), ETag: strings.Trim(aws.ToString(obj.ETag), `"`)}
				if !yield(info, nil) {
					return
				}
			}
		}
	}
}

// Put stores body at key, replacing any object there. A []byte body is
// seekable, so the SDK can checksum it and retry the upload as a whole.
func (s *S3) Put(ctx context.Context, key string, body []byte) error {
	full, err := s.fullKey(key)
	if err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(full),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
	})
	if err != nil {
		return fmt.Errorf("put %s: %w", s.Locate(key), err)
	}
	return nil
}

// Open starts a GetObject for key. It returns an error wrapping ErrNotExist
// when the object is gone. The reader uses ctx for its whole life (the body
// is read lazily) and is not safe for concurrent use.
//
// S3 sometimes cuts a long body mid-stream (connection reset, truncated
// body), and the SDK retries only until the headers arrive. So the reader
// resumes: it asks for the rest with a ranged GET "bytes=N-" and If-Match
// on the first response's ETag, so that a replaced object fails loudly
// (412) instead of splicing two versions. It gives up after maxS3Resumes
// attempts in a row that bring no new bytes, backing off between them.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	full, err := s.fullKey(key)
	if err != nil {
		return nil, err
	}
	r := &s3Reader{s: s, ctx: ctx, key: key, fullKey: full, size: -1}
	if err := r.get(); err != nil {
		return nil, err
	}
	return r, nil
}

// Delete removes objects by key relative to the store's root, 1000 per
// request; keys that do not exist count as deleted. Outputs use it to clear
// an aborted run, and jobs for files kept beside an S3 output outside its
// publication (the last failure).
func (s *S3) Delete(ctx context.Context, keys ...string) error {
	for batch := range slices.Chunk(keys, 1000) {
		ids := make([]types.ObjectIdentifier, 0, len(batch))
		for _, k := range batch {
			full, err := s.fullKey(k)
			if err != nil {
				return err
			}
			ids = append(ids, types.ObjectIdentifier{Key: aws.String(full)})
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(s.bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("delete %d objects under %s: %w", len(ids), s, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete under %s: %d objects not deleted, first %s: %s",
				s, len(out.Errors), aws.ToString(e.Key), aws.ToString(e.Message))
		}
	}
	return nil
}

// errStalled is the cancellation cause when a body sends nothing for
// ReadTimeout.
var errStalled = errors.New("no body bytes within the read timeout")

// s3Reader reads one object and resumes it when the connection fails.
type s3Reader struct {
	s       *S3
	ctx     context.Context
	key     string // relative, for Locate
	fullKey string
	etag    string // as the server sent it, quotes included: If-Match wants that
	size    int64  // whole object; -1 when the server did not say
	off     int64  // bytes handed to the caller so far

	body   io.ReadCloser
	gctx   context.Context         // the current GET's context
	cancel context.CancelCauseFunc // cancels the current GET

	failures int // resumes in a row that brought no bytes
	progress bool
	err      error // sticky terminal error
}

// get issues the GET for the bytes from r.off on: the whole object the
// first time, a ranged GET guarded by If-Match afterwards.
func (r *s3Reader) get() error {
	in := &s3.GetObjectInput{Bucket: aws.String(r.s.bucket), Key: aws.String(r.fullKey)}
	resume := r.off > 0 || r.etag != ""
	if resume {
		in.Range = aws.String("bytes=" + strconv.FormatInt(r.off, 10) + "-")
		in.IfMatch = aws.String(r.etag)
	}
	// A per-GET context lets the stall watchdog in Read abort just this
	// connection; the caller's ctx still cancels everything.
	gctx, cancel := context.WithCancelCause(r.ctx)
	out, err := r.s.client.GetObject(gctx, in)
	if err != nil {
		cancel(nil)
		if isNotFound(err) {
			return fmt.Errorf("open %s: %w (%w)", r.s.Locate(r.key), ErrNotExist, err)
		}
		if resume && isPreconditionFailed(err) {
			return fmt.Errorf("open %s: object changed while it was read (ETag %s no longer matches): %w", r.s.Locate(r.key), r.etag, err)
		}
		return fmt.Errorf("open %s: %w", r.s.Locate(r.key), err)
	}
	if resume {
		// A server that ignores Range would send the whole object again and
		// we would duplicate its head; check where the bytes start.
		start, ok := contentRangeStart(aws.ToString(out.ContentRange))
		if !ok || start != r.off {
			out.Body.Close()
			cancel(nil)
			return fmt.Errorf("open %s: resume at byte %d: server answered Content-Range %q", r.s.Locate(r.key), r.off, aws.ToString(out.ContentRange))
		}
	} else {
		r.etag = aws.ToString(out.ETag)
		if out.ContentLength != nil {
			r.size = *out.ContentLength
		}
	}
	r.body, r.gctx, r.cancel = out.Body, gctx, cancel
	return nil
}

// contentRangeStart parses the first byte position of "bytes 100-199/200".
func contentRangeStart(cr string) (int64, bool) {
	rest, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, false
	}
	first, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(first, 10, 64)
	return n, err == nil
}

func (r *s3Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if r.body == nil {
			if r.size >= 0 && r.off >= r.size {
				// The cut came after the last byte: nothing to resume.
				r.err = io.EOF
				return 0, io.EOF
			}
			if err := r.get(); err != nil {
				r.err = err
				return 0, err
			}
		}
		n, err := r.readBody(p)
		r.off += int64(n)
		if n > 0 {
			r.progress = true
		}
		if err == nil {
			return n, nil
		}
		if err == io.EOF {
			if r.size < 0 || r.off >= r.size {
				r.closeBody()
				r.err = io.EOF
				return n, io.EOF
			}
			// A clean EOF before Content-Length is a truncated body too.
			err = io.ErrUnexpectedEOF
		}
		r.closeBody()
		if cerr := r.ctx.Err(); cerr != nil {
			r.err = fmt.Errorf("read %s: %w", r.s.Locate(r.key), context.Cause(r.ctx))
			return n, r.err
		}
		if !resumable(err) || r.etag == "" {
			// Without an ETag, If-Match cannot guard the splice.
			r.err = fmt.Errorf("read %s at byte %d: %w", r.s.Locate(r.key), r.off, err)
			return n, r.err
		}
		if r.progress {
			r.failures, r.progress = 0, false
		}
		r.failures++
		if r.failures > maxS3Resumes {
			r.err = fmt.Errorf("read %s at byte %d: gave up after %d resumes: %w", r.s.Locate(r.key), r.off, maxS3Resumes, err)
			return n, r.err
		}
		if n > 0 {
			// Hand over what we have; the next Read resumes.
			return n, nil
		}
		if err := sleepCtx(r.ctx, resumeBackoff(r.failures)); err != nil {
			r.err = fmt.Errorf("read %s: %w", r.s.Locate(r.key), err)
			return 0, r.err
		}
	}
}

// readBody reads from the current body with a watchdog: if no bytes come
// for readTimeout, the GET's context is cancelled, which unblocks the read.
func (r *s3Reader) readBody(p []byte) (int, error) {
	cancel := r.cancel
	t := time.AfterFunc(r.s.readTimeout, func() { cancel(errStalled) })
	n, err := r.body.Read(p)
	t.Stop()
	// Ask the context rather than the timer: the watchdog may fire just
	// after a successful read, and then the next read fails instead.
	if err != nil && r.ctx.Err() == nil && errors.Is(context.Cause(r.gctx), errStalled) {
		err = fmt.Errorf("%w: %w", errStalled, err)
	}
	return n, err
}

func (r *s3Reader) closeBody() {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
	if r.cancel != nil {
		r.cancel(nil)
		r.gctx, r.cancel = nil, nil
	}
}

// Close releases the connection. It is safe to call more than once.
func (r *s3Reader) Close() error {
	r.closeBody()
	if r.err == nil {
		r.err = fmt.Errorf("read %s: reader closed", r.s.Locate(r.key))
	}
	return nil
}

// resumable reports whether a body read error is a broken transfer worth a
// ranged retry, as opposed to e.g. a checksum mismatch, which a retry of
// the rest cannot fix.
func resumable(err error) bool {
	if errors.Is(err, errStalled) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var rt *awshttp.ResponseTimeoutError
	if errors.As(err, &rt) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// resumeBackoff is exponential with full jitter: 100ms, 200ms, ... capped
// at 5s, so resumes of many readers cut at once do not arrive together.
func resumeBackoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt-1, 6)
	d = min(d, 5*time.Second)
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// retryBrokenBody makes a response body that broke off (cut short, or
// stalled past the read timeout) retryable. The transport only retries
// failures up to the response headers; a ListObjectsV2 page cut mid-XML
// would otherwise fail the job on the first attempt.
func retryBrokenBody(err error) aws.Ternary {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errStalled) {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// addBodyWatchdog gives the response body of every operation but GetObject
// a read timeout: the transport's ResponseHeaderTimeout ends at the
// headers, and a body that goes silent would hang the operation forever.
// Each attempt gets its own context, cancelled when no bytes come for
// timeout; the read then fails with errStalled, which retryBrokenBody
// retries. GetObject's body is watched by Open's reader instead.
func addBodyWatchdog(timeout time.Duration) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("wiretapBodyWatchdog",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				if awsmiddleware.GetOperationName(ctx) == "GetObject" {
					return next.HandleDeserialize(ctx, in)
				}
				actx, cancel := context.WithCancelCause(ctx)
				out, md, err := next.HandleDeserialize(actx, in)
				resp, ok := out.RawResponse.(*smithyhttp.Response)
				if err != nil || !ok || resp.Body == nil {
					cancel(nil)
					return out, md, err
				}
				resp.Body = &watchedBody{body: resp.Body, ctx: actx, cancel: cancel, timeout: timeout}
				return out, md, err
			}), middleware.After)
	}
}

// watchedBody cancels its request when a Read waits longer than timeout.
type watchedBody struct {
	body    io.ReadCloser
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timeout time.Duration
}

func (b *watchedBody) Read(p []byte) (int, error) {
	t := time.AfterFunc(b.timeout, func() { b.cancel(errStalled) })
	n, err := b.body.Read(p)
	t.Stop()
	if err != nil && err != io.EOF && errors.Is(context.Cause(b.ctx), errStalled) {
		err = fmt.Errorf("%w: %w", errStalled, err)
	}
	return n, err
}

func (b *watchedBody) Close() error {
	err := b.body.Close()
	b.cancel(nil)
	return err
}

// isNotFound reports a missing object. A missing bucket (NoSuchBucket, also
// a 404) is a configuration error, not a vanished object, so it does not
// count.
func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return true
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return true
		case "NoSuchBucket":
			return false
		}
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

func isPreconditionFailed(err error) bool {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusPreconditionFailed {
		return true
	}
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "PreconditionFailed"
}
