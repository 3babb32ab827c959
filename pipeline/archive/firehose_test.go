package archive_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline/archive"
)

const testUUID = "5b1b6c48-aa1b-4c8e-9a1e-2f0c4b7c9d10"

func TestObjectKey(t *testing.T) {
	at := time.Date(2016, 11, 18, 10, 4, 55, 123, time.UTC)
	tests := []struct {
		Prefix, Stream string
		Version        int
		At             time.Time
		Gzipped        bool
		Want           string
	}{
		{"", "slack-wiretap", 1, at, false, "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-" + testUUID},
		{"", "slack-wiretap", 1, at, true, "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-" + testUUID + ".gz"},
		{"slack/", "s", 12, at, false, "slack/2016/11/18/10/s-12-2016-11-18-10-04-55-" + testUUID},
		// The key is in UTC whatever the zone of t.
		{"", "s", 1, at.In(time.FixedZone("X", -5*3600)), false, "2016/11/18/10/s-1-2016-11-18-10-04-55-" + testUUID},
	}
	for _, tt := range tests {
		if got := archive.ObjectKey(tt.Prefix, tt.Stream, tt.Version, tt.At, testUUID, tt.Gzipped); got != tt.Want {
			t.Errorf("ObjectKey(%q, %q, %d, %v, %v) = %q, want %q", tt.Prefix, tt.Stream, tt.Version, tt.At, tt.Gzipped, got, tt.Want)
		}
	}
	if got, want := archive.HourPrefix("p/", at), "p/2016/11/18/10/"; got != want {
		t.Errorf("HourPrefix = %q, want %q", got, want)
	}
}

