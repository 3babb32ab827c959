// Package generator generates synthetic Wiretap archives with planted facts: a
// Slack workspace's messages as Amazon Data Firehose would have written them
// to S3, and the exact ground truth (Facts) that an end-to-end run of the
// engine over them must reproduce.
//
//	var store generator.MemStore // or archive.Dir{Root: dir}, or an S3 Putter
//	facts, err := generator.Generate(ctx, generator.DefaultConfig(), &store)
//
// The command `wiretap gen` writes one to a folder or a bucket:
//
//	wiretap gen --out /tmp/archive --messages 1000000
//
// # The workspace
//
// One team (Team, "T0001ABCD"), or with Config.Teams several, over which
// the channels are dealt round robin (as in an Enterprise Grid, users are
// shared and a record carries its channel's team). Users ("U" and 8 uppercase letters or
// digits, names like "anna.schmidt") each belong to one office, and each
// office has a time zone (berlin is Europe/Berlin, and so on; see
// Config.Offices). Channels ("C" and 8 characters) are named general,
// random, engineering, ... and some are much busier than others. A few
// users write much more than the rest.
//
// Activity follows each office's local working hours and weekdays, DST
// included, so hour-of-week patterns show. The number of authored messages
// of every UTC hour is fixed in advance, and they add up to Config.Messages
// exactly.
//
// Text is drawn from a Zipf-distributed vocabulary of about 1,000 common
// English words from which every word of the VADER sentiment lexicon was
// removed; Config.Vocabulary adds synthetic words ("bakotun") after them,
// with Config.ZipfExponent. Profile("large") is a large company's week:
// several teams, thousands of people and channels, 20,000 words. Sentences have 3 to 30 words; a message has one to three. Slack
// markup is sprinkled in: mentions <@U…> and <@U…|name>, channel links
// <#C…|name>, links <https://…|label> and <https://…>, <!here>, emoji
// (:smile:, :+1::skin-tone-2:, :rage:, 🎉), inline code and code blocks,
// &amp; &lt; &gt; escapes, newlines, tabs, and non-ASCII (café, 日本語, 🚀).
// About 15% of messages are thread replies: thread_ts is an earlier message
// of the same channel, and parent_user_id (parent_user in the canonical
// form) its author.
//
// Besides authored messages there are records that are parsed but are no
// one's words (schema.Message.IsAuthored is false): bot messages
// (bot_message with bot_id), channel joins, edits (message_changed) and
// deletions (message_deleted) of a message written in the last half hour,
// reactions (reaction_added), and, in the webhook era, Slackbot reminders.
//
// # Producer shapes
//
// The first third of the days (day*3/Days == 0) are outgoing-webhook JSON
// with a token field, which the decoder must drop; the second third raw
// Events API envelopes, escaped the way Slack escapes ("\/", and \u escapes,
// with surrogate pairs, for everything outside ASCII; a third of the
// messages also carry their text again as rich-text blocks); the rest the
// canonical form written with schema.Encoder. Webhook days have no edits,
// deletions, joins or reactions. Every valid record decodes with
// schema.Decode.
//
// # The simulated Firehose
//
// A record arrives 0.5 to 8 seconds after its event. Records are buffered
// and flushed into an object when Config.ObjectRecords have been buffered,
// when a record arrives 5 minutes or more after the oldest buffered one, or
// at 64 MiB. The object's key is archive.ObjectKey(Prefix, Stream, 1,
// arrival of its oldest record, uuid, Gzip), so an object often holds records
// that arrived in the following hour. Objects are newline-terminated NDJSON
// (gzip at BestSpeed when Config.Gzip; the gzip header carries no name or
// time). Each day is generated, and buffered, independently, as Firehose's
// parallel delivery also does: objects of two days may overlap in time.
//
// Noise, per record (see Config):
//   - late arrivals, 10 to 55 minutes late: filed under a later hour prefix,
//     but always before the end of the hour after the message hour, so a run
//     with a one-hour margin counts them, on their message day;
//   - too-late arrivals, 3 to 6 hours late, never generated on the last
//     day: parsed and counted out of range;
//   - duplicates, each an identical copy: Slack retries of an Events API or
//     canonical record (same event_id) one minute, or one and five minutes,
//     after the original; Firehose redeliveries 30 seconds to 20 minutes
//     later, possibly in another object and hour; plain repeats in the
//     webhook era. Every copy arrives before the end of the hour after the
//     message hour;
//   - malformed lines, each one quarantined record: truncated JSON, non-JSON
//     garbage, a record whose ts is a number, a line with invalid UTF-8;
//   - glued records: a record written without its newline, so the next
//     valid record follows it on the same line ("}{"); the decoder recovers
//     both;
//   - one stray key per day under a random hour prefix (README.txt,
//     _SUCCESS, ...), which a run skips and counts, and on about a third of
//     the days an error-output object under Prefix+"processing-failed/",
//     which no hour prefix lists. Facts.StrayKeys lists both.
//
// Event ids ("Ev" and ten characters) are a bijection of (day, sequence), so
// two different records never share one; message ts are unique across the
// whole archive, to the microsecond.
//
// # What is planted
//
//   - Facts.PositiveOffice: 45% of its messages carry one or two words of a
//     small positive list (great, love, awesome, thanks, ...) and 3% of the
//     negative list (terrible, hate, broken, ...); the other offices 12-18%
//     and 11-17%. The counts are in PositiveWordsByOffice and
//     NegativeWordsByOffice: vocabulary words carry no sentiment, so they
//     are all of it.
//   - Facts.Topic, the bigram "kubernetes migration", in 4% of the messages
//     of Facts.TopicOffice and nowhere else (a different office from the
//     positive one).
//   - Facts.MostMentionedUser receives about a third of all mentions, far
//     ahead (ten times or more) of anyone else.
//   - Facts.SarcasticOffice, another office than the positive one: its six
//     most active people (at most half the office; Facts.SarcasticUsers)
//     end 40% of their messages with a sarcastic line ("oh great, another
//     outage 🙃", "thanks a lot, now the tests are broken", "nice, CI is
//     down again /s", "love how nobody reads the docs"), its other people
//     3%. The positive office is the sincere one: a quarter of its
//     messages end with sincere praise or thanks ("great job on the
//     release :tada:", "I love this great tool"), the text a model that
//     mistakes positivity for sarcasm flags. Facts.SarcasticByUser and
//     SincerePraise count them; their planted words are in the word
//     counts. The lines come from random streams of their own, so every
//     other message is what it would be without them.
//
// # The Facts
//
// Facts holds the accounting of a run over [Start, Start+Days) that lists
// the hour prefixes from Start-LookBehind to Start+Days+Margin (exclusive),
// and the aggregates of the unique in-range authored messages by UTC day,
// user, office and channel, with mentions, thread replies and the roster.
// They are computed while generating, from what each record is and where
// it was filed, not by reading the archive back.
//
// The rules are those of the engine (archive.InArrivalWindow and the
// engine's read loop): a record of an object filed under hour prefix P whose
// message hour is M (the hour of the ts the decoder parses: for edits and
// deletions the original message's, for reactions the reaction's) is inside
// the arrival window iff M-LookBehind <= P <= M+Margin, both 1h by default.
// Records outside it are parsed and counted out of range without
// deduplication; records inside it are deduplicated by
// schema.Message.Key and EventKey, and the first copy counts as in range.
// The look-behind matters: records that arrived after an hour turned often
// sit in an object opened before it (Facts.EarlyPrefix, about 2% of
// records), and a run without it (LookBehind < 0) loses those messages.
//
// # Determinism and cost
//
// The same Config gives byte-identical keys, objects and Facts, whatever
// Config.Workers is: the world comes from a PCG seeded from Seed, each day
// from its own PCG seeded from (Seed, day), no wall-clock time is read, and
// only integer arithmetic decides what is generated. Memory is bounded by a
// day's records in flight (those not yet arrived, about an hour's worth when
// records are late) and one object per worker, not by the archive.
package generator
