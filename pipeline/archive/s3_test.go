package archive

import (
	"github.com/wiretap-hq/wiretap/internal/testutil/s3test"

	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// The S3 tests run against a real S3 server (scripts/s3server.sh starts
// versitygw): a hand-written mock would agree with our own reading of the
// API rather than with a server's.

// newTestS3 opens rawURL on the test server (or on endpoint, e.g. a proxy).
func newTestS3(t *testing.T, endpoint, rawURL string, opts S3Options) *S3 {
	t.Helper()
	opts.Endpoint = endpoint
	s, err := NewS3(t.Context(), mustLocation(t, rawURL), opts)
	if err != nil {
		t.Fatalf("NewS3(%q): %v", rawURL, err)
	}
	return s
}

// countCalls makes s count its calls of operation op, so a test can see
// that List really paged.
func countCalls(s *S3, op string) *atomic.Int64 {
	n := new(atomic.Int64)
	s.client = s3.New(s.client.(*s3.Client).Options(), func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("wiretapCountCalls",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					if awsmiddleware.GetOperationName(ctx) == op {
						n.Add(1)
					}
					return next.HandleInitialize(ctx, in)
				}), middleware.After)
		})
	})
	return n
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func TestS3ListPaginates(t *testing.T) {
	t.Parallel()
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)

	// 3 hours x 400 objects: more than one default page (1000 keys).
	objects := map[string][]byte{}
	for h := 10; h < 13; h++ {
		for i := range 400 {
			t0 := time.Date(2016, 11, 18, h, i/60, i%60, 0, time.UTC)
			key := ObjectKey("", "slack-wiretap", 1, t0, fmt.Sprintf("%08d-aa1b-4c8e-9a1e-2f0c4b7c9d10", i), false)
			objects[key] = fmt.Appendf(nil, `{"ts":"%d.%06d","text":"hour %d msg %d"}`+"\n", t0.Unix(), i, h, i)
		}
	}
	archive := newTestS3(t, ep, "s3://"+bucket+"/archive/slack/", S3Options{})
	s3test.PutAll(t, archive, objects)

	// Neighbours of the prefix that List must not return: a sibling whose
	// name starts with the same characters, and the bucket root.
	root := newTestS3(t, ep, "s3://"+bucket, S3Options{})
	for _, k := range []string{"archive/slack-errors/2016/11/18/10/x", "archive/slac", "top"} {
		if err := root.Put(t.Context(), k, []byte("other")); err != nil {
			t.Fatal(err)
		}
	}

	wantKeys := slices.Sorted(func(yield func(string) bool) {
		for k := range objects {
			if !yield(k) {
				return
			}
		}
	})

	for _, tc := range []struct {
		maxKeys          int32 // 0: server default
		pages, hourPages int64
	}{{0, 2, 1}, {1000, 2, 1}, {97, 13, 5}} {
		t.Run(fmt.Sprintf("maxKeys=%d", tc.maxKeys), func(t *testing.T) {
			s := *archive
			s.maxKeys = tc.maxKeys
			pages := countCalls(&s, "ListObjectsV2")
			infos := s3test.Collect(t, s.List(t.Context(), ""))
			if got := pages.Swap(0); got != tc.pages {
				t.Errorf("listing %d keys took %d pages, want %d", len(infos), got, tc.pages)
			}
			var got []string
			for _, info := range infos {
				got = append(got, info.Key)
				body := objects[info.Key]
				if info.Size != int64(len(body)) {
					t.Errorf("%s: Size %d, want %d", info.Key, info.Size, len(body))
				}
				if want := md5hex(body); info.ETag != want {
					t.Errorf("%s: ETag %q, want %q (unquoted MD5)", info.Key, info.ETag, want)
				}
			}
			if !reflect.DeepEqual(got, wantKeys) {
				t.Fatalf("List returned %d keys, want %d in ascending order; first got %q", len(got), len(wantKeys), got[:min(3, len(got))])
			}

			hour := HourPrefix("", time.Date(2016, 11, 18, 11, 0, 0, 0, time.UTC))
			var gotHour, wantHour []string
			for _, info := range s3test.Collect(t, s.List(t.Context(), hour)) {
				gotHour = append(gotHour, info.Key)
			}
			for _, k := range wantKeys {
				if strings.HasPrefix(k, hour) {
					wantHour = append(wantHour, k)
				}
			}
			if len(wantHour) != 400 || !reflect.DeepEqual(gotHour, wantHour) {
				t.Fatalf("List(%q): got %d keys, want the hour's %d in order", hour, len(gotHour), len(wantHour))
			}
			if got := pages.Load(); got != tc.hourPages {
				t.Errorf("listing one hour took %d pages, want %d", got, tc.hourPages)
			}
		})
	}

	t.Run("early break", func(t *testing.T) {
		s := *archive
		s.maxKeys = 10
		n := 0
		for _, err := range s.List(t.Context(), "") {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 15 {
				break
			}
		}
		if n != 15 {
			t.Fatalf("stopped after %d, want 15", n)
		}
	})

	t.Run("bucket root", func(t *testing.T) {
		var got []string
		for _, info := range s3test.Collect(t, root.List(t.Context(), "archive/slac")) {
			if !strings.HasPrefix(info.Key, "archive/slack/") {
				got = append(got, info.Key)
			}
		}
		want := []string{"archive/slac", "archive/slack-errors/2016/11/18/10/x"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("root List outside archive/slack/: got %q, want %q", got, want)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		var err error
		for _, err = range archive.List(ctx, "") {
			break
		}
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "s3://"+bucket+"/archive/slack/") {
			t.Fatalf("List with cancelled ctx: %v, want context.Canceled naming the URL", err)
		}
	})
}

