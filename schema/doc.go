// Package schema defines the canonical Slack message record that every part
// of Wiretap agrees on: its Go form (Message) and its NDJSON form (what the
// ingest Lambda puts on Firehose). It knows what a message is and nothing of
// where it came from. It imports no Arrow or Parquet, so the ingestion
// Lambda that shares it stays small; the Arrow form the batch engine
// processes lives beside the engine, in package pipeline.
//
// # Shapes in the archive
//
// A Decoder reads one line of an archive object at a time and accepts three
// shapes, so that old and new archives read alike:
//
//  1. The flat outgoing-webhook JSON of the first archives:
//
//     {"token":"…","team_id":"T0001","channel_id":"C2147483705","channel_name":"general",
//     "timestamp":"1355517523.000005","user_id":"U2147483697","user_name":"Steve",
//     "text":"…","trigger_word":""}
//
//  2. The raw Events API envelope, for message and app_mention events (with
//     their subtypes) and reaction_added / reaction_removed:
//
//     {"type":"event_callback","team_id":"T0001","event_id":"Ev0PV52K21",
//     "event":{"type":"message","channel":"C1","user":"U1","text":"…","ts":"…"}}
//
//  3. The canonical record, which carries its version in "v":
//
//     {"v":1,"src":"events","team":"T0001","channel":"C1","user":"U1","ts":"…","text":"…"}
//
// The shape is told by its fields: "v" means canonical, "event" or "type"
// an envelope, "channel_id" or "timestamp" a webhook. Fields have fixed
// types: a field of the wrong type is an error naming the field, never a
// silent zero. The webhook token is a credential: it is never read, so it
// cannot survive decoding. Strings must be valid UTF-8; a line that is not
// is rejected whole.
//
// Firehose concatenates records as the producer gave them, so a producer
// that forgot the trailing newline glues records together ("}{"); a Decoder
// returns each of them. A syntax error makes the rest of the line one bad
// record.
//
// # Identity
//
// Delivery is at least once: Slack retries, Firehose redelivers. Key
// identifies a message by (team, channel, ts), whatever shape carried it,
// and EventKey identifies an Events API delivery by its event id.
//
// # Time
//
// A Slack ts is Unix seconds and microseconds as a string
// ("1355517523.000005"). It is kept as sent, for identity, and parsed into
// Time, for everything else; a ts before 2009 is implausible and rejected.
package schema
