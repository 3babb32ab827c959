// Package leaks searches outputs for strings that must not be in them (the
// ids and names of people who opted out, real ids where pseudonyms are
// promised): every file below a folder, Parquet files decoded value by
// value, so that a dictionary page or compression cannot hide a value.
package leaks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// A Leak is a forbidden string found in a file.
type Leak struct {
	File   string // relative to the folder searched
	Word   string
	Column string // for Parquet files, the column path
}

func (l Leak) String() string {
	if l.Column != "" {
		return fmt.Sprintf("%s: column %s holds %q", l.File, l.Column, l.Word)
	}
	return fmt.Sprintf("%s: holds %q", l.File, l.Word)
}

// InDir searches every file below dir. It also returns how many Parquet
// values and other files it searched, so that a test can tell that it
// looked at something.
func InDir(dir string, words []string) (found []Leak, values, files int, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".parquet") {
			l, n, err := InParquet(data, words)
			if err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			for i := range l {
				l[i].File = rel
			}
			found, values = append(found, l...), values+n
			return nil
		}
		files++
		for _, w := range InBytes(data, words) {
			found = append(found, Leak{File: rel, Word: w})
		}
		return nil
	})
	return found, values, files, err
}

// InBytes returns the words that occur in data.
func InBytes(data []byte, words []string) []string {
	var out []string
	for _, w := range words {
		if w != "" && bytes.Contains(data, []byte(w)) {
			out = append(out, w)
		}
	}
	return out
}

// InParquet decodes every value of every row of a Parquet file and returns
// the words found in any, with how many values it read.
func InParquet(data []byte, words []string) ([]Leak, int, error) {
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, 0, err
	}
	leaves := f.Schema().Columns()
	var found []Leak
	n := 0
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		buf := make([]parquet.Row, 64)
		for {
			k, err := rows.ReadRows(buf)
			for _, row := range buf[:k] {
				for _, v := range row {
					n++
					if v.IsNull() {
						continue
					}
					s := v.String()
					if v.Kind() == parquet.ByteArray || v.Kind() == parquet.FixedLenByteArray {
						s = string(v.ByteArray())
					}
					for _, w := range words {
						if w != "" && strings.Contains(s, w) {
							col := ""
							if c := v.Column(); c >= 0 && c < len(leaves) {
								col = strings.Join(leaves[c], ".")
							}
							found = append(found, Leak{Word: w, Column: col})
						}
					}
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rows.Close()
				return nil, 0, err
			}
		}
		rows.Close()
	}
	return found, n, nil
}
