// Package ingest receives Slack's messages and puts them in the archive:
// the ingest Lambda behind API Gateway (or a function URL) in production,
// and the local ingest server (`wiretap ingest serve`) for everyone else.
// Both run the same transport-neutral Handler.
//
// # Three seconds
//
// Slack wants a 2xx within 3 seconds or it retries, up to three times. The
// Handler therefore does only what must happen before answering, in this
// order:
//
//  1. verify: the v0 request signature (HMAC-SHA256 over
//     "v0:<X-Slack-Request-Timestamp>:<raw body>", compared in constant
//     time) with a timestamp within 5 minutes of the clock; for legacy
//     outgoing webhooks, the verification token (constant time). Every
//     failure is a bare 401.
//  2. normalise: with package schema, the code the batch reader uses, into
//     one canonical NDJSON record (Encoder.AppendNDJSON), token dropped.
//     url_verification is answered with its challenge; event types that
//     are not archived are acknowledged and counted.
//  3. put: one record on the Sink, bounded by PutTimeout (2.5 s) so the
//     answer still beats Slack's deadline.
//
// No enrichment, no lookups, no NLP: everything else is the batch side's.
//
// # At least once
//
// A 200 means the record is safe: Firehose accepted it (FirehoseSink), or it
// is in the buffer that the next flush or Close writes (ArchiveSink). When
// the sink fails the answer is 503 and Slack sends the event again, with
// X-Slack-Retry-Num; a retry is accepted like any request. Slack's retries,
// a FirehoseSink resend after a timeout and Firehose's own redelivery all
// produce duplicates, which the batch side removes by event id and message
// key (schema.Message.EventKey, Key). Nothing here deduplicates: a Lambda
// has no memory worth trusting across invocations.
//
// # Record size
//
// Firehose takes records of at most 1,000 KiB (MaxRecordBytes). A record
// over it has its text cut at a UTF-8 boundary and TruncationMarker
// appended (counted in Stats.Truncated, logged with its ids and sizes); if
// it does not fit even with an empty text it is dropped (Stats.Dropped, an
// error log line). Slack limits messages to 40,000 characters, so neither
// happens to real traffic. Request bodies over 1 MiB + 64 KiB are refused
// with 413 before anything else is done.
//
// # What is never logged
//
// The signing secret and the verification token, and request bodies or any
// part of them: no message text, no challenge, no JSON parse error (they
// quote the input). Log lines carry reasons, sizes, counts and Slack ids
// (team, channel, ts, event id, event type), and ids that do not look like
// ids are replaced by a placeholder. Verifier, Secrets and ServeOptions
// format with their secrets redacted.
package ingest
