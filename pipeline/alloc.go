package pipeline

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// recyclingAllocator is the Arrow allocator of a run: it hands the buffers
// of released batches to the next ones instead of leaving them to the
// garbage collector. Every batch's builders grow to about the same sizes
// and are released as soon as the batch is processed, so with Go's
// allocator Arrow buffers were over a third of all bytes a run allocated,
// and what the collector had to reclaim. Buffers come in power-of-two
// size classes, 64-byte aligned as Arrow wants; Allocate zeroes what it
// reuses, as make does. A sync.Pool per class keeps what is free, so an
// idle class empties at the next collections: memory stays bounded by what
// the batches in flight use.
type recyclingAllocator struct {
	classes [numAllocClasses]sync.Pool // of *[]byte with cap 1<<(class+minAllocShift)
}

const (
	minAllocShift   = 6  // 64 bytes
	maxAllocShift   = 26 // 64 MiB; larger buffers are not recycled
	numAllocClasses = maxAllocShift - minAllocShift + 1
	allocAlignment  = 64
)

var _ memory.Allocator = (*recyclingAllocator)(nil)

func newRecyclingAllocator() *recyclingAllocator { return &recyclingAllocator{} }

// allocClass returns the size class of a buffer of size bytes, or -1 for
// one too large to recycle.
func allocClass(size int) int {
	if size <= 1<<minAllocShift {
		return 0
	}
	shift := bits.Len(uint(size - 1))
	if shift > maxAllocShift {
		return -1
	}
	return shift - minAllocShift
}

// Allocate returns a zeroed buffer of size bytes.
func (a *recyclingAllocator) Allocate(size int) []byte {
	c := allocClass(size)
	if c < 0 {
		return alignedBuffer(size)
	}
	if p, ok := a.classes[c].Get().(*[]byte); ok {
		b := (*p)[:size]
		clear(b)
		return b
	}
	return alignedBuffer(1 << (c + minAllocShift))[:size]
}

// Reallocate grows or shrinks b to size, in place when its class has room.
func (a *recyclingAllocator) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free takes back a buffer of this allocator. Buffers that did not come
// from a size class (too large, or resliced) are left to the collector.
func (a *recyclingAllocator) Free(b []byte) {
	n := cap(b)
	if n < 1<<minAllocShift || n&(n-1) != 0 || n > 1<<maxAllocShift {
		return
	}
	b = b[:n]
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%allocAlignment != 0 {
		return
	}
	a.classes[allocClass(n)].Put(&b)
}

// alignedBuffer returns a buffer of exactly size bytes of capacity whose
// data is 64-byte aligned.
func alignedBuffer(size int) []byte {
	buf := make([]byte, size+allocAlignment)
	shift := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % allocAlignment); r != 0 {
		shift = allocAlignment - r
	}
	return buf[shift : shift+size : shift+size]
}
