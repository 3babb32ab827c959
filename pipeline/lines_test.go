package pipeline_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wiretap-hq/wiretap/pipeline"
)

// readLine is one result of LineReader.Next.
type readLine struct {
	Line    string
	TooLong bool
	Num     int
}

func readAllLines(t *testing.T, lr *pipeline.LineReader) []readLine {
	t.Helper()
	var out []readLine
	for {
		line, tooLong, err := lr.Next()
		if err == io.EOF {
			if line != nil || tooLong {
				t.Errorf("Next at EOF returned %q, %v", line, tooLong)
			}
			// EOF is sticky.
			if _, _, err := lr.Next(); err != io.EOF {
				t.Errorf("Next after EOF = %v", err)
			}
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, readLine{string(line), tooLong, lr.Line()})
		if len(out) > 1<<20 {
			t.Fatal("LineReader does not stop")
		}
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		Name  string
		Input string
		Max   int
		Want  []readLine
	}{
		{"Empty", "", 0, nil},
		{"OneLine", "a\n", 0, []readLine{{"a", false, 1}}},
		{"NoFinalNewline", "a\nb", 0, []readLine{{"a", false, 1}, {"b", false, 2}}},
		{"EmptyLines", "\n\na\n\n", 0, []readLine{{"", false, 1}, {"", false, 2}, {"a", false, 3}, {"", false, 4}}},
		{"OnlyNewline", "\n", 0, []readLine{{"", false, 1}}},
		// The carriage return stays: lines are raw bytes, and the decoder
		// trims the spaces around a record.
		{"CRLF", "a\r\nb\r\n", 0, []readLine{{"a\r", false, 1}, {"b\r", false, 2}}},
		{"CRLFNoFinal", "a\r\nb\r", 0, []readLine{{"a\r", false, 1}, {"b\r", false, 2}}},
		{"LoneCR", "a\rb\n", 0, []readLine{{"a\rb", false, 1}}},
		{"AtMax", "abcd\nxy\n", 4, []readLine{{"abcd", false, 1}, {"xy", false, 2}}},
		{"OverMaxShort", "abcde\nxy\n", 4, []readLine{{"abcde", true, 1}, {"xy", false, 2}}},
		{"OverMaxLastLine", "xy\nabcde", 4, []readLine{{"xy", false, 1}, {"abcde", true, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			// One byte at a time too, so chunk boundaries fall everywhere.
			for _, r := range []io.Reader{strings.NewReader(tt.Input), iotest.OneByteReader(strings.NewReader(tt.Input))} {
				got := readAllLines(t, pipeline.NewLineReader(r, tt.Max))
				if !equalLines(got, tt.Want) {
					t.Errorf("lines of %q (max %d):\ngot  %v\nwant %v", tt.Input, tt.Max, got, tt.Want)
				}
			}
		})
	}
}

func equalLines(a, b []readLine) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLineReaderHugeLine reads a 2 MiB line, far beyond bufio's buffer and
// bufio.Scanner's 64 KiB limit, with the default bound.
func TestLineReaderHugeLine(t *testing.T) {
	huge := bytes.Repeat([]byte("0123456789abcdef"), 2<<20/16)
	huge[0], huge[len(huge)-1] = '{', '}'
	var in bytes.Buffer
	in.WriteString("first\n")
	in.Write(huge)
	in.WriteString("\nlast\n")
	lr := pipeline.NewLineReader(&in, 0)
	got := readAllLines(t, lr)
	if len(got) != 3 {
		t.Fatalf("%d lines, want 3", len(got))
	}
	if got[1].TooLong || got[1].Line != string(huge) || got[1].Num != 2 {
		t.Errorf("2 MiB line: tooLong %v, %d bytes (intact %v), line %d", got[1].TooLong, len(got[1].Line), got[1].Line == string(huge), got[1].Num)
	}
	if got[0] != (readLine{"first", false, 1}) || got[2] != (readLine{"last", false, 3}) {
		t.Errorf("lines around the huge one: %v, %v", got[0], got[2])
	}
}

// TestLineReaderTooLong checks a line over the bound: reported too long,
// with its first bytes, and reading goes on after it with the right line
// numbers.
func TestLineReaderTooLong(t *testing.T) {
	const max = 1 << 20
	for _, n := range []int{max + 1, max + 100<<10, 3 * max, 10 * max} {
		long := bytes.Repeat([]byte("x"), n)
		var in bytes.Buffer
		in.WriteString("a\n")
		in.Write(long)
		in.WriteString("\nb\n\nc")
		lr := pipeline.NewLineReader(&in, max)
		got := readAllLines(t, lr)
		if len(got) != 5 {
			t.Fatalf("line of %d bytes: %d lines, want 5", n, len(got))
		}
		if !got[1].TooLong || got[1].Num != 2 {
			t.Errorf("line of %d bytes over a %d bound: tooLong = %v, line %d", n, max, got[1].TooLong, got[1].Num)
		}
		if len(got[1].Line) == 0 || len(got[1].Line) > 4096 || strings.Trim(got[1].Line, "x") != "" {
			t.Errorf("too-long line returned %d bytes, want its first bytes, at most 4096", len(got[1].Line))
		}
		want := []readLine{{"a", false, 1}, {"b", false, 3}, {"", false, 4}, {"c", false, 5}}
		if rest := []readLine{got[0], got[2], got[3], got[4]}; !equalLines(rest, want) {
			t.Errorf("lines around a long one: %v, want %v", rest, want)
		}
	}
	// Exactly at the bound is not too long.
	exact := strings.Repeat("y", max)
	got := readAllLines(t, pipeline.NewLineReader(strings.NewReader(exact+"\n"+exact), max))
	if len(got) != 2 || got[0].TooLong || got[1].TooLong || got[0].Line != exact || got[1].Line != exact {
		t.Errorf("lines of exactly max bytes: %d lines, tooLong %v", len(got), got)
	}
}

// TestLineReaderReset reuses a LineReader: line numbers restart and no
// state leaks from the previous reader, even one left mid-line.
func TestLineReaderReset(t *testing.T) {
	lr := pipeline.NewLineReader(strings.NewReader("a\nb\nunfinished"), 0)
	if _, _, err := lr.Next(); err != nil {
		t.Fatal(err)
	}
	lr.Reset(strings.NewReader("c\nd\n"))
	got := readAllLines(t, lr)
	want := []readLine{{"c", false, 1}, {"d", false, 2}}
	if !equalLines(got, want) {
		t.Errorf("after Reset: %v, want %v", got, want)
	}
}

// TestLineReaderError checks that a read error other than EOF is returned.
func TestLineReaderError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("a\npartial"), iotest.ErrReader(boom))
	lr := pipeline.NewLineReader(r, 0)
	line, _, err := lr.Next()
	if err != nil || string(line) != "a" {
		t.Fatalf("first Next = %q, %v", line, err)
	}
	if _, _, err := lr.Next(); !errors.Is(err, boom) {
		t.Errorf("Next = %v, want %v", err, boom)
	}
}

