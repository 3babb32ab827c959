package privacy

import "strings"

// RewriteMentions rewrites the user mentions of Slack message text, <@ID>
// and <@ID|label>, as the tokenizer of package nlp reads them: for each,
// replace(id) gives the new id, or keep=false to remove the mention
// altogether. A label is dropped whenever a mention changes, since it is
// the person's name. Text without "<@" is returned as it is, without
// allocating.
func RewriteMentions(text string, replace func(id string) (newID string, keep bool)) string {
	i := strings.Index(text, "<@")
	if i < 0 {
		return text
	}
	var b strings.Builder
	for i >= 0 {
		start := i
		body := i + 2
		end, bar := mentionEnd(text, body)
		if end < 0 {
			// Not markup: keep "<@" and look further on.
			b.WriteString(text[:body])
			text = text[body:]
		} else {
			idEnd := end
			if bar >= 0 {
				idEnd = bar
			}
			id := text[body:idEnd]
			b.WriteString(text[:start])
			if newID, keep := replace(id); keep {
				if newID == id {
					b.WriteString(text[start : end+1])
				} else {
					b.WriteString("<@")
					b.WriteString(newID)
					b.WriteByte('>')
				}
			}
			text = text[end+1:]
		}
		i = strings.Index(text, "<@")
	}
	b.WriteString(text)
	return b.String()
}

// mentionEnd finds the '>' closing a mention whose id starts at s[body],
// and the '|' before its label (-1 for none). The id has no white space;
// a '<' or a newline before the '>' means it is not markup (end -1).
func mentionEnd(s string, body int) (end, bar int) {
	bar = -1
	for j := body; j < len(s); j++ {
		switch c := s[j]; {
		case c == '>':
			if j == body {
				return -1, -1
			}
			return j, bar
		case c == '<' || c == '\n':
			return -1, -1
		case c == '|':
			if bar < 0 {
				bar = j
				if j == body {
					return -1, -1
				}
			}
		case bar < 0 && (c == ' ' || c == '\t' || c == '\r' || c < 0x20):
			return -1, -1
		}
	}
	return -1, -1
}