func TestS3PutOpen(t *testing.T) {
	t.Parallel()
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)
	s := newTestS3(t, ep, "s3://"+bucket+"/slack", S3Options{}) // no trailing slash: still a folder
	ctx := t.Context()

	if got, want := s.String(), "s3://"+bucket+"/slack/"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	key := "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-5b1b6c48-aa1b-4c8e-9a1e-2f0c4b7c9d10"
	if got, want := s.Locate(key), "s3://"+bucket+"/slack/"+key; got != want {
		t.Errorf("Locate() = %q, want %q", got, want)
	}

	body := bytes.Repeat([]byte(`{"type":"message","text":"hello"}`+"\n"), 1000)
	if err := s.Put(ctx, key, body); err != nil {
		t.Fatal(err)
	}
	// The object lands under the URL's prefix.
	root := newTestS3(t, ep, "s3://"+bucket, S3Options{})
	infos := s3test.Collect(t, root.List(ctx, ""))
	if len(infos) != 1 || infos[0].Key != "slack/"+key {
		t.Fatalf("bucket holds %v, want only slack/%s", infos, key)
	}

	rc, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("read back %d bytes, want the %d put", len(got), len(body))
	}

	// Put replaces.
	if err := s.Put(ctx, key, []byte("v2")); err != nil {
		t.Fatal(err)
	}
	if got := s3test.ReadAll(t, s, key); string(got) != "v2" {
		t.Fatalf("after replace read %q, want v2", got)
	}
	// An empty object is an object.
	if err := s.Put(ctx, "empty", nil); err != nil {
		t.Fatal(err)
	}
	if got := s3test.ReadAll(t, s, "empty"); len(got) != 0 {
		t.Fatalf("empty object read %q", got)
	}

	t.Run("missing key", func(t *testing.T) {
		_, err := s.Open(ctx, "2016/11/18/10/nope")
		if !errors.Is(err, ErrNotExist) {
			t.Fatalf("Open(missing) = %v, want ErrNotExist", err)
		}
		if want := s.Locate("2016/11/18/10/nope"); !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	})

	t.Run("missing bucket is not ErrNotExist", func(t *testing.T) {
		nb := newTestS3(t, ep, "s3://"+bucket+"-gone", S3Options{MaxAttempts: 1})
		_, err := nb.Open(ctx, "x")
		if err == nil || errors.Is(err, ErrNotExist) {
			t.Fatalf("Open in missing bucket = %v, want an error other than ErrNotExist", err)
		}
		if err := nb.Put(ctx, "x", []byte("x")); err == nil || !strings.Contains(err.Error(), "s3://"+bucket+"-gone/x") {
			t.Fatalf("Put in missing bucket = %v, want an error naming the URL", err)
		}
	})

	t.Run("invalid keys", func(t *testing.T) {
		for _, k := range []string{"", "/abs"} {
			if err := s.Put(ctx, k, []byte("x")); err == nil {
				t.Errorf("Put(%q) succeeded", k)
			}
			if _, err := s.Open(ctx, k); err == nil {
				t.Errorf("Open(%q) succeeded", k)
			}
		}
	})
}

