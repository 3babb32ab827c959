// Package jobs holds the jobs users run, each wired from pipeline (reading,
// accounting, outputs), nlp (text analysis) and pipeline/aggregate (the
// mergeable aggregates). A job takes an options struct and a context and
// returns a result; the command line only parses flags into the options.
//
// Run analyses a time range: its Workers hold each message hour until its
// edit window has passed, then the worker that owns the hour's day scores
// its messages and adds them to the day's aggregate; its Handler, as the
// engine completes the day, writes the day's Parquet partitions and folds
// the day into the range total from which summary.json is computed.
package jobs
