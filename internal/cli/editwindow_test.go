package cli

import (
	"testing"
	"time"
)

// TestEditWindowFlag checks --edit-window: whole hours, 0 for none (which
// jobs.RunOptions spells negative), and the default when not given.
func TestEditWindowFlag(t *testing.T) {
	tests := []struct {
		In   string
		Want time.Duration
		Show string
		Err  bool
	}{
		{"24h", 24 * time.Hour, "24h0m0s", false},
		{"48h", 48 * time.Hour, "48h0m0s", false},
		{"0", -1, "0s", false},
		{"0s", -1, "0s", false},
		{"90m", 0, "", true},
		{"-1h", 0, "", true},
		{"soon", 0, "", true},
	}
	for _, tt := range tests {
		var d time.Duration
		f := editWindowFlag{&d}
		err := f.Set(tt.In)
		if (err != nil) != tt.Err {
			t.Errorf("Set(%q) error = %v, want error %v", tt.In, err, tt.Err)
			continue
		}
		if err == nil && (d != tt.Want || f.String() != tt.Show) {
			t.Errorf("Set(%q): %v shown %q, want %v shown %q", tt.In, d, f.String(), tt.Want, tt.Show)
		}
	}
	var unset time.Duration
	if got := (editWindowFlag{&unset}).String(); got != "24h0m0s" {
		t.Errorf("default shown as %q", got)
	}
}
