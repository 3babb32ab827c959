package archive

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"
)

// mustLocation parses a location the test spells out.
func mustLocation(tb testing.TB, raw string) Location {
	tb.Helper()
	l, err := ParseLocation(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func TestParseLocation(t *testing.T) {
	tests := []struct {
		Name, Input         string
		S3                  bool
		Bucket, Prefix, Key string
		Path                string
		Error               string // substring; "" means no error
	}{
		{Name: "bucket", Input: "s3://my-bucket", S3: true, Bucket: "my-bucket"},
		{Name: "bucket slash", Input: "s3://my-bucket/", S3: true, Bucket: "my-bucket"},
		{Name: "prefix", Input: "s3://my-bucket/some/prefix/", S3: true, Bucket: "my-bucket", Prefix: "some/prefix/", Key: "some/prefix"},
		{Name: "prefix without slash", Input: "s3://my-bucket/slack", S3: true, Bucket: "my-bucket", Prefix: "slack/", Key: "slack"},
		{Name: "object", Input: "s3://my-bucket/roster.csv", S3: true, Bucket: "my-bucket", Prefix: "roster.csv/", Key: "roster.csv"},
		{Name: "hive prefix", Input: "s3://b.example.com/dt=2016-11-18/", S3: true, Bucket: "b.example.com", Prefix: "dt=2016-11-18/", Key: "dt=2016-11-18"},
		{Name: "relative path", Input: "out", Path: "out"},
		{Name: "absolute path", Input: "/srv/wiretap/out/", Path: "/srv/wiretap/out/"},
		{Name: "path with a colon", Input: "./a:b", Path: "./a:b"},
		{Name: "file URL", Input: "file:///srv/out", Path: "/srv/out"},
		{Name: "file URL localhost", Input: "file://localhost/srv/out", Path: "/srv/out"},
		{Name: "file URL escaped", Input: "file:///srv/my%20out", Path: "/srv/my out"},
		{Name: "empty", Input: "", Error: "empty location"},
		{Name: "https", Input: "https://my-bucket.s3.amazonaws.com/x", Error: "want a folder, file:// or s3://"},
		{Name: "gs", Input: "gs://bucket/out", Error: "want a folder, file:// or s3://"},
		{Name: "upper-case scheme", Input: "S3://bucket/out", Error: "want a folder, file:// or s3://"},
		{Name: "file URL host", Input: "file://server/srv/out", Error: "not host"},
		{Name: "file URL no path", Input: "file://", Error: "want file:///path"},
		{Name: "file URL query", Input: "file:///srv/out?x=1", Error: "want file:///path"},
		{Name: "file URL bad escape", Input: "file:///srv/%zz", Error: "invalid URL escape"},
		{Name: "no bucket", Input: "s3:///x", Error: "no bucket"},
		{Name: "scheme only", Input: "s3://", Error: "no bucket"},
		{Name: "upper case", Input: "s3://My-Bucket", Error: "lowercase"},
		{Name: "too short", Input: "s3://ab", Error: "3 to 63"},
		{Name: "too long", Input: "s3://" + strings.Repeat("a", 64), Error: "3 to 63"},
		{Name: "underscore", Input: "s3://my_bucket", Error: "lowercase"},
		{Name: "port", Input: "s3://my-bucket:9000/x", Error: "lowercase"},
		{Name: "trailing dash", Input: "s3://my-bucket-", Error: "begin and end"},
		{Name: "double dot", Input: "s3://my..bucket", Error: "adjacent periods"},
		{Name: "double slash", Input: "s3://my-bucket//x", Error: "starts with a slash"},
		{Name: "empty segment", Input: "s3://my-bucket/a//b", Error: "empty, . or .. segment"},
		{Name: "dot dot", Input: "s3://my-bucket/a/../b/", Error: "empty, . or .. segment"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			l, err := ParseLocation(tt.Input)
			if tt.Error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.Error) || !strings.Contains(err.Error(), tt.Input) {
					t.Fatalf("ParseLocation(%q) error %v, want one containing %q and the value", tt.Input, err, tt.Error)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseLocation(%q): %v", tt.Input, err)
			}
			got := []any{l.IsS3(), l.Bucket(), l.Prefix(), l.Key(), l.Path(), l.String()}
			want := []any{tt.S3, tt.Bucket, tt.Prefix, tt.Key, tt.Path, tt.Input}
			if !tt.S3 {
				want[2], want[3] = tt.Path, strings.TrimSuffix(tt.Path, "/") // Prefix and Key mean nothing locally
				if !strings.HasSuffix(tt.Path, "/") {
					want[2] = tt.Path + "/"
				}
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("ParseLocation(%q): IsS3, Bucket, Prefix, Key, Path, String\ngot  %q\nwant %q", tt.Input, got, want)
				}
			}
		})
	}
}

