package output

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/wiretap-hq/wiretap/pipeline/aggregate"
)

// TestReadTopicsMatchesRowReader checks the columnar topics reader against
// parquet-go's row reader on the same file, empty lists and all.
func TestReadTopicsMatchesRowReader(t *testing.T) {
	sc := aggregate.SentimentColumns{SentimentN: 3, SentimentSum: 0.5, SentimentSumSq: 0.1234, Positive: 1, Neutral: 1, Negative: 1}
	want := []aggregate.TopicRow{
		{Office: "berlin", Topic: "kubernetes migration", Kind: aggregate.KindBigram, Messages: 3, SentimentColumns: sc,
			Evidence:      []string{"C1/1479000000.000001", "C2/1479000001.000002", "C2/1479000002.000000"},
			AuthorColumns: aggregate.AuthorColumns{AuthorHashes: []int64{-7, 3, 1 << 62}}},
		{Office: "berlin", Topic: "release", Kind: aggregate.KindWord, Messages: 1, Evidence: []string{}, AuthorColumns: aggregate.AuthorColumns{AuthorHashes: []int64{}}},
		{Office: "nyc", Topic: ":tada:", Kind: aggregate.KindEmoji, Messages: 7, SentimentColumns: sc, Evidence: []string{"C9/1479000003.000000"},
			AuthorColumns: aggregate.AuthorColumns{AuthorHashes: []int64{}, ManyAuthors: true}},
	}
	for i := range 5000 { // more than one page and dictionary
		want = append(want, aggregate.TopicRow{Office: "sydney", Topic: string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + "x", Kind: aggregate.KindWord, Messages: int64(i), Evidence: []string{},
			AuthorColumns: aggregate.AuthorColumns{AuthorHashes: []int64{int64(i)}}})
	}
	data, err := EncodeParquet(want, "test")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadColumns[aggregate.TopicRow](context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	rowWise, err := parquet.Read[aggregate.TopicRow](bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rowWise) {
		t.Errorf("columnar and row readers differ")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("columnar reader: first rows %+v", got[:3])
	}
	empty, err := EncodeParquet([]aggregate.TopicRow{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if rows, err := ReadColumns[aggregate.TopicRow](context.Background(), empty); err != nil || len(rows) != 0 {
		t.Errorf("empty table: %v rows, %v", len(rows), err)
	}
}

// TestReadEvidenceText checks that the columnar reader fills EvidenceText
// from the column evidence_text when a file has it (written with text),
// and leaves it nil when not.
func TestReadEvidenceText(t *testing.T) {
	rows := []aggregate.OfficeRow{
		{Office: "berlin", Messages: 2, Evidence: []string{"C1/1479000000.000001", "C2/1479000001.000002"},
			EvidenceText: []string{"ship it", ""},
			// Lists of int64 (scores) read back too.
			MoodEvidenceColumns: aggregate.MoodEvidenceColumns{
				PositiveEvidence: []string{"C1/1479000000.000001"}, PositiveEvidenceScore: []int64{9000},
				NegativeEvidence: []string{"C2/1479000001.000002", "C1/1479000000.000001"}, NegativeEvidenceScore: []int64{700, 600},
				PositiveEvidenceText: []string{"ship it"}, NegativeEvidenceText: []string{"", "ship it"}}},
		{Office: "nyc", Evidence: []string{}, EvidenceText: []string{}, MoodEvidenceColumns: aggregate.MoodEvidenceColumns{
			PositiveEvidence: []string{}, PositiveEvidenceScore: []int64{}, NegativeEvidence: []string{}, NegativeEvidenceScore: []int64{},
			PositiveEvidenceText: []string{}, NegativeEvidenceText: []string{}}},
	}
	withText := make([]aggregate.OfficeTextRow, len(rows))
	for i, r := range rows {
		withText[i] = aggregate.OfficeTextRow{OfficeRow: r, EvidenceText: r.EvidenceText,
			PositiveEvidenceText: r.PositiveEvidenceText, NegativeEvidenceText: r.NegativeEvidenceText}
	}
	data, err := EncodeParquet(withText, "test")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadColumns[aggregate.OfficeRow](context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rows) {
		t.Errorf("read %+v, want %+v", got, rows)
	}
	plain, err := EncodeParquet(rows, "test")
	if err != nil {
		t.Fatal(err)
	}
	got, err = ReadColumns[aggregate.OfficeRow](context.Background(), plain)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.EvidenceText != nil || r.PositiveEvidenceText != nil || r.NegativeEvidenceText != nil {
			t.Errorf("a file without text read as %+v", r)
		}
	}
}

// randomRows makes n rows of type T with every field that parquet-go
// writes set from rng: strings of 0 to 12 runes (some outside ASCII, some
// repeated, as dictionary columns are), lists of 0 to 4 elements (never
// nil: empty lists read back empty). Fields tagged `parquet:"-"` are left
// zero, as a file of T does not hold them.
func randomRows[T any](rng *rand.Rand, n int) []T {
	rows := make([]T, n)
	for i := range rows {
		randomFill(rng, reflect.ValueOf(&rows[i]).Elem())
	}
	return rows
}

func randomFill(rng *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).Tag.Get("parquet") != "-" {
				randomFill(rng, v.Field(i))
			}
		}
	case reflect.String:
		const alphabet = "abcdefgh é☃/._"
		runes := []rune(alphabet)
		s := make([]rune, rng.IntN(13))
		for j := range s {
			s[j] = runes[rng.IntN(len(runes))]
		}
		if rng.IntN(3) == 0 {
			s = []rune("berlin") // a repeated value
		}
		v.SetString(string(s))
	case reflect.Int32, reflect.Int64:
		v.SetInt(rng.Int64N(1<<40) - 1<<39)
	case reflect.Float64:
		v.SetFloat(rng.NormFloat64())
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), rng.IntN(5), 4)
		for j := range s.Len() {
			randomFill(rng, s.Index(j))
		}
		v.Set(s)
	}
}