func TestS3OpenResumes(t *testing.T) {
	t.Parallel()
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)
	direct := newTestS3(t, ep, "s3://"+bucket+"/p/", S3Options{})

	body := make([]byte, 3<<20)
	rand.Read(body)
	const key = "2016/11/18/10/big"
	if err := direct.Put(t.Context(), key, body); err != nil {
		t.Fatal(err)
	}
	const cutAfter = 100_000

	for _, mode := range []string{"fin", "reset", "stall"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			proxy := s3test.NewFaultProxy(t, ep, cutAfter, mode)
			s := newTestS3(t, proxy.URL(), "s3://"+bucket+"/p/", S3Options{ReadTimeout: 500 * time.Millisecond})
			start := time.Now()
			got := s3test.ReadAll(t, s, key)
			if !bytes.Equal(got, body) {
				t.Fatalf("read %d bytes (md5 %s), want the %d put (md5 %s)", len(got), md5hex(got), len(body), md5hex(body))
			}
			conns, reqs := proxy.Stats()
			if conns < 2 || len(reqs) < 2 {
				t.Fatalf("proxy saw %d connections and %d requests, want a resume on a second one", conns, len(reqs))
			}
			resume := reqs[len(reqs)-1]
			if !regexp.MustCompile(`(?mi)^If-Match: "?` + md5hex(body) + `"?\r?$`).MatchString(resume) {
				t.Errorf("resume request lacks If-Match on the ETag:\n%s", resume)
			}
			m := regexp.MustCompile(`(?mi)^Range: bytes=(\d+)-\r?$`).FindStringSubmatch(resume)
			if m == nil {
				t.Fatalf("resume request has no open-ended Range:\n%s", resume)
			}
			// With a clean close the client saw exactly cutAfter bytes; a
			// reset may drop some the kernel had buffered.
			if mode != "reset" && m[1] != fmt.Sprint(cutAfter) {
				t.Errorf("resumed at byte %s, want %d", m[1], cutAfter)
			}
			if mode == "stall" && time.Since(start) > 10*time.Second {
				t.Errorf("stall took %v to detect with a 500ms ReadTimeout", time.Since(start))
			}
		})
	}
}

func TestS3OpenObjectReplacedMidRead(t *testing.T) {
	t.Parallel()
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)
	direct := newTestS3(t, ep, "s3://"+bucket, S3Options{})
	body := make([]byte, 1<<20)
	rand.Read(body)
	if err := direct.Put(t.Context(), "obj", body); err != nil {
		t.Fatal(err)
	}
	proxy := s3test.NewFaultProxy(t, ep, 50_000, "fin")
	s := newTestS3(t, proxy.URL(), "s3://"+bucket, S3Options{})
	rc, err := s.Open(t.Context(), "obj")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	// Replace the object before the reader reaches the cut and resumes:
	// splicing the new version's tail onto the old head would be silent
	// corruption.
	if err := direct.Put(t.Context(), "obj", []byte("a different object")); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rc)
	if err == nil || !strings.Contains(err.Error(), "changed") || !strings.Contains(err.Error(), "s3://"+bucket+"/obj") {
		t.Fatalf("reading a replaced object: %v, want an error saying it changed, naming the URL", err)
	}
}

