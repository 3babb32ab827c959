package archive

import (
	"encoding"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"
)

// s3Scheme starts every S3 location. ParseLocation and s3URL are the only
// places that know it: every other part of the program asks a Location.
const s3Scheme = "s3://"

// fileScheme starts a local location written as a URL.
const fileScheme = "file://"

// Location is where a job reads or writes: a local path, or an S3 bucket
// and key. It is parsed once, where the text comes in (a flag, an
// environment variable), so that the rest of the program never re-reads
// the text and every part agrees on what it means. A location may name a
// folder (an archive, an output) or a file (a roster, an opt-out list, the
// nightly state); the methods that need one or the other say so.
//
// The zero Location is "none given". It implements flag.Value.
type Location struct {
	raw    string // as given, for messages and the manifests that record it
	bucket string // non-empty for S3
	key    string // S3: the key or key prefix, as given; local: the path
}

var (
	_ flag.Value               = (*Location)(nil)
	_ encoding.TextMarshaler   = Location{}
	_ encoding.TextUnmarshaler = (*Location)(nil)
)

// ParseLocation reads the three spellings of a location:
//
//	s3://bucket[/prefix]   an S3 bucket and key (prefix) below it
//	file:///path           a local path, as a URL (host empty or localhost)
//	path                   a local path
//
// Other schemes are refused, and so are S3 bucket names that S3 itself
// would refuse, so that a typo fails at startup with a message naming the
// value rather than as a signature or DNS error on the first request.
func ParseLocation(raw string) (Location, error) {
	switch {
	case raw == "":
		return Location{}, errors.New("empty location: want a folder, file:// or s3:// location")
	case strings.HasPrefix(raw, s3Scheme):
		bucket, key, err := parseS3(raw)
		if err != nil {
			return Location{}, err
		}
		return Location{raw: raw, bucket: bucket, key: key}, nil
	case strings.HasPrefix(raw, fileScheme):
		u, err := url.Parse(raw)
		if err != nil {
			return Location{}, fmt.Errorf("location %q: %w", raw, err)
		}
		if u.Host != "" && u.Host != "localhost" {
			return Location{}, fmt.Errorf("location %q: a file:// URL names a path on this machine, not host %q (file:///path)", raw, u.Host)
		}
		if u.Path == "" || u.RawQuery != "" || u.Fragment != "" {
			return Location{}, fmt.Errorf("location %q: want file:///path", raw)
		}
		return Location{raw: raw, key: u.Path}, nil
	case strings.Contains(raw, "://"):
		return Location{}, fmt.Errorf("location %q: want a folder, file:// or s3:// location", raw)
	}
	return Location{raw: raw, key: raw}, nil
}

// parseS3 splits "s3://bucket[/prefix]" into the bucket and what follows it.
func parseS3(raw string) (bucket, key string, err error) {
	rest, _ := strings.CutPrefix(raw, s3Scheme)
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("location %q: no bucket name", raw)
	}
	if err := validBucketName(bucket); err != nil {
		return "", "", fmt.Errorf("location %q: %w", raw, err)
	}
	if strings.HasPrefix(key, "/") {
		return "", "", fmt.Errorf("location %q: key starts with a slash (double slash after the bucket?)", raw)
	}
	// An empty, "." or ".." segment is almost always a joining bug, and
	// would name another object than the one meant.
	for _, seg := range strings.Split(strings.TrimSuffix(key, "/"), "/") {
		if key != "" && (seg == "" || seg == "." || seg == "..") {
			return "", "", fmt.Errorf("location %q: key holds an empty, . or .. segment", raw)
		}
	}
	return bucket, key, nil
}

// s3URL formats the URL of an S3 bucket and key.
func s3URL(bucket, key string) string { return s3Scheme + bucket + "/" + key }

// LocalLocation is the location of a local path that is already known to
// be one (a folder the program made, a test's temporary folder): it is not
// parsed, so a path that happens to hold "://" stays a path.
func LocalLocation(p string) Location { return Location{raw: p, key: p} }

// S3Location is the location of key (a prefix or an object) in bucket,
// checked as ParseLocation checks an s3:// URL.
func S3Location(bucket, key string) (Location, error) {
	return ParseLocation(s3URL(bucket, key))
}

// IsZero reports whether no location was given.
func (l Location) IsZero() bool { return l.raw == "" }

// IsS3 reports whether l is on S3 rather than on this machine.
func (l Location) IsS3() bool { return l.bucket != "" }

// String returns the location as it was given (or as Join built it), so
// that messages and manifests show what the operator wrote.
func (l Location) String() string { return l.raw }

// Set parses s into l: Location is a flag.Value. An empty value leaves no
// location, like an unset flag.
func (l *Location) Set(s string) error {
	if s == "" {
		*l = Location{}
		return nil
	}
	v, err := ParseLocation(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// MarshalText returns the location as given, so that logs and JSON show
// it as text.
func (l Location) MarshalText() ([]byte, error) { return []byte(l.raw), nil }

// UnmarshalText parses text as Set does.
func (l *Location) UnmarshalText(text []byte) error { return l.Set(string(text)) }

// Bucket returns the S3 bucket; "" for a local location.
func (l Location) Bucket() string { return l.bucket }

// Prefix returns the key prefix an S3 folder location names: "" for the
// whole bucket, else ending with "/", so that "s3://b/slack" and
// "s3://b/slack/" both hold the keys below "slack/".
func (l Location) Prefix() string {
	if l.key == "" || strings.HasSuffix(l.key, "/") {
		return l.key
	}
	return l.key + "/"
}

// Key returns the object key an S3 file location names, without the
// trailing slash a folder would have; "" for the bucket itself.
func (l Location) Key() string { return strings.TrimSuffix(l.key, "/") }

// Path returns the local path; "" for an S3 location.
func (l Location) Path() string {
	if l.IsS3() {
		return ""
	}
	return l.key
}

// Join returns the location of the slash-separated name below the folder
// l: an S3 key below its prefix, or a local path below its folder.
func (l Location) Join(elem ...string) Location {
	name := path.Join(elem...)
	if l.IsS3() {
		key := l.Prefix() + name
		if len(elem) > 0 && strings.HasSuffix(elem[len(elem)-1], "/") && !strings.HasSuffix(key, "/") {
			key += "/" // a folder stays one
		}
		return Location{raw: s3URL(l.bucket, key), bucket: l.bucket, key: key}
	}
	return LocalLocation(filepath.Join(l.key, filepath.FromSlash(name)))
}
