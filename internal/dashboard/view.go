package dashboard

import (
	"fmt"
	"html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wiretap-hq/wiretap/jobs"
)

// Options are the operator's choices about what the dashboard, the report
// and the slash command show.
type Options struct {
	// RankPeople turns on the person-level rankings (most active, most
	// mentioned, most sarcastic, ...). Off by default: a page that ranks
	// colleagues needs the operator's deliberate consent.
	RankPeople bool
	// MinGroup is the smallest group a published figure may describe; an
	// entry the summary marks as suppressed is shown as "fewer than
	// MinGroup people". Zero means 5.
	MinGroup int
	// SlackDomain, when set (the "acme" of acme.slack.com), turns evidence
	// into Slack permalinks.
	SlackDomain string
}

func (o Options) minGroup() int {
	if o.MinGroup <= 0 {
		return 5
	}
	return o.MinGroup
}

// Panel states.
const (
	StateShown  = "shown"  // the panel has figures
	StateEmpty  = "empty"  // computed, but nothing to show for this range
	StateAbsent = "absent" // the summary does not carry these figures
	StateOff    = "off"    // the operator's options hide it
)

// Page is the view model of the dashboard and the report: everything the
// template shows, already formatted, with no logic left for the template.
type Page struct {
	Title      string
	RangeLabel string
	From, To   string // YYYY-MM-DD, To exclusive
	LastDay    string // the last day shown, YYYY-MM-DD
	Office     string // "" for every office
	Scope      string // "All offices" or the office
	// Choices for the pickers (dashboard only).
	Offices    []Choice
	Ranges     []Choice
	CoveredMin string
	CoveredMax string
	Headline   []Stat
	Panels     []Panel
	// Report is set for the one-file report: no pickers, no script, CSS
	// inline.
	Report bool
	CSS    template.CSS
	// Highlights are the few sentences to read first.
	Highlights []string
	// Notes are plain-language caveats shown under the headline.
	Notes []string
	// MinGroup is the N of "fewer than N people".
	MinGroup int
	// APIHref is the JSON feed of the same figures (dashboard only).
	APIHref string
}

// Choice is an option of a picker; Href is the link that selects it.
type Choice struct {
	Label    string
	Value    string
	Href     string
	Selected bool
}

// Stat is one headline figure.
type Stat struct {
	Label string
	Value string // formatted, with its unit
	Note  string
	Key   string // data-key, for tests and scrapers
	Raw   string // the unformatted value
}

// Panel is one section of the page.
type Panel struct {
	ID       string
	Title    string
	Question string // the question it answers, in plain words
	State    string
	Message  string // why it is empty, absent or off
	Chart    template.HTML
	Legend   []LegendItem
	HowTo    string // how to read the chart
	Tables   []Table
}

// LegendItem is a colour and what it means.
type LegendItem struct {
	Label  string
	Colour string
}

// Table is a ranked list.
type Table struct {
	Caption string
	Columns []Column
	Rows    []Row
	Empty   string // shown when there are no rows
}

// HasEvidence reports whether any row has messages behind it: a table
// without any has no evidence column.
func (t Table) HasEvidence() bool {
	return slices.ContainsFunc(t.Rows, func(r Row) bool { return len(r.Evidence) > 0 })
}

// Column heads a table column.
type Column struct {
	Label string
	Num   bool
}

// Row is one entry with the messages behind it.
type Row struct {
	Cells    []Cell
	Evidence []Evidence
}

// Cell is one value. A suppressed cell shows "fewer than N people" instead
// of its value.
type Cell struct {
	Text       string
	Num        bool
	Key, Raw   string
	Suppressed bool
	// Span is how many columns the cell covers when more than one: a
	// suppressed group says "fewer than N people" once, not per figure.
	Span int
}

// Evidence is a message behind a figure.
type Evidence struct {
	Label string
	Href  string // a Slack permalink, when the team's domain is known
	Text  string // the message text, when the run included it
}

