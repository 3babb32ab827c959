package golden

import "testing"

func TestFirstDiff(t *testing.T) {
	for _, tc := range []struct{ got, want, diff string }{
		{"a\nb\n", "a\nb\n", ""},
		{"a\nb\n", "a\nc\n", "line 2\ngot:  b\nwant: c"},
		{"a\n", "a\nb\n", "line 2\ngot:  \nwant: b"},
		{"", "x", "line 1\ngot:  \nwant: x"},
	} {
		if d := FirstDiff(tc.got, tc.want); d != tc.diff {
			t.Errorf("FirstDiff(%q, %q) = %q, want %q", tc.got, tc.want, d, tc.diff)
		}
	}
}