// FuzzLineReader checks that LineReader never panics, numbers lines one by
// one, and, when no line is too long, gives back lines that rebuild the
// input exactly.
func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\nb\r\n\nc"), 0)
	f.Add([]byte("{\"v\":1}\n{\"v\":1}{\"v\":1}\n"), 4)
	f.Add([]byte("\n\n\n"), 1)
	f.Add(bytes.Repeat([]byte("x"), 300), 100)
	f.Add([]byte("ab\ncdefgh\nij"), 3)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max > 1<<20 || max < -1 {
			max %= 1 << 20
		}
		var r io.Reader = bytes.NewReader(in)
		if len(in)%2 == 1 {
			r = iotest.HalfReader(r)
		}
		lr := pipeline.NewLineReader(r, max)
		bound := max
		if bound <= 0 {
			bound = pipeline.DefaultMaxLine
		}
		var rebuilt []byte
		anyTooLong := false
		for n := 1; ; n++ {
			line, tooLong, err := lr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if n > len(in)+1 {
				t.Fatalf("more lines than bytes")
			}
			if lr.Line() != n {
				t.Fatalf("Line() = %d, want %d", lr.Line(), n)
			}
			if tooLong {
				anyTooLong = true
				if len(line) > 4096 {
					t.Errorf("too-long line returned with %d bytes", len(line))
				}
				continue
			}
			if len(line) > bound {
				t.Errorf("line %d has %d bytes, over the bound %d, and was not reported too long", n, len(line), bound)
			}
			if bytes.IndexByte(line, '\n') >= 0 {
				t.Fatalf("line %d holds a newline", n)
			}
			rebuilt = append(rebuilt, line...)
			rebuilt = append(rebuilt, '\n')
		}
		if anyTooLong {
			return
		}
		want := in
		if len(in) > 0 && in[len(in)-1] != '\n' {
			want = append(bytes.Clone(in), '\n')
		}
		if !bytes.Equal(rebuilt, want) {
			t.Errorf("lines rebuild %q, want %q", rebuilt, want)
		}
	})
}
