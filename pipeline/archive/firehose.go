package archive

import (
	"fmt"
	"strings"
	"time"
)

// HourLayout is the layout of Firehose's default UTC hour prefix.
const HourLayout = "2006/01/02/15/"

// HourPrefix returns the key prefix Firehose files the objects of hour t
// under, after the stream's custom prefix.
func HourPrefix(prefix string, t time.Time) string {
	return prefix + t.UTC().Format(HourLayout)
}

// ObjectKey returns the key Firehose gives an object of the stream delivered
// at t: the hour prefix, then
// <stream>-<version>-<YYYY>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid>[.gz].
func ObjectKey(prefix, stream string, version int, t time.Time, uuid string, gzipped bool) string {
	t = t.UTC()
	ext := ""
	if gzipped {
		ext = ".gz"
	}
	return fmt.Sprintf("%s%s-%d-%s-%s%s", HourPrefix(prefix, t), stream, version,
		t.Format("2006-01-02-15-04-05"), uuid, ext)
}

// FirehoseObject is what a key tells about a Firehose object.
type FirehoseObject struct {
	Hour    time.Time // the hour of the prefix: arrival time of the oldest record
	Stream  string    // delivery stream name
	Gzipped bool
}

// ParseObjectKey recognises a Firehose object key below prefix. ok is false
// for anything else: error-output objects, manifests, stray files, keys whose
// hour prefix and file-name time disagree.
func ParseObjectKey(prefix, key string) (obj FirehoseObject, ok bool) {
	rest, found := strings.CutPrefix(key, prefix)
	if !found || len(rest) < len(HourLayout)+1 {
		return obj, false
	}
	hour, err := time.Parse(HourLayout, rest[:len(HourLayout)])
	if err != nil {
		return obj, false
	}
	name := rest[len(HourLayout):]
	if strings.ContainsRune(name, '/') || strings.HasPrefix(name, ".") {
		return obj, false
	}
	name, obj.Gzipped = strings.CutSuffix(name, ".gz")
	// <stream>-<version>-YYYY-MM-dd-HH-mm-ss-<uuid: 5 dash-separated groups>
	parts := strings.Split(name, "-")
	if len(parts) < 13 {
		return obj, false
	}
	uuid := parts[len(parts)-5:]
	if len(uuid[0]) != 8 || len(uuid[1]) != 4 || len(uuid[2]) != 4 || len(uuid[3]) != 4 || len(uuid[4]) != 12 {
		return obj, false
	}
	stamp := strings.Join(parts[len(parts)-11:len(parts)-5], "-")
	at, err := time.Parse("2006-01-02-15-04-05", stamp)
	if err != nil || !at.Truncate(time.Hour).Equal(hour) {
		return obj, false
	}
	version := parts[len(parts)-12]
	if version == "" || strings.Trim(version, "0123456789") != "" {
		return obj, false
	}
	obj.Stream = strings.Join(parts[:len(parts)-12], "-")
	if obj.Stream == "" {
		return obj, false
	}
	obj.Hour = hour
	return obj, true
}
