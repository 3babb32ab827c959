package schema_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wiretap-hq/wiretap/schema"
)

func TestParseTS(t *testing.T) {
	tests := []struct {
		Input  string
		Output time.Time
		Error  error
	}{
		{"1355517523.000005", time.Date(2012, 12, 14, 20, 38, 43, 5000, time.UTC), nil},
		{"1479463495.000200", time.Date(2016, 11, 18, 10, 4, 55, 200000, time.UTC), nil},
		{"1479463495.5", time.Date(2016, 11, 18, 10, 4, 55, 500000000, time.UTC), nil},
		{"1479463495.05", time.Date(2016, 11, 18, 10, 4, 55, 50000000, time.UTC), nil},
		{"1479463495.999999", time.Date(2016, 11, 18, 10, 4, 55, 999999000, time.UTC), nil},
		{"1479463495", time.Date(2016, 11, 18, 10, 4, 55, 0, time.UTC), nil},
		{"01479463495.000200", time.Date(2016, 11, 18, 10, 4, 55, 200000, time.UTC), nil},
		{"1230768000.000000", schema.Epoch, nil},
		{"1230768000", schema.Epoch, nil},
		{"999999999999.999999", time.Unix(999999999999, 999999000).UTC(), nil}, // 12 digits is the limit

		{"", time.Time{}, schema.ErrBadTS},
		{".", time.Time{}, schema.ErrBadTS},
		{".000005", time.Time{}, schema.ErrBadTS},
		{"1479463495.", time.Time{}, schema.ErrBadTS},
		{"1479463495.0000001", time.Time{}, schema.ErrBadTS},
		{"1479463495.00000a", time.Time{}, schema.ErrBadTS},
		{"1479463495.-1", time.Time{}, schema.ErrBadTS},
		{"1479463495.0.1", time.Time{}, schema.ErrBadTS},
		{"-1479463495.000200", time.Time{}, schema.ErrBadTS},
		{"+1479463495.000200", time.Time{}, schema.ErrBadTS},
		{" 1479463495.000200", time.Time{}, schema.ErrBadTS},
		{"1479463495.000200 ", time.Time{}, schema.ErrBadTS},
		{"1479463495,000200", time.Time{}, schema.ErrBadTS},
		{"1.479463495e9", time.Time{}, schema.ErrBadTS},
		{"0x1p30", time.Time{}, schema.ErrBadTS},
		{"١٤٧٩٤٦٣٤٩٥", time.Time{}, schema.ErrBadTS}, // Arabic-Indic digits
		{"1000000000000.000000", time.Time{}, schema.ErrBadTS},
		{"99999999999999999999999", time.Time{}, schema.ErrBadTS}, // would overflow int64

		{"0", time.Time{}, schema.ErrImplausibleTS},
		{"0.000000", time.Time{}, schema.ErrImplausibleTS},
		{"1230767999.999999", time.Time{}, schema.ErrImplausibleTS},
		{"1479463495000", time.Time{}, schema.ErrBadTS},   // milliseconds: 13 digits
		{"147946349500", time.Time{}, nil},                // 12 digits: year 6658, accepted
		{"1479463", time.Time{}, schema.ErrImplausibleTS}, // truncated
		{"000000000000.1", time.Time{}, schema.ErrImplausibleTS},
	}
	for _, tt := range tests {
		t.Run(tt.Input, func(t *testing.T) {
			got, err := schema.ParseTS(tt.Input)
			if !errors.Is(err, tt.Error) {
				t.Fatalf("ParseTS(%q) error = %v, want %v", tt.Input, err, tt.Error)
			}
			if err != nil {
				if !got.IsZero() {
					t.Errorf("ParseTS(%q) = %v with an error, want the zero time", tt.Input, got)
				}
				return
			}
			if got.Location() != time.UTC {
				t.Errorf("ParseTS(%q) location = %v, want UTC", tt.Input, got.Location())
			}
			if got.Before(schema.Epoch) {
				t.Errorf("ParseTS(%q) = %v, before Epoch", tt.Input, got)
			}
			if !tt.Output.IsZero() && !got.Equal(tt.Output) {
				t.Errorf("ParseTS(%q) = %v, want %v", tt.Input, got, tt.Output)
			}
		})
	}
}

func TestFormatTS(t *testing.T) {
	tests := []struct {
		Input  time.Time
		Output string
	}{
		{time.Date(2012, 12, 14, 20, 38, 43, 5000, time.UTC), "1355517523.000005"},
		{time.Date(2016, 11, 18, 10, 4, 55, 0, time.UTC), "1479463495.000000"},
		{time.Date(2016, 11, 18, 10, 4, 55, 999999999, time.UTC), "1479463495.999999"}, // truncated, not rounded
		{time.Date(2016, 11, 18, 11, 4, 55, 200000, time.FixedZone("CET", 3600)), "1479463495.000200"},
		{schema.Epoch, "1230768000.000000"},
	}
	for _, tt := range tests {
		if got := schema.FormatTS(tt.Input); got != tt.Output {
			t.Errorf("FormatTS(%v) = %q, want %q", tt.Input, got, tt.Output)
		}
	}
}

// TestFormatParseTS checks that FormatTS and ParseTS are inverses at
// microsecond precision, and that ParseTS(ts) formats back to ts for every
// six-digit ts.
func TestFormatParseTS(t *testing.T) {
	for _, sec := range []int64{1230768000, 1355517523, 1479463495, 1700000000, 4102444800} {
		for _, usec := range []int64{0, 1, 5, 200, 999999, 123456} {
			want := time.Unix(sec, usec*1000).UTC()
			ts := schema.FormatTS(want)
			got, err := schema.ParseTS(ts)
			if err != nil {
				t.Fatalf("ParseTS(FormatTS(%v) = %q): %v", want, ts, err)
			}
			if !got.Equal(want) {
				t.Errorf("ParseTS(%q) = %v, want %v", ts, got, want)
			}
			if again := schema.FormatTS(got); again != ts {
				t.Errorf("FormatTS(ParseTS(%q)) = %q", ts, again)
			}
		}
	}
}
