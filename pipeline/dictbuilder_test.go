package pipeline

import (
	"hash/maphash"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestDictBuilder(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := newDictBuilder(mem)
	defer d.release()
	for range 2 { // the second round checks that newArray resets everything
		d.append("a")
		// Pretend "b" hashes like "a": it must still get its own entry.
		d.memo[maphash.String(d.seed, "b")] = 0
		for _, v := range []string{"b", "b", "", "a", "c", "b"} {
			if v == "" {
				d.appendNull()
				continue
			}
			d.append(v)
		}
		arr := d.newArray().(*array.Dictionary)
		var got []string
		for i := range arr.Len() {
			if arr.IsNull(i) {
				got = append(got, "<null>")
				continue
			}
			got = append(got, arr.Dictionary().(*array.String).Value(arr.GetValueIndex(i)))
		}
		want := []string{"a", "b", "b", "<null>", "a", "c", "b"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("values = %q, want %q", got, want)
		}
		if n := arr.Dictionary().Len(); n != 3 {
			t.Errorf("dictionary has %d values, want 3 (each once)", n)
		}
		arr.Release()
	}
}