// checkRead writes rows as a Parquet file of W, reads it back as rows of
// T, and compares them with want, and, when W is T, with what parquet-go's
// row reader reads from the same file.
func checkRead[T, W any](t *testing.T, written []W, want []T) {
	t.Helper()
	data, err := EncodeParquet(written, "test")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadColumns[T](context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("row %d of %d:\ngot  %+v\nwant %+v", i, len(want), got[i], want[i])
			}
		}
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	if reflect.TypeFor[T]() != reflect.TypeFor[W]() {
		return
	}
	rowWise, err := parquet.Read[T](bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) > 0 && !reflect.DeepEqual(got, rowWise) {
		t.Errorf("columnar and row readers differ")
	}
}

// sameRows writes n random rows of T and reads them back as T.
func sameRows[T any](t *testing.T, rng *rand.Rand, n int) {
	rows := randomRows[T](rng, n)
	checkRead(t, rows, rows)
}

// TestReadColumnsTables reads every table's rows back, with and without
// evidence text, from files of one row, of several pages and of none.
func TestReadColumnsTables(t *testing.T) {
	type optionalRow struct {
		Office   string  `parquet:"office,optional"`
		Messages int64   `parquet:"messages,optional"`
		Flag     bool    `parquet:"flag,optional"`
		Score    int32   `parquet:"score,optional"`
		Sum      float64 `parquet:"sum"`
	}
	tests := []struct {
		name  string
		check func(t *testing.T, rng *rand.Rand, n int)
	}{
		{"offices", sameRows[aggregate.OfficeRow]},
		{"users", sameRows[aggregate.UserRow]},
		{"channels", sameRows[aggregate.ChannelRow]},
		{"channel_users", sameRows[aggregate.ChannelUserRow]},
		{"topics", sameRows[aggregate.TopicRow]},
		{"activity", sameRows[aggregate.ActivityRow]},
		{"reactions", sameRows[aggregate.ReactionRow]},
		{"threads", sameRows[aggregate.ThreadRow]},
		{"offices with text", func(t *testing.T, rng *rand.Rand, n int) {
			written := randomRows[aggregate.OfficeTextRow](rng, n)
			want := make([]aggregate.OfficeRow, n)
			for i, r := range written {
				want[i] = r.OfficeRow
				want[i].EvidenceText = r.EvidenceText
				want[i].PositiveEvidenceText, want[i].NegativeEvidenceText = r.PositiveEvidenceText, r.NegativeEvidenceText
			}
			checkRead(t, written, want)
		}},
		{"users with text", func(t *testing.T, rng *rand.Rand, n int) {
			written := randomRows[aggregate.UserTextRow](rng, n)
			want := make([]aggregate.UserRow, n)
			for i, r := range written {
				want[i] = r.UserRow
				want[i].EvidenceText, want[i].MentionEvidenceText, want[i].SarcasmEvidenceText = r.EvidenceText, r.MentionEvidenceText, r.SarcasmEvidenceText
				want[i].PositiveEvidenceText, want[i].NegativeEvidenceText = r.PositiveEvidenceText, r.NegativeEvidenceText
			}
			checkRead(t, written, want)
		}},
		{"topics with text", func(t *testing.T, rng *rand.Rand, n int) {
			written := randomRows[aggregate.TopicTextRow](rng, n)
			want := make([]aggregate.TopicRow, n)
			for i, r := range written {
				want[i] = r.TopicRow
				want[i].EvidenceText = r.EvidenceText
			}
			checkRead(t, written, want)
		}},
		{"threads with text", func(t *testing.T, rng *rand.Rand, n int) {
			written := randomRows[aggregate.ThreadTextRow](rng, n)
			want := make([]aggregate.ThreadRow, n)
			for i, r := range written {
				want[i] = r.ThreadRow
				want[i].QuestionText = r.QuestionText
			}
			checkRead(t, written, want)
		}},
		{"optional columns read nulls as zero", func(t *testing.T, rng *rand.Rand, n int) {
			rows := randomRows[optionalRow](rng, n)
			for i := range rows {
				if i%3 == 0 {
					rows[i] = optionalRow{Sum: rows[i].Sum}
				}
			}
			checkRead(t, rows, rows)
		}},
	}
	for _, tt := range tests {
		for _, n := range []int{0, 1, 3000} {
			t.Run(fmt.Sprintf("%s/%d rows", tt.name, n), func(t *testing.T) {
				tt.check(t, rand.New(rand.NewPCG(uint64(n), 1)), n)
			})
		}
	}
}

