// Package archive is the Slack archive as Firehose files it: where the
// bytes of a run come from, and where the ingestion side puts them.
//
// A Location says where: a local path or an S3 bucket and key. It is
// parsed once, where the text comes in (ParseLocation, or as a flag.Value),
// and carried as it is, so that no other part of the program re-reads
// "s3://..." text and every part agrees on what it means.
//
// A Store is a local folder (Dir) or an S3 bucket and prefix (S3), read
// through Source (List, Open) and written through Putter. OpenStore turns
// a Location into one. The S3 store retries and
// resumes broken transfers itself, because batch jobs read thousands of
// objects for hours.
//
// Firehose files each object under the UTC hour its oldest record arrived
// (HourPrefix, ObjectKey, ParseObjectKey). A record of message time M is
// counted only when its object's hour lies in the arrival window around M
// (InArrivalWindow); Range.ArrivalHours lists the hours a range must read.
// That one rule is what makes every range, shard and nightly run agree.
//
// The package imports neither Arrow nor Parquet nor the analysis: the
// ingestion Lambda links it, and every package it adds is paid at each
// cold start.
package archive
