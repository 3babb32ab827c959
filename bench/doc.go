// Package bench holds Wiretap's benchmark suite: BenchmarkDecode (the
// record decoder alone) and BenchmarkEngine (pipeline.Run without the
// analysis), both over a generated archive in memory, so that choices such
// as the decoder can be re-measured; the commands under
// bench/cmd that time whole runs (runbench, scaling; runbench --s3 also
// from S3 against the folder, over a bucket that s3upload fills), the
// sarcasm trainer
// (trainsarcasm), and the synthetic archive generator with its planted
// ground truth (package bench/generator), which `wiretap gen` and every
// end-to-end test use.
//
// `make bench` generates the benchmark archive and prints what it measures;
// the README quotes the figures of the latest run.
package bench
