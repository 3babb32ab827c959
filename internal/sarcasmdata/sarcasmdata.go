// Package sarcasmdata reads author-labelled sarcasm data in the layout of
// iSarcasmEval (SemEval-2022 task 6): a CSV with a header naming a text
// column ("tweet" in the training file, "text" in the test file) and a
// "sarcastic" column of 0 or 1. The trainer (bench/cmd/trainsarcasm) and
// the nlp tests read it through here; the data itself stays in the shared
// area outside the repository and is never copied into it.
package sarcasmdata

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// TrainRel is where the training tweets live relative to the repository
// root.
const TrainRel = "../shared/data/sarcasm/train.En.csv"

// Find returns the first path rel resolves to from the working directory
// or one of its parents, so that tests in any package and commands run
// from any folder of the repository find the shared data.
func Find(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("sarcasmdata: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("sarcasmdata: %s not found above %s", rel, dir)
		}
	}
}

// ReadFile reads the labelled CSV at path (see Read).
func ReadFile(path string) (texts []string, labels []bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("sarcasmdata: %w", err)
	}
	defer f.Close()
	texts, labels, err = Read(f)
	if err != nil {
		return nil, nil, fmt.Errorf("sarcasmdata: %s: %w", path, err)
	}
	return texts, labels, nil
}

// Read returns the text and label of every labelled row. Quoted fields may
// span lines; rows whose label is neither 0 nor 1 are skipped.
func Read(r io.Reader) (texts []string, labels []bool, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	head, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	ti, li := -1, -1
	for i, h := range head {
		switch strings.TrimSpace(h) {
		case "tweet", "text":
			if ti < 0 {
				ti = i
			}
		case "sarcastic":
			li = i
		}
	}
	if ti < 0 || li < 0 {
		return nil, nil, fmt.Errorf("header %q lacks a tweet or text column and a sarcastic column", head)
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("record %d: %w", line, err)
		}
		if len(rec) <= max(ti, li) {
			continue
		}
		var lab bool
		switch strings.TrimSpace(rec[li]) {
		case "1":
			lab = true
		case "0":
		default:
			continue // unlabelled row
		}
		texts = append(texts, rec[ti])
		labels = append(labels, lab)
	}
	if len(texts) == 0 {
		return nil, nil, errors.New("no labelled rows")
	}
	return texts, labels, nil
}
