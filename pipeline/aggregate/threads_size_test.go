package aggregate

import (
	"testing"
	"unsafe"
)

// TestThreadEntrySize guards the size of a thread entry: a range holds one
// per question and replied thread, millions over a large workspace's
// month, so a field that brings back padding costs memory in proportion.
func TestThreadEntrySize(t *testing.T) {
	if got := unsafe.Sizeof(thread{}); got != 40 {
		t.Errorf("a thread entry is %d bytes, want 40", got)
	}
}