// Build turns a summary and its per-day series into the page. office is
// the office the summary was narrowed to ("" for all).
func Build(sum *jobs.Summary, series *Series, office string, opts Options) *Page {
	from, _ := time.Parse(time.RFC3339, sum.Range.From)
	to, _ := time.Parse(time.RFC3339, sum.Range.To)
	p := &Page{
		Title:    "Wiretap: what the offices talk about",
		From:     from.Format(time.DateOnly),
		To:       to.Format(time.DateOnly),
		LastDay:  to.AddDate(0, 0, -1).Format(time.DateOnly),
		Office:   office,
		Scope:    "All offices",
		MinGroup: opts.minGroup(),
	}
	if office != "" {
		p.Scope = "Office: " + office
	}
	p.RangeLabel = fmt.Sprintf("%s to %s (%s)", from.Format("Mon 2 Jan 2006"), to.AddDate(0, 0, -1).Format("Mon 2 Jan 2006"),
		plural(int64(sum.Range.Days), "day", "days"))
	t := sum.Totals
	p.Headline = []Stat{
		{Label: "Messages", Value: count(t.Messages, "message", "messages"), Key: "totals.messages", Raw: itoa(t.Messages)},
		{Label: "People who wrote", Value: count(t.ActiveUsers, "person", "people"), Key: "totals.active_users", Raw: itoa(t.ActiveUsers)},
		{Label: "Channels", Value: count(t.Channels, "channel", "channels"), Key: "totals.channels", Raw: itoa(t.Channels)},
		{Label: "Offices", Value: count(t.Offices, "office", "offices"), Key: "totals.offices", Raw: itoa(t.Offices)},
		{Label: "Mood", Value: moodWords(t.Sentiment), Note: moodNumber(t.Sentiment), Key: "totals.sentiment.mean", Raw: ftoa(t.Sentiment.Mean)},
		{Label: "Sarcasm", Value: pct(t.Sarcasm.Rate), Note: "mean sarcasm probability of a message", Key: "totals.sarcasm.rate", Raw: ftoa(t.Sarcasm.Rate)},
	}
	p.Highlights = highlights(sum, office)
	b := builder{sum: sum, series: series, office: office, opts: opts}
	for _, panel := range []func() Panel{
		b.perDay, b.hours, b.mood, b.offices, b.topics, b.distinctive, b.trending,
		b.persons, b.reacted, b.positiveNegative, b.channels, b.threads, b.newLapsed,
	} {
		p.Panels = append(p.Panels, panel())
	}
	return p
}

type builder struct {
	sum    *jobs.Summary
	series *Series
	office string
	opts   Options
}

// absent is a panel whose figures this version of the summary does not
// carry: it says so rather than show something else under its title.
func absent(id, title, question, what string) Panel {
	return Panel{ID: id, Title: title, Question: question, State: StateAbsent,
		Message: "Not computed by this version of Wiretap (summary " + jobs.SummarySchema + " has no " + what + ")."}
}

func (b builder) perDay() Panel {
	p := Panel{ID: "per-day", Title: "Messages per day", Question: "How busy was each office, day by day?"}
	if b.series == nil || len(b.series.Days) == 0 {
		p.State, p.Message = StateEmpty, "No days in this range."
		return p
	}
	p.State = StateShown
	p.Chart, p.Legend = lineChart(b.series, b.office)
	p.HowTo = "Each line is an office; days are UTC days. Hover a point for its figure."
	return p
}

func (b builder) hours() Panel {
	p := Panel{ID: "hours", Title: "When people write", Question: "At which hours of the week is each office active, in its own local time?"}
	if len(b.sum.ActivityByHourOfWeek) == 0 {
		p.State, p.Message = StateEmpty, "No messages in this range."
		return p
	}
	p.State = StateShown
	p.Chart = heatmaps(b.sum.ActivityByHourOfWeek, b.officeOrder())
	p.HowTo = "One grid per office: rows are days (Monday first), columns hours of the day in the office's time zone. Darker means more messages, relative to that office's busiest hour."
	p.Legend = []LegendItem{{"few messages", heatColour(0.08)}, {"some", heatColour(0.5)}, {"the office's busiest hour", heatColour(1)}}
	return p
}