func TestS3OpenCancelled(t *testing.T) {
	t.Parallel()
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)
	direct := newTestS3(t, ep, "s3://"+bucket, S3Options{})
	if err := direct.Put(t.Context(), "obj", make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	// A stalled body and a cancelled ctx: the reader must return the
	// cancellation, not resume.
	proxy := s3test.NewFaultProxy(t, ep, 1000, "stall")
	s := newTestS3(t, proxy.URL(), "s3://"+bucket, S3Options{ReadTimeout: time.Minute})
	ctx, cancel := context.WithCancel(t.Context())
	rc, err := s.Open(ctx, "obj")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err = io.ReadAll(rc)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v, want context.Canceled", err)
	}
	if conns, _ := proxy.Stats(); conns != 1 {
		t.Errorf("proxy saw %d connections, want no resume after cancel", conns)
	}
}

// TestS3Options checks NewS3's defaults without a server.
func TestS3Options(t *testing.T) {
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_MAX_ATTEMPTS", "AWS_CONFIG_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", os.DevNull) // ignore the developer's ~/.aws/config
	ctx := t.Context()

	s, err := NewS3(ctx, mustLocation(t, "s3://bucket/x/"), S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := s.client.(*s3.Client).Options()
	if o.UsePathStyle || o.BaseEndpoint != nil {
		t.Errorf("AWS default: UsePathStyle=%v BaseEndpoint=%v, want virtual-hosted, no endpoint", o.UsePathStyle, o.BaseEndpoint)
	}
	if o.Region != "us-east-1" {
		t.Errorf("fallback region %q, want us-east-1", o.Region)
	}
	if got := o.Retryer.MaxAttempts(); got != 10 {
		t.Errorf("MaxAttempts %d, want 10", got)
	}

	t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:1")
	t.Setenv("AWS_REGION", "eu-west-3")
	s, err = NewS3(ctx, mustLocation(t, "s3://bucket"), S3Options{MaxAttempts: 4})
	if err != nil {
		t.Fatal(err)
	}
	o = s.client.(*s3.Client).Options()
	if !o.UsePathStyle || aws.ToString(o.BaseEndpoint) != "http://127.0.0.1:1" || o.Region != "eu-west-3" || o.Retryer.MaxAttempts() != 4 {
		t.Errorf("from env: UsePathStyle=%v BaseEndpoint=%q Region=%q MaxAttempts=%d", o.UsePathStyle, aws.ToString(o.BaseEndpoint), o.Region, o.Retryer.MaxAttempts())
	}

	s, err = NewS3(ctx, mustLocation(t, "s3://bucket"), S3Options{Endpoint: "http://127.0.0.1:2", PathStyle: aws.Bool(false), Region: "ap-south-1"})
	if err != nil {
		t.Fatal(err)
	}
	o = s.client.(*s3.Client).Options()
	if o.UsePathStyle || aws.ToString(o.BaseEndpoint) != "http://127.0.0.1:2" || o.Region != "ap-south-1" {
		t.Errorf("explicit: UsePathStyle=%v BaseEndpoint=%q Region=%q", o.UsePathStyle, aws.ToString(o.BaseEndpoint), o.Region)
	}

	if _, err := NewS3(ctx, mustLocation(t, "s3://bucket"), S3Options{Endpoint: "127.0.0.1:9000"}); err == nil {
		t.Error("endpoint without scheme accepted")
	}
}

// TestS3SharedClient checks that stores opened with S3Options.Client use
// that one client rather than building their own, and work through it.
func TestS3SharedClient(t *testing.T) {
	t.Parallel()
	ep := s3test.Endpoint(t)
	bucket := s3test.NewBucket(t, ep)
	client, err := NewS3Client(t.Context(), S3Options{Endpoint: ep})
	if err != nil {
		t.Fatal(err)
	}
	opts := S3Options{Client: client}
	a, err := NewS3(t.Context(), mustLocation(t, "s3://"+bucket+"/a/"), opts)
	if err != nil {
		t.Fatal(err)
	}
	root, err := NewS3(t.Context(), mustLocation(t, "s3://"+bucket), opts)
	if err != nil {
		t.Fatal(err)
	}
	if a.client != S3API(client) || root.client != S3API(client) {
		t.Fatal("a store built its own client")
	}
	if err := a.Put(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if got := string(s3test.ReadAll(t, root, "a/k")); got != "v" {
		t.Errorf("read %q through the shared client, want %q", got, "v")
	}
}
