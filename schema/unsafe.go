package schema

import "unsafe"

// b2s views b as a string without copying. The decoder uses it for field
// values that alias its own buffer, which it does not modify until Reset.
func b2s(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