func TestParseObjectKey(t *testing.T) {
	hour := time.Date(2016, 11, 18, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		Name    string
		Prefix  string
		Key     string
		OK      bool
		Stream  string
		Gzipped bool
	}{
		{"Plain", "", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-" + testUUID, true, "slack-wiretap", false},
		{"Gzipped", "", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-" + testUUID + ".gz", true, "slack-wiretap", true},
		{"Prefix", "slack/", "slack/2016/11/18/10/wiretap-3-2016-11-18-10-59-59-" + testUUID, true, "wiretap", false},
		{"PrefixGzipped", "a/b/", "a/b/2016/11/18/10/x-1-2016-11-18-10-00-00-" + testUUID + ".gz", true, "x", true},
		{"ManyDashStream", "", "2016/11/18/10/a-b-c-d-7-2016-11-18-10-04-55-" + testUUID, true, "a-b-c-d", false},
		{"UpperHexUUID", "", "2016/11/18/10/s-1-2016-11-18-10-04-55-5B1B6C48-AA1B-4C8E-9A1E-2F0C4B7C9D10", true, "s", false},

		{"MissingPrefix", "slack/", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-" + testUUID, false, "", false},
		{"WrongPrefix", "slack/", "other/2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-" + testUUID, false, "", false},
		{"UnexpectedPrefix", "", "slack/2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-" + testUUID, false, "", false},
		{"ProcessingFailed", "", "processing-failed/2016/11/18/10/slack-wiretap-1-processing-failed-2016-11-18-10-04-55-" + testUUID, false, "", false},
		{"ErrorPrefixUnderPrefix", "slack/", "slack/processing-failed/2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-" + testUUID, false, "", false},
		{"HourMismatch", "", "2016/11/18/10/slack-wiretap-1-2016-11-18-11-04-55-" + testUUID, false, "", false},
		{"DayMismatch", "", "2016/11/18/10/slack-wiretap-1-2016-11-19-10-04-55-" + testUUID, false, "", false},
		{"Manifest", "", "2016/11/18/10/manifest.json", false, "", false},
		{"Stray", "", "2016/11/18/10/notes.txt", false, "", false},
		{"HiddenTmp", "", "2016/11/18/10/.tmp-slack-wiretap-1-2016-11-18-10-04-55-" + testUUID + "-123456", false, "", false},
		{"HiddenObject", "", "2016/11/18/10/.slack-wiretap-1-2016-11-18-10-04-55-" + testUUID, false, "", false},
		{"Subfolder", "", "2016/11/18/10/sub/slack-wiretap-1-2016-11-18-10-04-55-" + testUUID, false, "", false},
		{"FolderOnly", "", "2016/11/18/10/", false, "", false},
		{"Short", "", "2016/11/18", false, "", false},
		{"Empty", "", "", false, "", false},
		{"BadHour", "", "2016/11/18/25/slack-wiretap-1-2016-11-18-25-04-55-" + testUUID, false, "", false},
		{"OneDigitMonth", "", "2016/1/18/10/slack-wiretap-1-2016-01-18-10-04-55-" + testUUID + "x", false, "", false},
		{"BadStamp", "", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-61-" + testUUID, false, "", false},
		{"ShortUUID", "", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-5b1b6c4-aa1b-4c8e-9a1e-2f0c4b7c9d10", false, "", false},
		{"LongUUIDTail", "", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-5b1b6c48-aa1b-4c8e-9a1e-2f0c4b7c9d100", false, "", false},
		{"FourGroupUUID", "", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-5b1b6c48-aa1b-4c8e-2f0c4b7c9d10", false, "", false},
		{"NoUUID", "", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55", false, "", false},
		{"NoVersion", "", "2016/11/18/10/slack-2016-11-18-10-04-55-" + testUUID, false, "", false},
		{"LetterVersion", "", "2016/11/18/10/slack-wiretap-v1-2016-11-18-10-04-55-" + testUUID, false, "", false},
		{"NoStream", "", "2016/11/18/10/-1-2016-11-18-10-04-55-" + testUUID, false, "", false},
		{"OtherExtension", "", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-" + testUUID + ".zip", false, "", false},
		{"DoubleGz", "", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-" + testUUID + ".gz.gz", false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got, ok := archive.ParseObjectKey(tt.Prefix, tt.Key)
			if ok != tt.OK {
				t.Fatalf("ParseObjectKey(%q, %q) ok = %v, want %v (%+v)", tt.Prefix, tt.Key, ok, tt.OK, got)
			}
			if !ok {
				return
			}
			want := archive.FirehoseObject{Hour: hour, Stream: tt.Stream, Gzipped: tt.Gzipped}
			if got != want {
				t.Errorf("ParseObjectKey(%q, %q) = %+v, want %+v", tt.Prefix, tt.Key, got, want)
			}
		})
	}
}

// TestObjectKeyRoundTrip checks that every key ObjectKey makes parses back.
func TestObjectKeyRoundTrip(t *testing.T) {
	for _, prefix := range []string{"", "slack/", "a/b/c/"} {
		for _, stream := range []string{"s", "slack-wiretap", "a-b-c"} {
			for _, at := range []time.Time{
				time.Date(2016, 11, 18, 10, 4, 55, 0, time.UTC),
				time.Date(2016, 12, 31, 23, 59, 59, 0, time.UTC),
				time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC),
			} {
				for _, gz := range []bool{false, true} {
					key := archive.ObjectKey(prefix, stream, 1, at, testUUID, gz)
					got, ok := archive.ParseObjectKey(prefix, key)
					want := archive.FirehoseObject{Hour: at.Truncate(time.Hour), Stream: stream, Gzipped: gz}
					if !ok || got != want {
						t.Errorf("ParseObjectKey(%q, %q) = %+v, %v; want %+v", prefix, key, got, ok, want)
					}
				}
			}
		}
	}
}

// FuzzParseObjectKey checks that ParseObjectKey never panics, and that a key
// it accepts is exactly the key ObjectKey builds from what it parsed.
func FuzzParseObjectKey(f *testing.F) {
	f.Add("", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-"+testUUID)
	f.Add("", "2016/11/18/10/slack-wiretap-1-2016-11-18-10-04-55-"+testUUID+".gz")
	f.Add("slack/", "slack/2016/11/18/10/s-007-2016-11-18-10-04-55-"+testUUID)
	f.Add("", "processing-failed/2016/11/18/10/x")
	f.Add("", "2016/11/18/10/.tmp-x")
	f.Add("", "2016/11/18/10/-----------")
	f.Fuzz(func(t *testing.T, prefix, key string) {
		obj, ok := archive.ParseObjectKey(prefix, key)
		if !ok {
			if obj.Stream != "" {
				t.Errorf("not ok, but Stream = %q", obj.Stream)
			}
			return
		}
		if obj.Stream == "" || obj.Hour.IsZero() || obj.Hour.Location() != time.UTC || !obj.Hour.Equal(obj.Hour.Truncate(time.Hour)) {
			t.Fatalf("ParseObjectKey(%q, %q) = %+v", prefix, key, obj)
		}
		if !strings.HasPrefix(key, archive.HourPrefix(prefix, obj.Hour)) {
			t.Fatalf("key %q is not under the hour prefix of %v", key, obj.Hour)
		}
		// Reconstruct the rest from the file name.
		name := strings.TrimPrefix(key, archive.HourPrefix(prefix, obj.Hour))
		name = strings.TrimSuffix(name, ".gz")
		rest, found := strings.CutPrefix(name, obj.Stream+"-")
		if !found {
			t.Fatalf("file name %q does not start with stream %q", name, obj.Stream)
		}
		parts := strings.SplitN(rest, "-", 8)
		if len(parts) != 8 {
			t.Fatalf("file name %q: version, stamp and uuid do not follow the stream", name)
		}
		at, err := time.Parse("2006-01-02-15-04-05", strings.Join(parts[1:7], "-"))
		if err != nil {
			t.Fatalf("file name %q: %v", name, err)
		}
		version, err := strconv.Atoi(parts[0])
		if err != nil || strconv.Itoa(version) != parts[0] {
			return // leading zeros or out of range: not reconstructible
		}
		if fmtd := at.Format("2006-01-02-15-04-05"); fmtd != strings.Join(parts[1:7], "-") {
			return // time.Parse accepted a form Format does not write
		}
		if back := archive.ObjectKey(prefix, obj.Stream, version, at, parts[7], obj.Gzipped); back != key {
			t.Errorf("ObjectKey round trip:\n got %q\nwant %q", back, key)
		}
	})
}
