package nlp

import "strings"

// IsQuestion reports whether a message's raw Slack text asks something: it
// has a question mark outside Slack's angle-bracket markup (links, mentions)
// and outside bare web addresses, whose query strings carry question marks
// that ask nothing.
func IsQuestion(text string) bool {
	// Most messages ask nothing: one vectorised search for a question mark
	// settles them before the markup-aware scan, which stops at every 'h'.
	if strings.IndexByte(text, '?') < 0 {
		return false
	}
	for len(text) > 0 {
		i := strings.IndexAny(text, "<?h")
		if i < 0 {
			return false
		}
		text = text[i:]
		switch {
		case text[0] == '?':
			return true
		case text[0] == '<':
			end := strings.IndexByte(text, '>')
			if end < 0 {
				return strings.IndexByte(text, '?') >= 0 && !strings.Contains(text, "://")
			}
			text = text[end+1:]
		case strings.HasPrefix(text, "http://") || strings.HasPrefix(text, "https://"):
			end := strings.IndexAny(text, " \t\n")
			if end < 0 {
				return false
			}
			text = text[end:]
		default:
			text = text[1:]
		}
	}
	return false
}
