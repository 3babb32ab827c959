package slashcmd

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Message is a Slack message in Block Kit, as a slash command answer or a
// response_url post.
type Message struct {
	ResponseType string  `json:"response_type"` // ephemeral or in_channel
	Text         string  `json:"text"`          // the notification fallback
	Blocks       []Block `json:"blocks,omitempty"`
	// ReplaceOriginal replaces the "working on it" acknowledgement.
	ReplaceOriginal bool `json:"replace_original,omitempty"`
}

// Block is a Block Kit block: header, section, context or divider.
type Block struct {
	Type     string `json:"type"`
	Text     *Text  `json:"text,omitempty"`
	Fields   []Text `json:"fields,omitempty"`
	Elements []Text `json:"elements,omitempty"`
	BlockID  string `json:"block_id,omitempty"`
}

// Text is a Block Kit text object.
type Text struct {
	Type string `json:"type"` // plain_text or mrkdwn
	Text string `json:"text"`
}

func header(s string) Block {
	return Block{Type: "header", Text: &Text{Type: "plain_text", Text: truncate(s, 140)}}
}
func section(md string) Block { return Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: md}} }
func fields(md ...string) Block {
	b := Block{Type: "section"}
	for _, f := range md {
		b.Fields = append(b.Fields, Text{Type: "mrkdwn", Text: f})
	}
	return b
}
func contextBlock(md string) Block {
	return Block{Type: "context", Elements: []Text{{Type: "mrkdwn", Text: md}}}
}

// esc makes text from the data inert in mrkdwn: Slack reads <...> as links
// and mentions (<!channel> would notify everyone), so &, < and > are
// escaped as Slack documents.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func mood(s Sentiment) string {
	if s.N == 0 {
		return "no messages"
	}
	word := "neutral"
	switch {
	case s.Mean >= 0.3:
		word = "positive"
	case s.Mean >= 0.05:
		word = "slightly positive"
	case s.Mean <= -0.3:
		word = "negative"
	case s.Mean <= -0.05:
		word = "slightly negative"
	}
	return fmt.Sprintf("%s (%+.2f ± %.2f)", word, s.Mean, s.CI95)
}

func rangeLabel(r Range) string {
	from, err1 := time.Parse(time.RFC3339, r.From)
	to, err2 := time.Parse(time.RFC3339, r.To)
	if err1 != nil || err2 != nil {
		return esc(r.From + " to " + r.To)
	}
	return fmt.Sprintf("%s to %s (%d days, UTC)", from.Format("Mon 2 Jan"), to.AddDate(0, 0, -1).Format("Mon 2 Jan 2006"), r.Days)
}

func answer(c Command, text string, blocks ...Block) Message {
	m := Message{ResponseType: "ephemeral", Text: text, Blocks: blocks}
	if c.Public {
		m.ResponseType = "in_channel"
	}
	return m
}

// Help is the help answer.
func Help(c Command) Message {
	var b strings.Builder
	if c.Problem != "" {
		b.WriteString(c.Problem + ". ")
	}
	b.WriteString("Here is what I answer:\n" +
		"• `/wiretap`: the last week at a glance\n" +
		"• `/wiretap office NAME`: one office's week\n" +
		"• `/wiretap topic WORD`: who talks about it, and how they feel\n" +
		"• `/wiretap me`: your own figures (only you see them)\n" +
		"• `/wiretap help`: this\n" +
		"Answers are only visible to you; add `public` at the end to post one to the channel.")
	return answer(Command{}, "Wiretap help", section(b.String()))
}

// Glance is /wiretap: the range at a glance. People appear only when the
// operator allows ranking them.
func Glance(c Command, s *Summary, rankPeople bool) Message {
	t := s.Totals
	blocks := []Block{
		header("Wiretap: the week at a glance"),
		contextBlock(rangeLabel(s.Range)),
		fields("*Messages*\n"+num(t.Messages), "*People who wrote*\n"+num(t.ActiveUsers),
			"*Channels*\n"+num(t.Channels), "*Mood*\n"+mood(t.Sentiment)),
	}
	var lines []string
	for i, o := range s.Offices {
		if i == 8 {
			break
		}
		if o.Suppressed {
			lines = append(lines, fmt.Sprintf("• *%s*: %s", esc(o.Office), tooFew))
			continue
		}
		lines = append(lines, fmt.Sprintf("• *%s*: %s messages, mood %s", esc(o.Office), num(o.Messages), mood(o.Sentiment)))
	}
	if len(lines) > 0 {
		blocks = append(blocks, section("*Offices*\n"+strings.Join(lines, "\n")))
	}
	if tl := topicList(s.TopTopics, 8); tl != "" {
		blocks = append(blocks, section("*Top topics*: "+tl))
	}
	if ranked := rankable(s.TopUsers); rankPeople && len(ranked) > 0 {
		var ps []string
		for i, p := range ranked {
			if i == 5 {
				break
			}
			ps = append(ps, fmt.Sprintf("%s (%s)", esc(displayName(p)), num(p.Messages)))
		}
		blocks = append(blocks, section("*Most active*: "+strings.Join(ps, ", ")))
	}
	blocks = append(blocks, contextBlock("Try `/wiretap office NAME`, `/wiretap topic WORD`, `/wiretap me`."))
	return answer(c, fmt.Sprintf("Wiretap: %s messages, mood %s", num(t.Messages), mood(t.Sentiment)), blocks...)
}