func (b builder) mood() Panel {
	p := Panel{ID: "mood", Title: "Mood", Question: "How positive or negative are messages, and is it changing?"}
	if b.sum.Totals.Sentiment.N == 0 {
		p.State, p.Message = StateEmpty, "No messages in this range."
		return p
	}
	p.State = StateShown
	p.Chart = moodCharts(b.sum, b.series, b.office)
	p.HowTo = "Mood is the average sentiment score of messages, from -1 (very negative) through 0 (neutral) to +1 (very positive). The bar around each dot is the 95 % interval: where the true average most likely lies. Bars that do not overlap are a real difference."
	p.Legend = []LegendItem{{"average mood", colourAccent}, {"95 % interval", colourBand}}
	return p
}

func (b builder) officeOrder() []string {
	var out []string
	for _, o := range b.sum.Offices {
		out = append(out, o.Office)
	}
	return out
}

func (b builder) offices() Panel {
	p := Panel{ID: "offices", Title: "Offices", Question: "How do the offices compare?", State: StateShown}
	t := Table{Columns: []Column{{"Office", false}, {"Messages", true}, {"People who wrote", true}, {"Replies in threads", true}, {"Mentions of its people", true}, {"Mood (95 % interval)", true}, {"Sarcasm", true}},
		Empty: "No office has messages in this range."}
	for _, o := range b.sum.Offices {
		k := "office." + o.Office + "."
		if o.Suppressed {
			t.Rows = append(t.Rows, suppressedRow(o.Office, 6))
			continue
		}
		t.Rows = append(t.Rows, Row{Cells: []Cell{
			{Text: o.Office},
			{Text: thousands(o.Messages), Num: true, Key: k + "messages", Raw: itoa(o.Messages)},
			b.peopleCell(o.ActiveUsers, k+"active_users"),
			{Text: thousands(o.ThreadReplies), Num: true, Key: k + "thread_replies", Raw: itoa(o.ThreadReplies)},
			{Text: thousands(o.MentionsReceived), Num: true},
			{Text: moodNumber(o.Sentiment), Num: true, Key: k + "sentiment.mean", Raw: ftoa(o.Sentiment.Mean)},
			{Text: pct(o.Sarcasm.Rate), Num: true},
		}, Evidence: b.evidence(o.Evidence)})
	}
	p.Tables = []Table{t}
	return p
}

// suppressedRow is the row of an entry the summary suppressed: its name,
// then one cell over the n figure columns that reads "fewer than N
// people", and no evidence.
func suppressedRow(name string, n int) Row {
	return Row{Cells: []Cell{{Text: name}, {Suppressed: true, Span: n}}}
}

// people is a count of people.
func (b builder) peopleCell(n int64, key string) Cell {
	return Cell{Text: thousands(n), Num: true, Key: key, Raw: itoa(n)}
}

func (b builder) topicTable(caption string, list []jobs.TopicSummary, score string) Table {
	t := Table{Caption: caption, Columns: []Column{{"Topic", false}, {"Messages", true}, {"Mood toward it", true}}, Empty: "None in this range."}
	if score != "" {
		t.Columns = append(t.Columns, Column{score, true})
	}
	for _, ts := range list {
		if ts.Suppressed {
			t.Rows = append(t.Rows, suppressedRow(ts.Topic, len(t.Columns)-1))
			continue
		}
		cells := []Cell{{Text: ts.Topic}, {Text: thousands(ts.Messages), Num: true, Key: "topic." + caption + "." + ts.Topic, Raw: itoa(ts.Messages)},
			{Text: moodNumber(ts.Sentiment), Num: true}}
		if score != "" {
			s := strconv.FormatFloat(ts.Score, 'f', 1, 64)
			if ts.Before != nil {
				s += fmt.Sprintf(" (%d before)", *ts.Before)
			}
			cells = append(cells, Cell{Text: s, Num: true})
		}
		t.Rows = append(t.Rows, Row{Cells: cells, Evidence: b.evidence(ts.Evidence)})
	}
	return t
}

