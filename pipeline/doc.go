// Package pipeline is the engine between an archive and an output: it reads
// the objects of a time range from an archive (package pipeline/archive),
// decodes and accounts for every record, builds the Arrow batches the
// analysis consumes, and hands complete days to a Handler, which writes
// them to an output (package pipeline/output). It owns concurrency.
//
// # The engine
//
// Run reads the hour prefixes of a range, plus the late-arrival margin after
// it, and moves records through these stages:
//
//	list hours ──▶ objects, in hour order ──▶ N readers ──▶ N Workers
//	(ListAhead hours ahead, concurrently)     open, gunzip, split lines,
//	                                          decode, quarantine, dedup,
//	                                          Arrow batches
//
// Each reader goroutine owns its decoder, line buffer, Arrow batch builder
// and Worker: nothing on the hot path is shared but the dedup set. A batch
// belongs to the reader that built it and is released when the Worker's
// Process returns; a Worker that keeps one must Retain it. Sends and
// receives select on the context, so the first error stops every stage.
//
// # Watermarks
//
// Objects are handed out in hour order. When the last object of an arrival
// hour is read, every record of the message hours that could still arrive
// in it has been seen (a record counts only within the margin after its
// message hour; see archive.InArrivalWindow). From that the engine derives a time
// "through" before which no message can change any more: it then drops the
// dedup state of those hours, asks each Worker to Flush what it holds before
// through, and once every Worker has, tells the Handler to Complete through
// it. A Handler writes a message day as soon as it is complete, so memory
// holds only the days in flight.
//
// # Edits, deletions and reactions
//
// A message changes for the edit window after its hour (Config.EditWindow):
// edits, deletions and reactions that arrive in it apply. They are windowed,
// ranged and deduplicated by the message they point at, and gathered in a
// Revisions shared by the readers. The run reads the window's extra arrival
// hours after the range, and "through" trails the arrival watermark by the
// margin plus the window, so a Worker hands over a message only once its
// final form is known; by then the Revisions of its day are complete and
// may be read without locks.
//
// # Accounting
//
// Every record read is counted as parsed, quarantined or a duplicate, and
// every parsed record as in range or out of range; Counts.Check verifies the
// identities at the end of every run.
//
// # Around it
//
// pipeline/archive is where bytes come from: the local and S3 stores, the
// Firehose key layout and the arrival-window rule. It imports neither Arrow
// nor Parquet, so the ingestion Lambda, which shares it, stays small.
// pipeline/output is where results go and are read back: local and S3
// outputs, their commit protocols, the published-manifest reader and the
// Parquet reader. pipeline/aggregate holds the mergeable day tables.
package pipeline
