package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
)

//go:embed assets
var assets embed.FS

// pageTemplate is parsed once; html/template escapes every value by its
// context (text, attribute, URL), so nothing from Slack can become markup.
var pageTemplate = template.Must(template.ParseFS(assets, "assets/page.html"))

// Render writes the page as HTML.
func Render(w io.Writer, p *Page) error {
	var buf bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&buf, "page.html", p); err != nil {
		return fmt.Errorf("render the dashboard: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// inlineCSS is the style sheet, for the one-file report.
func inlineCSS() (template.CSS, error) {
	data, err := assets.ReadFile("assets/style.css")
	if err != nil {
		return "", err
	}
	return template.CSS(data), nil //nolint:gosec // our own file
}