func (b builder) byOffice(m map[string][]jobs.TopicSummary, score string) []Table {
	var out []Table
	for _, office := range b.officeOrder() {
		if list, ok := m[office]; ok {
			out = append(out, b.topicTable(office, list, score))
		}
	}
	return out
}

// topicPanel is a panel of per-office topic tables.
func (b builder) topicPanel(id, title, question, howTo, score, empty string, m map[string][]jobs.TopicSummary) Panel {
	p := Panel{ID: id, Title: title, Question: question, State: StateShown, HowTo: howTo, Tables: b.byOffice(m, score)}
	if len(p.Tables) == 0 {
		p.State, p.Message = StateEmpty, empty
	}
	return p
}

func (b builder) topics() Panel {
	return b.topicPanel("topics", "Top topics", "What does each office talk about most, and how does it feel about it?",
		"Words and two-word phrases carried by the most messages, per office, with the average mood of those messages (-1 to +1).",
		"", "No topics in this range.", b.sum.TopicsByOffice)
}

func (b builder) distinctive() Panel {
	return b.topicPanel("distinctive", "Distinctive topics", "What does each office talk about more than the others?",
		"Topics an office uses markedly more than the rest of the workspace; the score is a z-score, above 2 is clearly more.",
		"How distinctive (z)", "No distinctive topics in this range.", b.sum.DistinctiveTopics)
}

func (b builder) trending() Panel {
	p := Panel{ID: "trending", Title: "Trending topics", Question: "What is each office talking about more than in the previous period?"}
	if b.sum.TrendingTopics == nil {
		p.State = StateEmpty
		p.Message = fmt.Sprintf("Needs the %s before this range in the outputs, to compare with; they are not all there.", plural(int64(b.sum.Range.Days), "day", "days"))
		return p
	}
	p.State = StateShown
	p.Tables = b.byOffice(b.sum.TrendingTopics, "Growth (z)")
	p.HowTo = "Compared with the same number of days just before the range; the growth score is a z-score, with the count before in brackets."
	return p
}

func (b builder) userTable(caption, metric string, list []jobs.UserSummary, value func(jobs.UserSummary) string) Table {
	t := Table{Caption: caption, Columns: []Column{{"Person", false}, {"Office", false}, {metric, true}}, Empty: "Nobody in this range."}
	for _, u := range list {
		name := u.UserName
		if name == "" {
			name = u.UserID
		}
		t.Rows = append(t.Rows, Row{Cells: []Cell{{Text: name}, {Text: u.Office}, {Text: value(u), Num: true}}, Evidence: b.evidence(u.Evidence)})
	}
	return t
}

func (b builder) persons() Panel {
	p := Panel{ID: "people", Title: "People", Question: "Who writes most, who is mentioned most, who is most sarcastic?"}
	if !b.opts.RankPeople {
		p.State = StateOff
		p.Message = "Rankings of people are off. The operator can turn them on with --rank-people; figures about offices, topics and channels are unaffected."
		return p
	}
	p.State = StateShown
	p.Message = fmt.Sprintf("Only people with at least %d messages in the range are ranked.", jobs.MinRankedMessages)
	p.Tables = []Table{
		b.userTable("Most active", "Messages", rankable(b.sum.TopUsers), func(u jobs.UserSummary) string { return itoa(u.Messages) }),
		b.userTable("Most mentioned", "Mentions", rankable(b.sum.MostMentioned), func(u jobs.UserSummary) string { return itoa(u.MentionsReceived) }),
		b.userTable(fmt.Sprintf("Most sarcastic (at least %d messages)", jobs.MinRankedMessages), "Sarcasm", b.sum.MostSarcastic,
			func(u jobs.UserSummary) string { return pct(u.Sarcasm.Rate) }),
	}
	return p
}

// rankable keeps the people a ranking may name: those with at least
// jobs.MinRankedMessages messages, so that nobody is ranked on a handful of
// messages (and, with --rank-people, someone who barely writes is not
// singled out as "most mentioned").
func rankable(list []jobs.UserSummary) []jobs.UserSummary {
	var out []jobs.UserSummary
	for _, u := range list {
		if u.Messages >= jobs.MinRankedMessages {
			out = append(out, u)
		}
	}
	return out
}