func displayName(p Person) string {
	if p.UserName != "" {
		return p.UserName
	}
	return p.UserID
}

func topicList(ts []Topic, n int) string {
	var out []string
	for i, t := range ts {
		if i == n {
			break
		}
		if t.Suppressed {
			out = append(out, esc(t.Topic)+" ("+tooFew+")")
			continue
		}
		out = append(out, fmt.Sprintf("%s (%s)", esc(t.Topic), num(t.Messages)))
	}
	return strings.Join(out, ", ")
}

// tooFew stands for the figures of a group the summary suppressed: fewer
// people than the minimum group size wrote in it.
const tooFew = "too few people to show"

// MinRankedMessages is how many messages someone needs to be named in a
// ranking: the engine's jobs.MinRankedMessages, repeated here because this
// package must not link the engine (it is the slash Lambda's).
const MinRankedMessages = 30

// rankable keeps the people with at least MinRankedMessages messages.
func rankable(ps []Person) []Person {
	var out []Person
	for _, p := range ps {
		if p.Messages >= MinRankedMessages {
			out = append(out, p)
		}
	}
	return out
}

// OfficeWeek is /wiretap office NAME, over a summary narrowed to it.
func OfficeWeek(c Command, s *Summary) Message {
	var o *Office
	for i := range s.Offices {
		if strings.EqualFold(s.Offices[i].Office, c.Arg) {
			o = &s.Offices[i]
		}
	}
	if o == nil {
		var names []string
		for _, x := range s.Offices {
			names = append(names, esc(x.Office))
		}
		return answer(Command{}, "No such office", section(fmt.Sprintf("No office called *%s* wrote in %s. Offices: %s.",
			esc(c.Arg), rangeLabel(s.Range), strings.Join(names, ", "))))
	}
	if o.Suppressed {
		return answer(c, "Wiretap: "+o.Office, header("Wiretap: "+o.Office), contextBlock(rangeLabel(s.Range)),
			section(fmt.Sprintf("*%s*: %s in this range.", esc(o.Office), tooFew)))
	}
	blocks := []Block{
		header("Wiretap: " + o.Office),
		contextBlock(rangeLabel(s.Range)),
		fields("*Messages*\n"+num(o.Messages), "*People who wrote*\n"+num(o.ActiveUsers), "*Mood*\n"+mood(o.Sentiment)),
	}
	if tl := topicList(s.TopicsByOffice[o.Office], 8); tl != "" {
		blocks = append(blocks, section("*Talking about*: "+tl))
	}
	if s.TrendingTopics != nil {
		if tl := topicList(s.TrendingTopics[o.Office], 5); tl != "" {
			blocks = append(blocks, section("*More than the week before*: "+tl))
		}
	}
	return answer(c, fmt.Sprintf("Wiretap: %s, %s messages", o.Office, num(o.Messages)), blocks...)
}

// TopicAnswer is /wiretap topic WORD: the offices whose top topics carry
// it, with their mood toward it.
func TopicAnswer(c Command, s *Summary) Message {
	var lines []string
	var total int64
	for _, o := range s.Offices {
		for _, t := range s.TopicsByOffice[o.Office] {
			if t.Topic == c.Arg && t.Suppressed {
				lines = append(lines, fmt.Sprintf("• *%s*: %s", esc(o.Office), tooFew))
			} else if t.Topic == c.Arg {
				lines = append(lines, fmt.Sprintf("• *%s*: %s messages, mood %s", esc(o.Office), num(t.Messages), mood(t.Sentiment)))
				total += t.Messages
			}
		}
	}
	if len(lines) == 0 {
		return answer(Command{}, "Topic not found", section(fmt.Sprintf("*%s* is not among any office's top topics in %s.", esc(c.Arg), rangeLabel(s.Range))))
	}
	return answer(c, fmt.Sprintf("Wiretap: %s in %s messages", c.Arg, num(total)),
		header("Wiretap: “"+c.Arg+"”"), contextBlock(rangeLabel(s.Range)+" · offices where it is a top topic"),
		section(strings.Join(lines, "\n")))
}

// Me is /wiretap me: the asker's own figures, always ephemeral.
func Me(p *Person, r Range) Message {
	if p == nil {
		return answer(Command{}, "No figures", section("You wrote nothing in "+rangeLabel(r)+", or the published figures do not list you."))
	}
	return answer(Command{}, "Your week in Wiretap",
		header("Your figures"), contextBlock(rangeLabel(r)+" · only you see this"),
		fields("*Messages*\n"+num(p.Messages), "*Mentions of you*\n"+num(p.MentionsReceived),
			"*Mood of your messages*\n"+mood(p.Sentiment), fmt.Sprintf("*Sarcasm*\n%.1f %%", 100*p.Sarcasm.Rate)))
}
