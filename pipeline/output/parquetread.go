package output

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

// ReadColumns decodes a partition written from rows of type T
// (EncodeParquet) column by column, filling T's fields by their parquet
// tags. A query over a year reads thousands of partitions, so it decodes
// whole pages of typed values with parquet-go's page reader and copies
// them into the rows, rather than reconstructing the rows one by one
// through reflection (parquet.Read); the README has the measurements.
//
// Fields of type string, int32, int64, float64 and bool, and lists of
// them, are read from columns of the matching physical type; any other
// field, or a column of another type or shape, is an error. A field that
// parquet-go leaves out (`parquet:"-"`) but that names a column
// (`column:"name"`) is filled from that column when the file has one, and
// left zero when not: aggregate.OfficeRow.EvidenceText, whose column only
// files written with evidence text have. Empty lists read as empty, not
// nil; strings and lists share memory with the others read from the same
// page or column chunk.
func ReadColumns[T any](ctx context.Context, data []byte) ([]T, error) {
	if err := checkFooter(data); err != nil {
		return nil, err
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)),
		parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, err
	}
	var cols []column
	for _, field := range columnFields(reflect.TypeFor[T](), 0) {
		c, err := newColumn(f.Root(), field)
		if err != nil {
			return nil, err
		}
		if c.read != nil {
			cols = append(cols, c)
		}
	}
	// The file's row count is only a hint, so that a corrupt footer cannot
	// make us allocate: rows are added as their values are decoded.
	rows := make([]T, 0, min(max(f.NumRows(), 0), 1<<12))
	row := func(i int) unsafe.Pointer {
		if i == len(rows) {
			var zero T
			rows = append(rows, zero)
		}
		return unsafe.Pointer(&rows[i])
	}
	for _, rg := range f.RowGroups() {
		start := len(rows)
		chunks := rg.ColumnChunks()
		for _, c := range cols {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if c.leaf >= len(chunks) {
				return nil, fmt.Errorf("column %s: no column chunk", c.name)
			}
			n, err := c.read(chunks[c.leaf], start, row)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c.name, err)
			}
			if int64(n) != rg.NumRows() || start+n != len(rows) {
				return nil, fmt.Errorf("column %s: %d rows in a row group of %d", c.name, n, rg.NumRows())
			}
		}
	}
	return rows, nil
}

// checkFooter checks that data starts and ends as a Parquet file does, and
// that the footer length it ends with fits in it: parquet.OpenFile
// allocates that length before reading the footer, so a corrupt one (up to
// 4 GiB) would cost that much memory. Encrypted files ("PARE") are not
// ours and fail here too.
func checkFooter(data []byte) error {
	const magic = "PAR1"
	n := len(data)
	if n < 2*len(magic)+4 || string(data[:len(magic)]) != magic || string(data[n-len(magic):]) != magic {
		return fmt.Errorf("not a Parquet file (%d bytes, no %s at both ends)", n, magic)
	}
	if footer := binary.LittleEndian.Uint32(data[n-len(magic)-4:]); int64(footer) > int64(n-2*len(magic)-4) {
		return fmt.Errorf("not a Parquet file: a footer of %d bytes in %d", footer, n)
	}
	return nil
}

// columnField is a field of a row type and the column it is stored in.
type columnField struct {
	name     string
	typ      reflect.Type
	offset   uintptr // from the start of the row, through embedded structs
	optional bool    // files may lack the column
}

func columnFields(t reflect.Type, offset uintptr) []columnField {
	var out []columnField
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			out = append(out, columnFields(sf.Type, offset+sf.Offset)...)
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("parquet"), ",")
		optional := false
		if name == "-" {
			name, optional = sf.Tag.Get("column"), true
		}
		if name == "" || name == "-" {
			continue
		}
		out = append(out, columnField{name: name, typ: sf.Type, offset: offset + sf.Offset, optional: optional})
	}
	return out
}

// column reads the values of one field from the column chunks of a file.
type column struct {
	name string
	leaf int // index of the leaf column, and of its chunk in a row group
	// read fills the field of rows start, start+1, ... from chunk and
	// returns how many rows it filled; row returns the address of a row,
	// adding it if it is the next one.
	read func(chunk parquet.ColumnChunk, start int, row func(int) unsafe.Pointer) (int, error)
}