func (b builder) reacted() Panel {
	if !b.opts.RankPeople {
		return Panel{ID: "reacted", Title: "Most reacted-to", Question: "Whose messages get the most reactions?", State: StateOff,
			Message: "Rankings of people are off (--rank-people)."}
	}
	p := Panel{ID: "reacted", Title: "Most reacted-to", Question: "Whose messages get the most reactions?"}
	if len(b.sum.MostReacted) == 0 && len(b.sum.MostPopular) == 0 {
		p.State, p.Message = StateEmpty, "No reactions to anyone's messages in this range."
		return p
	}
	p.State = StateShown
	emoji := Table{Caption: "Reactions used most", Columns: []Column{{"Reaction", false}, {"Reactions", true}}, Empty: "No reactions in this range."}
	for _, r := range b.sum.TopReactions {
		emoji.Rows = append(emoji.Rows, Row{Cells: []Cell{{Text: ":" + r.Emoji + ":"}, {Text: thousands(r.ReactionsReceived), Num: true}}})
	}
	most := b.userTable("Most reacted-to", "Reactions", b.sum.MostReacted, func(u jobs.UserSummary) string { return itoa(u.ReactionsReceived) })
	for i, u := range b.sum.MostReacted {
		c := &most.Rows[i].Cells[2]
		c.Key, c.Raw = "reacted."+u.UserID+".reactions_received", itoa(u.ReactionsReceived)
	}
	p.Tables = []Table{
		most,
		b.userTable("Most popular (mentions + reactions)", "Mentions + reactions", b.sum.MostPopular,
			func(u jobs.UserSummary) string { return itoa(u.MentionsReceived + u.ReactionsReceived) }),
		emoji,
	}
	p.HowTo = "Reactions are counted once each, added minus removed, for the author of the reacted-to message; a reaction counts when it arrived within the edit window after the message, and reactions to deleted messages count nothing. Popularity adds the mentions a person received to the reactions their messages received."
	return p
}

func (b builder) channels() Panel {
	p := Panel{ID: "channels", Title: "Channels", Question: "Where does the conversation happen?", State: StateShown}
	t := Table{Columns: []Column{{"Channel", false}, {"Messages", true}, {"People who wrote", true}, {"Mood", true}}, Empty: "No channels in this range."}
	for _, c := range b.sum.TopChannels {
		name := channelLabel(c.ChannelID, c.ChannelName)
		if c.Suppressed {
			t.Rows = append(t.Rows, suppressedRow(name, 3))
			continue
		}
		mood := moodNumber(c.Sentiment)
		if b.office != "" {
			mood = "workspace-wide only"
		}
		var ev []Evidence
		if href := ChannelLink(b.opts.SlackDomain, c.ChannelID); href != "" {
			ev = []Evidence{{Label: "open " + name + " in Slack", Href: href}}
		}
		t.Rows = append(t.Rows, Row{Cells: []Cell{{Text: name}, {Text: thousands(c.Messages), Num: true, Key: "channel." + c.ChannelID + ".messages", Raw: itoa(c.Messages)},
			b.peopleCell(c.ActiveUsers, ""), {Text: mood, Num: true}}, Evidence: ev})
	}
	p.Tables = []Table{t}
	return p
}

// evidence turns message references into links: Slack permalinks when the
// team's domain is known, plain references otherwise.
func (b builder) evidence(refs []jobs.MessageRef) []Evidence {
	var out []Evidence
	for i, r := range refs {
		e := Evidence{Label: fmt.Sprintf("message %d in %s", i+1, r.Channel), Text: PlainText(r.Text)}
		e.Href = Permalink(b.opts.SlackDomain, r.Channel, r.TS)
		out = append(out, e)
	}
	return out
}

// Permalink is the Slack permalink of a message, or "" when the domain is
// unknown or the parts do not look like Slack's (nothing from the data is
// ever put into a URL unchecked).
func Permalink(domain, channel, ts string) string {
	base := ChannelLink(domain, channel)
	sec, frac, ok := strings.Cut(ts, ".")
	if base == "" || !ok || !digits(sec) || !digits(frac) {
		return ""
	}
	return base + "/p" + sec + frac
}

