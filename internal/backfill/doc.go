// Package backfill converts a Slack workspace export into archive objects,
// so that a team can start with its history: `wiretap backfill`.
//
// # Input
//
// A workspace export is a zip:
//
//	channels.json            [{"id":"C0001","name":"general",...}, ...]
//	groups.json, mpims.json  private channels and group DMs, same shape (optional)
//	dms.json                 direct messages, folders named by id (optional)
//	users.json               [{"id":"U0001","team_id":"T0001","name":"steve","real_name":...}, ...]
//	general/2016-11-18.json  one folder per channel, one JSON array of messages per day
//
// Exports made by some tools put all of this under one top-level folder;
// the folder holding channels.json is taken as the root. Other entries
// (integration_logs.json, canvases, __MACOSX/) are ignored.
//
// Each element of a day file whose type is "message" becomes one canonical
// record (schema.Message, Source = schema.SourceExport) with the channel's
// id and name, the author's name from users.json and the team given in
// Options.Team (or, failing that, the users' team_id). Subtypes are kept,
// so joins, bot messages and edits are classified by the batch side as they
// are for live traffic (schema.Message.IsAuthored). Reactions, files and
// attachments are not converted: an export does not say when a reaction
// was added, and without that time a reaction record could never be
// deduplicated against the live ones.
//
// # Output
//
// Records are filed by message time: one object per UTC hour of messages,
// under a real Firehose key
//
//	<Prefix>YYYY/MM/dd/HH/slack-backfill-1-YYYY-MM-dd-HH-mm-ss-<uuid>[.gz]
//
// whose time is the first message of the hour, so that `wiretap run` reads
// each record in its own arrival window. The uuid is derived from a hash of
// the object's (uncompressed) content, records sorted by time, so the same
// messages always give the same key.
//
// # Duplicates and reruns
//
// Before an hour H is written, the Firehose objects already filed under the
// arrival hours that `wiretap run` would read for H (H-1h through
// H+Margin) are decoded with schema.Decoder, and every message whose Key is
// already there is skipped: live traffic archived by the ingest Lambda or
// `wiretap ingest serve` wins over the export's copy, and so do the objects
// of an earlier backfill. A rerun therefore writes nothing (its messages
// are all in the objects of the first run), an interrupted run resumes
// where it stopped, and a later, larger export adds only what is new.
// Messages repeated within the export are written once.
//
// # Memory
//
// The export is read one calendar day at a time: every channel's file of
// day D is parsed (one file in memory at a time, at most
// Options.MaxEntryBytes), its messages are kept, grouped by UTC hour, until
// the day is written, and then dropped. The dedup index holds the message
// keys of at most the 2+Margin/1h archive hours around the hour being
// written and the object listing of the days they fall in. Memory is thus
// bounded by one day of the export plus a few hours of the archive, not by
// the export's size.
package backfill
