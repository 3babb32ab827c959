// Package jobs holds the jobs users run, each wired from pipeline (reading,
// accounting, outputs), nlp (text analysis) and pipeline/aggregate (the
// mergeable aggregates). A job takes an options struct and a context and
// returns a result; the command line only parses flags into the options.
//
// Run analyses a time range: its Workers score each message and add it to
// per-day aggregates; its Handler merges the workers' days as the engine
// completes them, writes each day's Parquet partitions, and folds the day
// into the range total from which summary.json is computed.
package jobs