// ChannelLink is the address of a channel in Slack, the evidence behind a
// channel's figures (the summary keeps no messages per channel), or "" as
// for Permalink.
func ChannelLink(domain, channel string) string {
	if domain == "" || !slackID(channel) || !validDomain(domain) {
		return ""
	}
	return "https://" + domain + ".slack.com/archives/" + channel
}

// slackMarkup matches Slack's angle-bracket markup: links (with or
// without a label), mentions, channel links and special mentions. Other
// text in angle brackets is left alone, to be shown as typed.
var slackMarkup = regexp.MustCompile(`<((?:https?://|mailto:|[@#!])[^<>|]*)(?:\|([^<>]*))?>`)

// bareURL matches an address left in the text.
var bareURL = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s<>]+`)

// PlainText turns a message's Slack markup into what a reader sees: a link
// becomes its label (or "[link]"), a mention "@id", a channel "#name", and
// Slack's &amp; &lt; &gt; escapes become characters again (the template
// escapes them once, for HTML). Addresses never reach the page: evidence
// shows what was said, it is not a way to send readers elsewhere.
func PlainText(s string) string {
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		parts := slackMarkup.FindStringSubmatch(m)
		target, label := parts[1], parts[2]
		switch {
		case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "!"):
			if label != "" {
				return "@" + strings.TrimPrefix(label, "@")
			}
			return "@" + strings.TrimLeft(target, "@!")
		case strings.HasPrefix(target, "#"):
			if label != "" {
				return "#" + label
			}
			return target
		case label != "":
			return label
		}
		return "[link]"
	})
	s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
	return bareURL.ReplaceAllString(s, "[link]")
}

func slackID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func validDomain(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ftoa(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

func count(n int64, one, many string) string { return plural(n, one, many) }

func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + " %" }

// moodNumber is a mean sentiment with its 95 % interval.
func moodNumber(s jobs.SentimentSummary) string {
	if s.N == 0 {
		return "no messages"
	}
	return fmt.Sprintf("%+.2f ± %.2f", s.Mean, s.CI95)
}

// moodWords says a mean sentiment in words.
func moodWords(s jobs.SentimentSummary) string {
	if s.N == 0 {
		return "no messages"
	}
	switch m := s.Mean; {
	case m >= 0.3:
		return "positive"
	case m >= 0.05:
		return "slightly positive"
	case m > -0.05:
		return "neutral"
	case m > -0.3:
		return "slightly negative"
	default:
		return "negative"
	}
}

// highlights says in words what the panels show in figures: the busiest
// office, the most and least positive, the most talked-about topic.
func highlights(sum *jobs.Summary, office string) []string {
	var out []string
	offices := sum.Offices
	if office == "" && len(offices) > 1 {
		o := offices[0]
		out = append(out, fmt.Sprintf("The busiest office was %s, with %s (%s of all).", o.Office,
			plural(o.Messages, "message", "messages"), pct(float64(o.Messages)/float64(max(sum.Totals.Messages, 1)))))
		hi, lo := offices[0], offices[0]
		for _, x := range offices {
			if x.Sentiment.N == 0 {
				continue
			}
			if x.Sentiment.Mean > hi.Sentiment.Mean {
				hi = x
			}
			if x.Sentiment.Mean < lo.Sentiment.Mean {
				lo = x
			}
		}
		if hi.Office != lo.Office {
			out = append(out, fmt.Sprintf("The most positive office was %s (mood %s); the least, %s (%s).",
				hi.Office, moodNumber(hi.Sentiment), lo.Office, moodNumber(lo.Sentiment)))
		}
	}
	if len(sum.TopTopics) > 0 {
		t := sum.TopTopics[0]
		out = append(out, fmt.Sprintf("The most talked-about topic was \u201c%s\u201d, in %s (mood toward it %s).",
			t.Topic, plural(t.Messages, "message", "messages"), moodNumber(t.Sentiment)))
	}
	return out
}
