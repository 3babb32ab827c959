package pipeline

import (
	"testing"
	"unsafe"
)

// TestRecyclingAllocator checks what Arrow relies on: buffers of the asked
// length, 64-byte aligned, zeroed even when reused; Reallocate keeping the
// contents; and buffers it did not make left alone.
func TestRecyclingAllocator(t *testing.T) {
	a := newRecyclingAllocator()
	aligned := func(b []byte) bool {
		return cap(b) == 0 || uintptr(unsafe.Pointer(unsafe.SliceData(b)))%allocAlignment == 0
	}
	for _, size := range []int{0, 1, 63, 64, 65, 1000, 4096, 1<<20 + 3, 1<<maxAllocShift + 1} {
		for round := range 3 { // the second and third reuse the first's buffer
			b := a.Allocate(size)
			if len(b) != size || !aligned(b) {
				t.Fatalf("Allocate(%d), round %d: len %d, cap %d, aligned %v", size, round, len(b), cap(b), aligned(b))
			}
			for i, x := range b {
				if x != 0 {
					t.Fatalf("Allocate(%d), round %d: byte %d is %d, want zero", size, round, i, x)
				}
			}
			for i := range b {
				b[i] = 0xff
			}
			a.Free(b)
		}
	}

	b := a.Allocate(100)
	for i := range b {
		b[i] = byte(i)
	}
	for _, size := range []int{120, 50, 100, 5000} {
		b = a.Reallocate(size, b)
		if len(b) != size || !aligned(b) {
			t.Fatalf("Reallocate(%d): len %d", size, len(b))
		}
		for i := range min(size, 50) {
			if b[i] != byte(i) {
				t.Fatalf("Reallocate(%d): byte %d is %d, want %d", size, i, b[i], byte(i))
			}
		}
		for i := 100; i < size; i++ {
			if b[i] != 0 {
				t.Fatalf("Reallocate(%d): grown byte %d is %d, want zero", size, i, b[i])
			}
		}
	}
	a.Free(b)

	// Buffers of other allocators, or resliced ones, are not taken in.
	for _, b := range [][]byte{make([]byte, 100), make([]byte, 128)[1:], nil} {
		a.Free(b)
	}
	if got := a.Allocate(100); len(got) != 100 || !aligned(got) {
		t.Fatalf("Allocate after foreign frees: len %d, aligned %v", len(got), aligned(got))
	}
}
