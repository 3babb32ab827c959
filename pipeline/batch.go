package pipeline

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wiretap-hq/wiretap/schema"
)

// Column positions in ArrowSchema.
const (
	colTeam = iota
	colChannelID
	colChannelName
	colUserID
	colUserName
	colTS
	colTime
	colText
	colThreadTS
	colParentUser
	colSubtype
	colBotID
	colEventID
	colEditedTS
	colSource
	colKind
	colReaction
	colItemUser
	colItemTS
	numColumns
)

// Identifiers repeat across a batch (a few hundred users and channels in
// thousands of rows), so they are dictionary-encoded: the batch stores each
// once and rows hold int32 indices. Free text and per-message ids are not.
var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// ArrowSchema is the Arrow form of schema.Message. Optional fields are null when
// absent. The schema version travels in the metadata.
var ArrowSchema = arrow.NewSchema([]arrow.Field{
	colTeam:        {Name: "team_id", Type: dictString},
	colChannelID:   {Name: "channel_id", Type: dictString},
	colChannelName: {Name: "channel_name", Type: dictString, Nullable: true},
	colUserID:      {Name: "user_id", Type: dictString, Nullable: true},
	colUserName:    {Name: "user_name", Type: dictString, Nullable: true},
	colTS:          {Name: "ts", Type: arrow.BinaryTypes.String},
	colTime:        {Name: "time", Type: arrow.FixedWidthTypes.Timestamp_us},
	colText:        {Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
	colThreadTS:    {Name: "thread_ts", Type: arrow.BinaryTypes.String, Nullable: true},
	colParentUser:  {Name: "parent_user_id", Type: dictString, Nullable: true},
	colSubtype:     {Name: "subtype", Type: dictString, Nullable: true},
	colBotID:       {Name: "bot_id", Type: dictString, Nullable: true},
	colEventID:     {Name: "event_id", Type: arrow.BinaryTypes.String, Nullable: true},
	colEditedTS:    {Name: "edited_ts", Type: arrow.BinaryTypes.String, Nullable: true},
	colSource:      {Name: "source", Type: dictString},
	colKind:        {Name: "kind", Type: dictString},
	colReaction:    {Name: "reaction", Type: dictString, Nullable: true},
	colItemUser:    {Name: "item_user_id", Type: dictString, Nullable: true},
	colItemTS:      {Name: "item_ts", Type: arrow.BinaryTypes.String, Nullable: true},
}, func() *arrow.Metadata {
	m := arrow.NewMetadata([]string{"wiretap.schema_version"}, []string{fmt.Sprint(schema.Version)})
	return &m
}())

// A BatchBuilder accumulates Messages into Arrow record batches. It is not
// safe for concurrent use. Call Release when done with it.
type BatchBuilder struct {
	dicts     [numColumns]*dictBuilder
	strs      [numColumns]*array.StringBuilder
	times     *array.TimestampBuilder
	cols      []arrow.Array // scratch for NewBatch
	rows      int
	textBytes int
}

// NewBatchBuilder returns a builder allocating from mem.
func NewBatchBuilder(mem memory.Allocator) *BatchBuilder {
	b := &BatchBuilder{cols: make([]arrow.Array, numColumns)}
	for i, f := range ArrowSchema.Fields() {
		switch f.Type.ID() {
		case arrow.DICTIONARY:
			b.dicts[i] = newDictBuilder(mem)
		case arrow.STRING:
			b.strs[i] = array.NewStringBuilder(mem)
		case arrow.TIMESTAMP:
			b.times = array.NewTimestampBuilder(mem, f.Type.(*arrow.TimestampType))
		}
	}
	return b
}

// Release frees the builder's buffers.
func (b *BatchBuilder) Release() {
	for i := range numColumns {
		if d := b.dicts[i]; d != nil {
			d.release()
		}
		if s := b.strs[i]; s != nil {
			s.Release()
		}
	}
	b.times.Release()
}

// Len is the number of rows appended since the last NewBatch.
func (b *BatchBuilder) Len() int { return b.rows }

// Bytes approximates the variable-length bytes appended since the last
// NewBatch; batches are cut by rows and by bytes so that one huge message
// cannot make a batch huge.
func (b *BatchBuilder) Bytes() int { return b.textBytes }

// Append adds m as a row.
func (b *BatchBuilder) Append(m *schema.Message) {
	b.dict(colTeam, m.Team, false)
	b.dict(colChannelID, m.ChannelID, false)
	b.dict(colChannelName, m.ChannelName, true)
	b.dict(colUserID, m.UserID, true)
	b.dict(colUserName, m.UserName, true)
	b.str(colTS, m.TS, false)
	b.times.Append(arrow.Timestamp(m.Time.UnixMicro()))
	b.str(colText, m.Text, true)
	b.str(colThreadTS, m.ThreadTS, true)
	b.dict(colParentUser, m.ParentUser, true)
	b.dict(colSubtype, m.Subtype, true)
	b.dict(colBotID, m.BotID, true)
	b.str(colEventID, m.EventID, true)
	b.str(colEditedTS, m.EditedTS, true)
	b.dict(colSource, m.Source.String(), false)
	b.dict(colKind, m.Kind.String(), false)
	b.dict(colReaction, m.Reaction, true)
	b.dict(colItemUser, m.ItemUser, true)
	b.str(colItemTS, m.ItemTS, true)
	b.rows++
	b.textBytes += len(m.Text) + len(m.TS) + len(m.EventID)
}

func (b *BatchBuilder) dict(col int, v string, nullable bool) {
	d := b.dicts[col]
	if nullable && v == "" {
		d.appendNull()
		return
	}
	d.append(v)
}

func (b *BatchBuilder) str(col int, v string, nullable bool) {
	s := b.strs[col]
	if nullable && v == "" {
		s.AppendNull()
		return
	}
	s.Append(v)
}

// NewBatch returns the rows appended so far as a record batch and resets the
// builder. The caller owns the batch and must Release it.
func (b *BatchBuilder) NewBatch() arrow.RecordBatch {
	for i := range numColumns {
		switch {
		case b.dicts[i] != nil:
			b.cols[i] = b.dicts[i].newArray()
		case b.strs[i] != nil:
			b.cols[i] = b.strs[i].NewArray()
		default:
			b.cols[i] = b.times.NewArray()
		}
	}
	rec := array.NewRecordBatch(ArrowSchema, b.cols, int64(b.rows))
	for i, c := range b.cols {
		c.Release() // the batch holds its own reference
		b.cols[i] = nil
	}
	b.rows, b.textBytes = 0, 0
	return rec
}

// Rows reads Messages back out of a record batch with ArrowSchema. It holds
// no reference of its own: the batch must outlive it.
type Rows struct {
	n     int
	dicts [numColumns]*array.Dictionary
	vals  [numColumns]*array.String // dictionary values, or the column for plain strings
	times *array.Timestamp
}

// NewRows checks that rec has ArrowSchema and prepares to read it.
func NewRows(rec arrow.RecordBatch) (*Rows, error) {
	if !rec.Schema().Equal(ArrowSchema) {
		return nil, fmt.Errorf("record batch schema %v is not the message schema", rec.Schema())
	}
	r := &Rows{n: int(rec.NumRows())}
	for i := range numColumns {
		switch c := rec.Column(i).(type) {
		case *array.Dictionary:
			r.dicts[i] = c
			r.vals[i] = c.Dictionary().(*array.String)
		case *array.String:
			r.vals[i] = c
		case *array.Timestamp:
			r.times = c
		}
	}
	return r, nil
}

// Len is the number of rows.
func (r *Rows) Len() int { return r.n }

func (r *Rows) get(col, i int) string {
	if d := r.dicts[col]; d != nil {
		if d.IsNull(i) {
			return ""
		}
		return r.vals[col].Value(d.GetValueIndex(i))
	}
	s := r.vals[col]
	if s.IsNull(i) {
		return ""
	}
	return s.Value(i)
}

// A Dict is the dictionary of one dictionary-encoded column of a batch.
// Work that depends only on a value (a roster lookup, interning an id) can
// be done once per distinct value of the batch instead of once per row.
type Dict struct {
	idx  *array.Dictionary
	vals *array.String
}

// Len is the number of distinct values.
func (d Dict) Len() int { return d.vals.Len() }

// Value is the value at dictionary position k. It aliases the batch.
func (d Dict) Value(k int) string { return d.vals.Value(k) }

// Index is the dictionary position of row i's value, or -1 for a null.
func (d Dict) Index(i int) int {
	if d.idx.IsNull(i) {
		return -1
	}
	return d.idx.GetValueIndex(i)
}

// Teams is the dictionary of the team_id column.
func (r *Rows) Teams() Dict { return Dict{r.dicts[colTeam], r.vals[colTeam]} }

// Channels is the dictionary of the channel_id column.
func (r *Rows) Channels() Dict { return Dict{r.dicts[colChannelID], r.vals[colChannelID]} }

// Users is the dictionary of the user_id column.
func (r *Rows) Users() Dict { return Dict{r.dicts[colUserID], r.vals[colUserID]} }

// ChannelNames is the dictionary of the channel_name column.
func (r *Rows) ChannelNames() Dict { return Dict{r.dicts[colChannelName], r.vals[colChannelName]} }

// UserNames is the dictionary of the user_name column.
func (r *Rows) UserNames() Dict { return Dict{r.dicts[colUserName], r.vals[colUserName]} }

// ParentUsers is the dictionary of the parent_user_id column.
func (r *Rows) ParentUsers() Dict { return Dict{r.dicts[colParentUser], r.vals[colParentUser]} }

// Time is row i's message time, without decoding the rest of the row.
func (r *Rows) Time(i int) time.Time { return time.UnixMicro(int64(r.times.Value(i))).UTC() }

// Message fills m from row i. Its strings alias the batch's buffers.
func (r *Rows) Message(i int, m *schema.Message) {
	src, _ := schema.ParseSource(r.get(colSource, i))
	kind, _ := schema.ParseKind(r.get(colKind, i))
	*m = schema.Message{
		Team:        r.get(colTeam, i),
		ChannelID:   r.get(colChannelID, i),
		ChannelName: r.get(colChannelName, i),
		UserID:      r.get(colUserID, i),
		UserName:    r.get(colUserName, i),
		TS:          r.get(colTS, i),
		Time:        time.UnixMicro(int64(r.times.Value(i))).UTC(),
		Text:        r.get(colText, i),
		ThreadTS:    r.get(colThreadTS, i),
		ParentUser:  r.get(colParentUser, i),
		Subtype:     r.get(colSubtype, i),
		BotID:       r.get(colBotID, i),
		EventID:     r.get(colEventID, i),
		EditedTS:    r.get(colEditedTS, i),
		Source:      src,
		Kind:        kind,
		Reaction:    r.get(colReaction, i),
		ItemUser:    r.get(colItemUser, i),
		ItemTS:      r.get(colItemTS, i),
	}
}
