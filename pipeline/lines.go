package pipeline

import (
	"bufio"
	"errors"
	"io"
)

// DefaultMaxLine bounds one NDJSON line. Firehose records are at most
// 1,000 KiB, but records glued together without a newline make longer
// lines, and those are worth recovering; anything longer is quarantined.
const DefaultMaxLine = 8 << 20

// LineReader splits an object into lines of any length up to a bound.
// Unlike bufio.Scanner it does not stop at the first long line: a line over
// the bound is reported as too long and reading goes on after it.
type LineReader struct {
	br   *bufio.Reader
	buf  []byte
	max  int
	line int
}

// NewLineReader reads lines from r; max <= 0 means DefaultMaxLine.
func NewLineReader(r io.Reader, max int) *LineReader {
	if max <= 0 {
		max = DefaultMaxLine
	}
	return &LineReader{br: bufio.NewReaderSize(r, 256<<10), max: max}
}

// Reset reuses the reader, and its buffers, for r.
func (l *LineReader) Reset(r io.Reader) {
	l.br.Reset(r)
	l.line = 0
}

// Line is the 1-based number of the line last returned.
func (l *LineReader) Line() int { return l.line }

// Next returns the next line without its newline. The slice is valid until
// the next call. tooLong reports a line over the bound, whose bytes were
// skipped (line then holds its first bytes, for the quarantine). At the end
// of input Next returns io.EOF; a last line without a newline is returned
// first, as Firehose objects are not required to end with one.
func (l *LineReader) Next() (line []byte, tooLong bool, err error) {
	l.buf = l.buf[:0]
	spans := false // the line is longer than bufio's buffer and accumulates in l.buf
	for {
		chunk, err := l.br.ReadSlice('\n')
		switch {
		case err == nil:
			l.line++
			if !spans {
				line = chunk[:len(chunk)-1]
				if len(line) > l.max {
					return line[:min(len(line), tooLongPrefix)], true, nil
				}
				return line, false, nil
			}
			if !tooLong {
				l.buf = append(l.buf, chunk[:len(chunk)-1]...)
				tooLong = l.cut()
			}
			return l.buf, tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			spans = true
			if !tooLong {
				l.buf = append(l.buf, chunk...)
				tooLong = l.cut()
			}
		case errors.Is(err, io.EOF):
			if !tooLong {
				l.buf = append(l.buf, chunk...)
				tooLong = l.cut()
			}
			if len(l.buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			l.line++
			return l.buf, tooLong, nil
		default:
			return nil, false, err
		}
	}
}

// tooLongPrefix is how much of a too-long line Next keeps, for the quarantine.
const tooLongPrefix = 4096

// cut reports whether the line accumulated in l.buf is over the bound, and
// if so keeps only its first bytes.
func (l *LineReader) cut() bool {
	if len(l.buf) <= l.max {
		return false
	}
	l.buf = l.buf[:min(len(l.buf), tooLongPrefix)]
	return true
}
