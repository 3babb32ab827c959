package slashcmd

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Summary is the part of summary.json (wiretap.summary/v2, documented in
// docs/summary.schema.json) that the answers use. Decoding the public
// document, rather than importing the engine's types, keeps the slash
// command's Lambda small.
type Summary struct {
	Schema         string             `json:"schema"`
	Range          Range              `json:"range"`
	Totals         Totals             `json:"totals"`
	Offices        []Office           `json:"offices"`
	TopUsers       []Person           `json:"top_users"`
	MostMentioned  []Person           `json:"most_mentioned"`
	TopTopics      []Topic            `json:"top_topics"`
	TopicsByOffice map[string][]Topic `json:"topics_by_office"`
	TrendingTopics map[string][]Topic `json:"trending_topics"`
}

// Range is the summary's [from, to) in RFC 3339.
type Range struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days int    `json:"days"`
}

// Totals are workspace-wide figures.
type Totals struct {
	Messages    int64     `json:"messages"`
	ActiveUsers int64     `json:"active_users"`
	Channels    int64     `json:"channels"`
	Sentiment   Sentiment `json:"sentiment"`
}

// Sentiment is a mean compound score and its 95 % interval half-width.
type Sentiment struct {
	N    int64   `json:"n"`
	Mean float64 `json:"mean"`
	CI95 float64 `json:"ci95"`
}

// Sarcasm is the mean sarcasm probability.
type Sarcasm struct {
	Rate float64 `json:"rate"`
}

// Office is one office's figures.
type Office struct {
	Office      string    `json:"office"`
	Messages    int64     `json:"messages"`
	ActiveUsers int64     `json:"active_users"`
	Sentiment   Sentiment `json:"sentiment"`
	Suppressed  bool      `json:"suppressed,omitempty"`
}

// Person is one person's figures.
type Person struct {
	UserID           string    `json:"user_id"`
	UserName         string    `json:"user_name"`
	Office           string    `json:"office"`
	Messages         int64     `json:"messages"`
	MentionsReceived int64     `json:"mentions_received"`
	Sentiment        Sentiment `json:"sentiment"`
	Sarcasm          Sarcasm   `json:"sarcasm"`
}

// Topic is a topic and the mood of the messages that carry it.
type Topic struct {
	Topic     string    `json:"topic"`
	Messages  int64     `json:"messages"`
	Sentiment Sentiment `json:"sentiment"`
	// Suppressed: too few people (--min-group); the figures are zero.
	Suppressed bool `json:"suppressed,omitempty"`
}

// DecodeSummary decodes summary.json.
func DecodeSummary(data []byte) (*Summary, error) {
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decode summary.json: %w", err)
	}
	// Later versions add fields; those read here keep their meaning.
	if !strings.HasPrefix(s.Schema, "wiretap.summary/") {
		return nil, fmt.Errorf("decode summary.json: schema %q is not a Wiretap summary", s.Schema)
	}
	return &s, nil
}