func TestLocationJoin(t *testing.T) {
	tests := []struct {
		Base  string
		Elem  []string
		Want  string
		Local bool
	}{
		{Base: "s3://bucket", Elem: []string{"_state/nightly.json"}, Want: "s3://bucket/_state/nightly.json"},
		{Base: "s3://bucket/", Elem: []string{"_state/nightly.json"}, Want: "s3://bucket/_state/nightly.json"},
		{Base: "s3://bucket/out", Elem: []string{"_state", "nightly.json"}, Want: "s3://bucket/out/_state/nightly.json"},
		{Base: "s3://bucket/out/", Elem: []string{"shards", "1-of-4/"}, Want: "s3://bucket/out/shards/1-of-4/"},
		{Base: "out", Elem: []string{"_state/nightly.json"}, Want: filepath.Join("out", "_state", "nightly.json"), Local: true},
		{Base: "file:///srv/out", Elem: []string{"manifest.json"}, Want: filepath.Join("/srv/out", "manifest.json"), Local: true},
	}
	for _, tt := range tests {
		got := mustLocation(t, tt.Base).Join(tt.Elem...)
		if got.String() != tt.Want || got.IsS3() == tt.Local {
			t.Errorf("%q.Join(%q) = %q (S3 %v), want %q", tt.Base, tt.Elem, got, got.IsS3(), tt.Want)
		}
		if tt.Local {
			continue
		}
		again, err := ParseLocation(got.String())
		if err != nil || again != got {
			t.Errorf("%q.Join(%q) = %#v, which parses back as %#v, %v", tt.Base, tt.Elem, got, again, err)
		}
	}
}

// TestLocationFlag checks Location as a flag.Value: parsed when set, the
// error naming the value, and an empty value meaning none.
func TestLocationFlag(t *testing.T) {
	var src, out Location
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	fs.Var(&src, "source", "")
	fs.Var(&out, "out", "")
	if err := fs.Parse([]string{"--source", "s3://archive/slack", "--out", ""}); err != nil {
		t.Fatal(err)
	}
	if !src.IsS3() || src.Prefix() != "slack/" || !out.IsZero() {
		t.Errorf("parsed %#v and %#v", src, out)
	}
	err := fs.Parse([]string{"--out", "gs://x/y"})
	if err == nil || !strings.Contains(err.Error(), `"gs://x/y"`) || !strings.Contains(err.Error(), "-out") {
		t.Errorf("bad --out: %v, want an error naming the flag and the value", err)
	}
}

func TestS3Location(t *testing.T) {
	l, err := S3Location("bucket", "a/b.json")
	if err != nil || l.String() != "s3://bucket/a/b.json" || l.Key() != "a/b.json" {
		t.Errorf("S3Location = %#v, %v", l, err)
	}
	if _, err := S3Location("Bad_Bucket", ""); err == nil {
		t.Error("S3Location accepted an invalid bucket name")
	}
	if LocalLocation("gs://x").IsS3() || LocalLocation("gs://x").Path() != "gs://x" {
		t.Error("LocalLocation parsed its path")
	}
}

// FuzzParseLocation feeds ParseLocation arbitrary text, as flags and
// environment variables do: it must never panic, and what it accepts must
// keep its spelling, format back to itself and agree with a re-parse.
func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"s3://bucket", "s3://bucket/a/b/", "file:///x", "file://localhost/x", "./out", "", "s3://", "s3:///x",
		"s3://b..c/x", "gs://x", "file://h/x", "file:///%zz", "s3://bucket//x", "/a://b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		l, err := ParseLocation(raw)
		if err != nil {
			if !l.IsZero() {
				t.Fatalf("ParseLocation(%q) failed but returned %#v", raw, l)
			}
			return
		}
		if l.String() != raw || l.IsZero() {
			t.Fatalf("ParseLocation(%q).String() = %q", raw, l.String())
		}
		again, err := ParseLocation(l.String())
		if err != nil || again != l {
			t.Fatalf("ParseLocation(%q) = %#v, re-parsed as %#v, %v", raw, l, again, err)
		}
		if !l.IsS3() {
			return
		}
		if f, err := S3Location(l.Bucket(), l.Key()); err != nil || f.Bucket() != l.Bucket() || f.Key() != l.Key() {
			t.Fatalf("%q: formatted back as %#v, %v", raw, f, err)
		}
		if j := l.Join("x"); j.Bucket() != l.Bucket() || j.Key() != l.Prefix()+"x" {
			t.Fatalf("%q.Join(x) = %#v", raw, j)
		}
	})
}