// TestReadColumnsErrors checks that files that are not partitions of the
// row type give an error that says what is wrong, and no rows.
func TestReadColumnsErrors(t *testing.T) {
	reactions := encode(t, []aggregate.ReactionRow{{Office: "berlin", Emoji: "tada", ReactionsReceived: 3}})
	hugeFooter := bytes.Clone(reactions)
	copy(hugeFooter[len(hugeFooter)-8:], "\x00\xff\xff\xff")
	type wrongType struct {
		Office            string `parquet:"office"`
		Emoji             int64  `parquet:"emoji"`
		ReactionsReceived int64  `parquet:"reactions_received"`
	}
	type listForValue struct {
		Office            string   `parquet:"office"`
		Emoji             []string `parquet:"emoji,list"`
		ReactionsReceived int64    `parquet:"reactions_received"`
	}
	type valueForList struct {
		Office       string `parquet:"office"`
		AuthorHashes int64  `parquet:"author_hashes"`
		ManyAuthors  bool   `parquet:"many_authors"`
		HourOfWeek   int32  `parquet:"hour_of_week"`
		Messages     int64  `parquet:"messages"`
	}
	tests := []struct {
		name string
		data []byte
		read func([]byte) error
		want string
	}{
		{"empty", nil, readAs[aggregate.ReactionRow], "not a Parquet file (0 bytes, no PAR1 at both ends)"},
		{"footer longer than the file", hugeFooter, readAs[aggregate.ReactionRow], "not a Parquet file: a footer of 4294967040 bytes"},
		{"not parquet", []byte("office,emoji\nberlin,tada\n"), readAs[aggregate.ReactionRow], "not a Parquet file"},
		{"truncated", reactions[:len(reactions)/2], readAs[aggregate.ReactionRow], "parquet"},
		{"footer only", reactions[len(reactions)-8:], readAs[aggregate.ReactionRow], "parquet"},
		{"missing column", reactions, readAs[aggregate.TopicRow], `no column "topic"`},
		{"wrong type", encode(t, []wrongType{{Office: "berlin", Emoji: 1}}), readAs[aggregate.ReactionRow], "column emoji: values of type INT64, want BYTE_ARRAY"},
		{"list for a value", encode(t, []listForValue{{Office: "berlin", Emoji: []string{"tada"}}}), readAs[aggregate.ReactionRow], "column emoji:"},
		{"value for a list", encode(t, []valueForList{{Office: "berlin"}}), readAs[aggregate.ActivityRow], "column author_hashes:"},
		{"unsupported field", reactions, readAs[struct {
			Emoji []byte `parquet:"emoji"`
		}], "column emoji: cannot read into a field of type []uint8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read(tt.data)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tt.want)) {
				t.Errorf("got error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// encode writes rows as a partition.
func encode[T any](t *testing.T, rows []T) []byte {
	t.Helper()
	data, err := EncodeParquet(rows, "test")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// readAs reads data as rows of T, wanting an error.
func readAs[T any](data []byte) error {
	rows, err := ReadColumns[T](context.Background(), data)
	if err == nil {
		return fmt.Errorf("read %d rows and no error", len(rows))
	}
	if rows != nil {
		return fmt.Errorf("rows with an error: %w", err)
	}
	return err
}

// TestReadColumnsCancelled checks that a cancelled context stops a read.
func TestReadColumnsCancelled(t *testing.T) {
	data, err := EncodeParquet(randomRows[aggregate.TopicRow](rand.New(rand.NewPCG(1, 2)), 10), "test")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadColumns[aggregate.TopicRow](ctx, data); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// FuzzReadColumns checks that any input, Parquet or not, gives rows or an
// error, never a panic, and that rows read once read back the same after
// writing them again (but for the fields only some files hold).
func FuzzReadColumns(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 40} {
		for _, data := range [][]byte{
			encodeSeed(f, randomRows[aggregate.TopicRow](rng, n)),
			encodeSeed(f, randomRows[aggregate.TopicTextRow](rng, n)),
			encodeSeed(f, randomRows[aggregate.UserRow](rng, n)),
		} {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead[aggregate.TopicRow](t, data)
		fuzzRead[aggregate.UserRow](t, data)
	})
}

func encodeSeed[T any](f *testing.F, rows []T) []byte {
	data, err := EncodeParquet(rows, "seed")
	if err != nil {
		f.Fatal(err)
	}
	return data
}

func fuzzRead[T any](t *testing.T, data []byte) {
	rows, err := ReadColumns[T](context.Background(), data)
	if err != nil {
		return
	}
	again, err := EncodeParquet(rows, "fuzz")
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadColumns[T](context.Background(), again)
	if err != nil {
		t.Fatal(err)
	}
	// A file of T holds no column-only fields (`parquet:"-"`).
	for i := range rows {
		clearColumnOnly(reflect.ValueOf(&rows[i]).Elem())
	}
	if len(rows) > 0 && !reflect.DeepEqual(rows, back) {
		t.Errorf("rows differ after writing them again")
	}
}

func clearColumnOnly(v reflect.Value) {
	for i := range v.NumField() {
		switch f := v.Type().Field(i); {
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			clearColumnOnly(v.Field(i))
		case f.Tag.Get("parquet") == "-":
			v.Field(i).SetZero()
		}
	}
}

// TestReadColumnsListsApart checks that appending to a list read from a
// file leaves the next row's list alone, although the lists of a column
// chunk share one array.
func TestReadColumnsListsApart(t *testing.T) {
	data := encode(t, []aggregate.TopicRow{
		{Topic: "a", Evidence: []string{"C1/1.000001"}, AuthorColumns: aggregate.AuthorColumns{AuthorHashes: []int64{1}}},
		{Topic: "b", Evidence: []string{"C2/2.000002"}, AuthorColumns: aggregate.AuthorColumns{AuthorHashes: []int64{2}}},
	})
	rows, err := ReadColumns[aggregate.TopicRow](context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(rows[0].Evidence, "C3/3.000003")
	_ = append(rows[0].AuthorHashes, 3)
	if rows[1].Evidence[0] != "C2/2.000002" || rows[1].AuthorHashes[0] != 2 {
		t.Errorf("appending to row 0 changed row 1: %+v", rows[1])
	}
}
