package cli

import "testing"

// TestMemoryLimitFor checks that the soft limit stays at its base for a
// small live heap and keeps half the live heap again above it, in 32 MiB
// steps, so that a large live heap never sits at the limit.
func TestMemoryLimitFor(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, baseMemoryLimit},
		{200 * mib, baseMemoryLimit},
		{256 * mib, baseMemoryLimit}, // 384 MiB
		{257 * mib, 416 * mib},       // 385.5 MiB, up to a step
		{512 * mib, 768 * mib},       // on a step
		{1000 * mib, 1504 * mib},     // 1500 MiB, up to a step
		{8 << 30, 12 << 30},
	} {
		if got := memoryLimitFor(tc.live); got != tc.want {
			t.Errorf("memoryLimitFor(%d MiB) = %d MiB, want %d MiB", tc.live/mib, got/mib, tc.want/mib)
		}
		if got := memoryLimitFor(tc.live); got < int64(tc.live)*3/2 {
			t.Errorf("memoryLimitFor(%d MiB) = %d MiB leaves less than half the live heap", tc.live/mib, got/mib)
		}
	}
}
