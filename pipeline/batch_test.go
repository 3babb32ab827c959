package pipeline_test

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wiretap-hq/wiretap/internal/testutil/samples"
	"github.com/wiretap-hq/wiretap/pipeline"
	"github.com/wiretap-hq/wiretap/schema"
)

// TestBatchRoundTrip appends the sample messages to a BatchBuilder, cuts
// batches of several sizes and reads every row back with Rows.
func TestBatchRoundTrip(t *testing.T) {
	msgs := sampleMessages(t)
	for _, size := range []int{1, 3, len(msgs)} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)

		b := pipeline.NewBatchBuilder(mem)
		defer b.Release()
		var got []schema.Message
		flush := func() {
			n := b.Len()
			rec := b.NewBatch()
			defer rec.Release()
			if b.Len() != 0 || b.Bytes() != 0 {
				t.Errorf("after NewBatch Len, Bytes = %d, %d; want 0, 0", b.Len(), b.Bytes())
			}
			if int(rec.NumRows()) != n {
				t.Fatalf("batch has %d rows, want %d", rec.NumRows(), n)
			}
			if v, _ := rec.Schema().Metadata().GetValue("wiretap.schema_version"); v != "1" {
				t.Errorf("schema_version metadata = %q", v)
			}
			rows, err := pipeline.NewRows(rec)
			if err != nil {
				t.Fatal(err)
			}
			if rows.Len() != n {
				t.Fatalf("Rows.Len = %d, want %d", rows.Len(), n)
			}
			var m schema.Message
			for i := range rows.Len() {
				rows.Message(i, &m)
				got = append(got, m.Clone())
			}
		}
		wantBytes := 0
		for i := range msgs {
			b.Append(&msgs[i])
			wantBytes += len(msgs[i].Text) + len(msgs[i].TS) + len(msgs[i].EventID)
			if b.Bytes() != wantBytes {
				t.Fatalf("Bytes = %d, want %d", b.Bytes(), wantBytes)
			}
			if b.Len() == size {
				flush()
				wantBytes = 0
			}
		}
		if b.Len() > 0 {
			flush()
		}
		if len(got) != len(msgs) {
			t.Fatalf("batch size %d: read %d rows, want %d", size, len(got), len(msgs))
		}
		for i := range msgs {
			if !messagesEqual(got[i], msgs[i]) {
				t.Errorf("batch size %d, row %d:\ngot  %+v\nwant %+v", size, i, got[i], msgs[i])
			}
		}
	}
}

// TestBatchNulls checks that empty optional fields are null, required ones
// are not, and that an empty batch is valid.
func TestBatchNulls(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	b := pipeline.NewBatchBuilder(mem)
	defer b.Release()

	sparse := schema.Message{Team: "T1", ChannelID: "C1", TS: "1355517523.000005",
		Time: time.Unix(1355517523, 5000).UTC(), Source: schema.SourceWebhook}
	full := schema.Message{Team: "T1", ChannelID: "C1", ChannelName: "general", UserID: "U1",
		UserName: "steve", TS: "1355517524.000005", Time: time.Unix(1355517524, 5000).UTC(),
		Text: "hi", ThreadTS: "1355517523.000005", ParentUser: "U2", Subtype: "thread_broadcast",
		BotID: "B1", EventID: "Ev1", EditedTS: "1355517525.000000", Source: schema.SourceEventsAPI,
		Kind: schema.KindReactionAdded, Reaction: "+1", ItemUser: "U3", ItemTS: "1355517523.000005"}
	b.Append(&sparse)
	b.Append(&full)
	rec := b.NewBatch()
	defer rec.Release()

	required := map[string]bool{"team_id": true, "channel_id": true, "ts": true, "time": true, "source": true, "kind": true}
	for i, f := range rec.Schema().Fields() {
		col := rec.Column(i)
		if f.Nullable == required[f.Name] {
			t.Errorf("column %s: Nullable = %v", f.Name, f.Nullable)
		}
		wantNulls := 1
		if required[f.Name] {
			wantNulls = 0
		}
		if col.NullN() != wantNulls {
			t.Errorf("column %s: %d nulls, want %d", f.Name, col.NullN(), wantNulls)
		}
		if col.IsNull(1) {
			t.Errorf("column %s: null in the full row", f.Name)
		}
	}
	if d, ok := rec.Column(rec.Schema().FieldIndices("source")[0]).(*array.Dictionary); !ok {
		t.Error("source column is not dictionary-encoded")
	} else if d.Dictionary().Len() != 2 {
		t.Errorf("source dictionary has %d values, want 2", d.Dictionary().Len())
	}

	rows, err := pipeline.NewRows(rec)
	if err != nil {
		t.Fatal(err)
	}
	var m schema.Message
	rows.Message(0, &m)
	if !messagesEqual(m, sparse) {
		t.Errorf("sparse row = %+v, want %+v", m, sparse)
	}
	rows.Message(1, &m)
	if !messagesEqual(m, full) {
		t.Errorf("full row = %+v, want %+v", m, full)
	}

	empty := b.NewBatch()
	defer empty.Release()
	if empty.NumRows() != 0 {
		t.Errorf("empty batch has %d rows", empty.NumRows())
	}
	if rows, err := pipeline.NewRows(empty); err != nil || rows.Len() != 0 {
		t.Errorf("NewRows(empty) = %v rows, %v", rows, err)
	}
}

// TestBatchDictionaryRestarts checks that each batch carries only its own
// dictionary values: batches stand alone.
func TestBatchDictionaryRestarts(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	b := pipeline.NewBatchBuilder(mem)
	defer b.Release()
	m1 := schema.Message{Team: "T1", ChannelID: "C1", TS: "1355517523.000005", Time: schema.Epoch}
	m2 := schema.Message{Team: "T2", ChannelID: "C2", TS: "1355517523.000006", Time: schema.Epoch}
	b.Append(&m1)
	r1 := b.NewBatch()
	defer r1.Release()
	b.Append(&m2)
	r2 := b.NewBatch()
	defer r2.Release()
	d := r2.Column(0).(*array.Dictionary)
	if n := d.Dictionary().Len(); n != 1 {
		t.Errorf("second batch's team dictionary has %d values, want 1", n)
	}
	rows, err := pipeline.NewRows(r2)
	if err != nil {
		t.Fatal(err)
	}
	var got schema.Message
	rows.Message(0, &got)
	if got.Team != "T2" || got.ChannelID != "C2" {
		t.Errorf("second batch row = %+v", got)
	}
}

func TestNewRowsRejectsOtherSchema(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rb := array.NewRecordBuilder(mem, sc)
	defer rb.Release()
	rb.Field(0).(*array.Int64Builder).Append(1)
	rec := rb.NewRecordBatch()
	defer rec.Release()
	if _, err := pipeline.NewRows(rec); err == nil {
		t.Error("NewRows accepted a batch of another schema")
	}
}

// sampleMessages decodes the messages of schema's decoder testdata.
func sampleMessages(t testing.TB) []schema.Message {
	t.Helper()
	return samples.Messages(t, "../schema/testdata/decode")
}
