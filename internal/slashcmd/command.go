// Package slashcmd answers Slack's /wiretap slash command: it verifies the
// request with Slack's v0 signature (package slackverify, shared with
// ingestion), parses the command, and answers in Block Kit from the
// published summary.json, within Slack's three seconds or, when the answer
// takes longer, by acknowledging at once and posting to response_url.
//
// It depends on summary.json's documented fields only, never on the batch
// engine, so that a small Lambda can answer from the published summary
// without linking Arrow or Parquet.
package slashcmd

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Request is a slash command invocation as Slack posts it
// (application/x-www-form-urlencoded).
type Request struct {
	TeamID      string
	TeamDomain  string
	ChannelID   string
	UserID      string
	UserName    string
	Command     string
	Text        string
	ResponseURL string
}

// ParseRequest decodes Slack's form body.
func ParseRequest(body []byte) (Request, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return Request{}, fmt.Errorf("slash command form: %w", err)
	}
	r := Request{
		TeamID: v.Get("team_id"), TeamDomain: v.Get("team_domain"), ChannelID: v.Get("channel_id"),
		UserID: v.Get("user_id"), UserName: v.Get("user_name"), Command: v.Get("command"),
		Text: v.Get("text"), ResponseURL: v.Get("response_url"),
	}
	if r.Command == "" || r.UserID == "" {
		return Request{}, errors.New("slash command form: no command or user_id")
	}
	return r, nil
}

// Kinds of command.
const (
	KindGlance = "glance" // /wiretap: this week at a glance
	KindOffice = "office" // /wiretap office NAME
	KindTopic  = "topic"  // /wiretap topic WORD
	KindMe     = "me"     // /wiretap me
	KindHelp   = "help"   // /wiretap help, or anything not understood
)

// Command is a parsed command text.
type Command struct {
	Kind string
	Arg  string
	// Public asks for an answer the whole channel sees ("public" at the
	// end); answers are ephemeral otherwise.
	Public bool
	// Problem says what was not understood, for the help answer.
	Problem string
}

// Parse reads the text after /wiretap.
func Parse(text string) Command {
	words := strings.Fields(text)
	var c Command
	if n := len(words); n > 0 && strings.EqualFold(words[n-1], "public") {
		c.Public = true
		words = words[:n-1]
	}
	if len(words) == 0 {
		c.Kind = KindGlance
		return c
	}
	verb, rest := strings.ToLower(words[0]), words[1:]
	arg := strings.Join(rest, " ")
	switch {
	case verb == "help" && len(rest) == 0:
		c.Kind = KindHelp
	case verb == "me" && len(rest) == 0:
		c.Kind = KindMe
	case verb == "office" && arg != "":
		c.Kind, c.Arg = KindOffice, strings.ToLower(arg)
	case verb == "topic" && arg != "":
		c.Kind, c.Arg = KindTopic, strings.ToLower(arg)
	case verb == "office" || verb == "topic":
		c.Kind, c.Problem = KindHelp, "`"+verb+"` needs a name after it"
	default:
		c.Kind, c.Problem = KindHelp, "I do not know `"+truncate(words[0], 40)+"`"
	}
	return c
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
