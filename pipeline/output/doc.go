// Package output is where a run's results go and how they are read back.
//
// An Output stages files and publishes them together at Commit: a
// LocalOutput by renames (partitions whole, the manifest last), an S3Output
// by writing the top-level manifest last, with a "published" member
// (Publication) naming the object of every file. OpenOutput picks one for a
// location.
//
// A Reader reads what an output publishes: a folder as it is, an S3 output
// through its publication, read once at open, so that a reader never sees
// a half-committed run; Overlay stacks readers (shards over a merged
// output). ReadColumns decodes a partition's Parquet file into rows.
// ReadSide, WriteSide and RemoveSide handle the few files kept beside an
// output outside its publication (the nightly state, the last failure).
package output
