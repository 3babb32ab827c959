package output

import (
	"bytes"
	"context"
	"reflect"
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