// newColumn finds field's column under root. A column that the file lacks
// and the field may do without gives a column with no read func.
func newColumn(root *parquet.Column, field columnField) (column, error) {
	c := root.Column(field.name)
	if c == nil {
		if field.optional {
			return column{}, nil
		}
		return column{}, fmt.Errorf("no column %q", field.name)
	}
	switch field.typ {
	case reflect.TypeFor[string](), reflect.TypeFor[[]string]():
		return newTypedColumn(c, field, parquet.ByteArray, decodeStrings)
	case reflect.TypeFor[int64](), reflect.TypeFor[[]int64]():
		return newTypedColumn(c, field, parquet.Int64, decodeFixed(encoding.Int64, (*encoding.Values).Int64))
	case reflect.TypeFor[int32](), reflect.TypeFor[[]int32]():
		return newTypedColumn(c, field, parquet.Int32, decodeFixed(encoding.Int32, (*encoding.Values).Int32))
	case reflect.TypeFor[float64](), reflect.TypeFor[[]float64]():
		return newTypedColumn(c, field, parquet.Double, decodeFixed(encoding.Double, (*encoding.Values).Double))
	case reflect.TypeFor[bool](), reflect.TypeFor[[]bool]():
		return newTypedColumn(c, field, parquet.Boolean, decodeBools)
	}
	return column{}, fmt.Errorf("column %s: cannot read into a field of type %s", field.name, field.typ)
}

// decoder appends the n values of v to dst, or says why it cannot.
type decoder[E any] func(v encoding.Values, n int, dst []E) ([]E, error)

// newTypedColumn reads c, a column of values of kind into fields of type
// E, or []E when c is a list.
func newTypedColumn[E any](c *parquet.Column, field columnField, kind parquet.Kind, decode decoder[E]) (column, error) {
	list := field.typ.Kind() == reflect.Slice
	leaf := c
	for list && !leaf.Leaf() && len(leaf.Columns()) == 1 {
		leaf = leaf.Columns()[0] // a LIST's repeated group, then its element
	}
	wantRep := 0
	if list {
		wantRep = 1
	}
	if !leaf.Leaf() || leaf.MaxRepetitionLevel() != wantRep {
		return column{}, fmt.Errorf("column %s: %s does not hold a field of type %s", field.name, c, field.typ)
	}
	if k := leaf.Type().Kind(); k != kind {
		return column{}, fmt.Errorf("column %s: values of type %s, want %s", field.name, k, kind)
	}
	ch := chunkReader[E]{maxDef: byte(leaf.MaxDefinitionLevel()), decode: decode}
	read := ch.readValues
	if list {
		read = ch.readLists
	}
	return column{name: field.name, leaf: leaf.Index(), read: func(chunk parquet.ColumnChunk, start int, row func(int) unsafe.Pointer) (int, error) {
		// The field's type was checked against E, []E when a list: the
		// offset addresses a value of that type in every row.
		return read(chunk, func(i int) unsafe.Pointer { return unsafe.Add(row(start+i), field.offset) })
	}}, nil
}

// chunkReader decodes the column chunks of one leaf column into values of
// type E.
type chunkReader[E any] struct {
	maxDef byte
	decode decoder[E]
}

// readValues stores the values of a column that is not a list at
// field(0), field(1), ...; a null (in an optional column) leaves the zero
// value.
func (r chunkReader[E]) readValues(chunk parquet.ColumnChunk, field func(int) unsafe.Pointer) (int, error) {
	var vals []E
	n := 0
	err := r.eachPage(chunk, func(defs, _ []byte, values func([]E) ([]E, error)) error {
		var err error
		if vals, err = values(vals[:0]); err != nil {
			return err
		}
		if defs == nil {
			for _, v := range vals {
				*(*E)(field(n)) = v
				n++
			}
			return nil
		}
		j := 0
		for _, d := range defs {
			f := (*E)(field(n)) // adds the row even when the value is null
			if d == r.maxDef {
				*f = vals[j]
				j++
			}
			n++
		}
		return nil
	})
	return n, err
}

