package nlp

import "testing"

func TestIsQuestion(t *testing.T) {
	tests := []struct {
		name, text string
		want       bool
	}{
		{"plain", "does anyone know where the keys are?", true},
		{"middle", "what? no way", true},
		{"statement", "the keys are on the desk.", false},
		{"empty", "", false},
		{"link query", "see <https://x.example/q?id=42|the ticket>", false},
		{"link then question", "<https://x.example/q?id=42> is this right?", true},
		{"bare url query", "look at https://x.example/q?id=1 now", false},
		{"bare url at end", "https://x.example/q?id=1", false},
		{"mention", "<@U123> can you look", false},
		{"unclosed bracket", "a < b?", true},
		{"word starting with h", "how about now?", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsQuestion(tt.text); got != tt.want {
				t.Errorf("IsQuestion(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func FuzzIsQuestion(f *testing.F) {
	for _, s := range []string{"why?", "<https://a?b>", "https://a?b c?", "<", "h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := IsQuestion(s)
		if got && !containsByte(s, '?') {
			t.Errorf("IsQuestion(%q) without a question mark", s)
		}
	})
}

func containsByte(s string, b byte) bool {
	for i := range len(s) {
		if s[i] == b {
			return true
		}
	}
	return false
}
