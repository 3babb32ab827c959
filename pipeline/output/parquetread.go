package output

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// ReadColumns decodes a partition written from rows of type T column by
// column with arrow-go's Parquet reader, filling T's fields by their
// parquet tags. A query over a year reads thousands of partitions;
// parquet-go's row-by-row reconstruction of them cost about twice as much
// as reading whole columns into Arrow arrays and copying them out.
//
// A field that parquet-go leaves out (`parquet:"-"`) but that names a
// column (`column:"name"`) is filled from that column when the file has
// one, and left zero when not: aggregate.OfficeRow.EvidenceText, whose
// column only files written with evidence text have.
func ReadColumns[T any](ctx context.Context, data []byte) ([]T, error) {
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	// Day partitions are small: a batch the size of the file avoids
	// allocating the default batch's buffers for every column.
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: max(pf.NumRows(), 1)}, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	tbl, err := fr.ReadTable(ctx)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	rows := make([]T, tbl.NumRows())
	if len(rows) == 0 {
		return rows, nil
	}
	base := reflect.ValueOf(rows)
	for _, f := range columnFields(reflect.TypeFor[T]()) {
		idx := tbl.Schema().FieldIndices(f.name)
		if len(idx) == 0 && f.optional {
			continue
		}
		if len(idx) != 1 {
			return nil, fmt.Errorf("no column %q", f.name)
		}
		off := 0
		for _, arr := range tbl.Column(idx[0]).Data().Chunks() {
			if err := f.fill(base, off, arr); err != nil {
				return nil, fmt.Errorf("column %s: %w", f.name, err)
			}
			off += arr.Len()
		}
	}
	return rows, nil
}

// columnField is a field of a row type and the column it is stored in.
type columnField struct {
	name     string
	index    []int // reflect field index path, through embedded structs
	optional bool  // files may lack the column
}

func columnFields(t reflect.Type) []columnField {
	var out []columnField
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			for _, f := range columnFields(sf.Type) {
				out = append(out, columnField{name: f.name, index: append([]int{i}, f.index...), optional: f.optional})
			}
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
		out = append(out, columnField{name: name, index: []int{i}, optional: optional})
	}
	return out
}

// fill copies arr into the field of rows[off:].
func (f columnField) fill(rows reflect.Value, off int, arr arrow.Array) error {
	field := func(i int) reflect.Value { return rows.Index(off + i).FieldByIndex(f.index) }
	switch a := arr.(type) {
	case *array.String:
		for i := range a.Len() {
			field(i).SetString(a.Value(i))
		}
	case *array.Dictionary:
		dict, ok := a.Dictionary().(*array.String)
		if !ok {
			return fmt.Errorf("unexpected dictionary of %s", a.Dictionary().DataType())
		}
		for i := range a.Len() {
			field(i).SetString(dict.Value(a.GetValueIndex(i)))
		}
	case *array.Int64:
		for i, v := range a.Int64Values() {
			field(i).SetInt(v)
		}
	case *array.Int32:
		for i, v := range a.Int32Values() {
			field(i).SetInt(int64(v))
		}
	case *array.Float64:
		for i, v := range a.Float64Values() {
			field(i).SetFloat(v)
		}
	case *array.Boolean:
		for i := range a.Len() {
			field(i).SetBool(a.Value(i))
		}
	case *array.List:
		switch vals := a.ListValues().(type) {
		case *array.String:
			fillLists(a, field, vals.Value)
		case *array.Int64:
			fillLists(a, field, vals.Value)
		default:
			return fmt.Errorf("unexpected list of %s", a.ListValues().DataType())
		}
	default:
		return fmt.Errorf("unexpected type %s", arr.DataType())
	}
	return nil
}

// fillLists copies the lists of a into the fields field(i), reading the
// list values with value.
func fillLists[V any](a *array.List, field func(int) reflect.Value, value func(int) V) {
	for i := range a.Len() {
		start, end := a.ValueOffsets(i)
		list := make([]V, 0, end-start)
		for j := start; j < end; j++ {
			list = append(list, value(int(j)))
		}
		field(i).Set(reflect.ValueOf(list))
	}
}