// readLists stores the lists of a repeated column at field(0), field(1),
// ...: slices of one array holding the chunk's values, so that a chunk
// costs one allocation rather than one a row.
func (r chunkReader[E]) readLists(chunk parquet.ColumnChunk, field func(int) unsafe.Pointer) (int, error) {
	vals := []E{} // not nil: empty lists read as empty
	var starts []int
	err := r.eachPage(chunk, func(defs, reps []byte, values func([]E) ([]E, error)) error {
		k := len(vals)
		var err error
		if vals, err = values(vals); err != nil {
			return err
		}
		if len(reps) != len(defs) {
			return fmt.Errorf("%d repetition levels for %d definition levels", len(reps), len(defs))
		}
		for i, rep := range reps {
			if rep == 0 {
				starts = append(starts, k)
			} else if len(starts) == 0 {
				return errors.New("a list continues no row")
			}
			if defs[i] == r.maxDef {
				k++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for i, s := range starts {
		end := len(vals)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		*(*[]E)(field(i)) = vals[s:end:end]
	}
	return len(starts), nil
}

// eachPage calls do for each page of chunk with the page's definition and
// repetition levels (nil when the column has none) and a func that
// appends the page's values, those of its non-null levels, to a slice.
func (r chunkReader[E]) eachPage(chunk parquet.ColumnChunk, do func(defs, reps []byte, values func([]E) ([]E, error)) error) error {
	pages := chunk.Pages()
	defer pages.Close()
	var dict parquet.Dictionary
	var dictVals []E
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n := int(p.NumValues())
		var defs, reps []byte
		if r.maxDef > 0 {
			defs, reps = p.DefinitionLevels(), p.RepetitionLevels()
			if len(defs) != n {
				parquet.Release(p)
				return fmt.Errorf("%d definition levels for %d values", len(defs), n)
			}
			n = 0
			for _, d := range defs {
				if d == r.maxDef {
					n++
				}
			}
		}
		values := func(dst []E) ([]E, error) {
			d := p.Dictionary()
			if d == nil {
				return r.decode(p.Data(), n, dst)
			}
			if d != dict {
				vals, err := r.decode(d.Page().Data(), d.Len(), dictVals[:0])
				if err != nil {
					return dst, fmt.Errorf("dictionary: %w", err)
				}
				dict, dictVals = d, vals
			}
			idx := p.Data()
			if idx.Kind() != encoding.Int32 {
				return dst, fmt.Errorf("dictionary indexes of type %s", idx.Kind())
			}
			ix := idx.Int32()
			if len(ix) != n {
				return dst, fmt.Errorf("%d dictionary indexes for %d values", len(ix), n)
			}
			dst = slices.Grow(dst, n)
			for _, i := range ix {
				if uint(i) >= uint(len(dictVals)) {
					return dst, fmt.Errorf("dictionary index %d out of %d", i, len(dictVals))
				}
				dst = append(dst, dictVals[i])
			}
			return dst, nil
		}
		err = do(defs, reps, values)
		parquet.Release(p)
		if err != nil {
			return err
		}
	}
}

// decodeStrings copies a page's byte arrays into one string and returns
// slices of it: the page's buffer is reused once the page is released.
func decodeStrings(v encoding.Values, n int, dst []string) ([]string, error) {
	if v.Kind() != encoding.ByteArray {
		return dst, fmt.Errorf("values of type %s, want %s", v.Kind(), encoding.ByteArray)
	}
	if n == 0 {
		return dst, nil
	}
	data, offsets := v.ByteArray()
	if len(offsets) != n+1 {
		return dst, fmt.Errorf("%d offsets for %d byte arrays", len(offsets), n)
	}
	s := string(data)
	dst = slices.Grow(dst, n)
	for i := range n {
		lo, hi := offsets[i], offsets[i+1]
		if lo > hi || int(hi) > len(s) {
			return dst, fmt.Errorf("byte array %d at [%d:%d] of %d bytes", i, lo, hi, len(s))
		}
		dst = append(dst, s[lo:hi])
	}
	return dst, nil
}

// decodeFixed decodes values of a fixed-size kind with get.
func decodeFixed[E int32 | int64 | float64](kind encoding.Kind, get func(*encoding.Values) []E) decoder[E] {
	return func(v encoding.Values, n int, dst []E) ([]E, error) {
		if v.Kind() != kind {
			return dst, fmt.Errorf("values of type %s, want %s", v.Kind(), kind)
		}
		vals := get(&v)
		if len(vals) != n {
			return dst, fmt.Errorf("%d values, want %d", len(vals), n)
		}
		return append(dst, vals...), nil
	}
}

// decodeBools unpacks bit-packed booleans, least significant bit first.
func decodeBools(v encoding.Values, n int, dst []bool) ([]bool, error) {
	if v.Kind() != encoding.Boolean {
		return dst, fmt.Errorf("values of type %s, want %s", v.Kind(), encoding.Boolean)
	}
	bits := v.Boolean()
	if len(bits) < (n+7)/8 {
		return dst, fmt.Errorf("%d bytes for %d booleans", len(bits), n)
	}
	dst = slices.Grow(dst, n)
	for i := range n {
		dst = append(dst, bits[i/8]>>(i%8)&1 != 0)
	}
	return dst, nil
}
