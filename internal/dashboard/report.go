package dashboard

import (
	"context"
	"io"
)

// WriteReport writes the one-file report of q: the dashboard's panels with
// the style sheet inline and the charts as inline SVG, no script and no
// address outside the file (Slack permalinks aside), to mail or attach.
func WriteReport(ctx context.Context, src *Source, q Query, opts Options, w io.Writer) error {
	a, err := src.Answer(ctx, q)
	if err != nil {
		return err
	}
	p := Build(a.Summary, a.Series, q.Office, opts)
	p.Report = true
	if p.CSS, err = inlineCSS(); err != nil {
		return err
	}
	return Render(w, p)
}
