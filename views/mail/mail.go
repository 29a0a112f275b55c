// Package mail holds the mails Hearth sends, as templ HTML with a plain-text
// alternative built from the same data: one constructor per mail (mails.go)
// writes its wording; handlers queue what it returns.
package mail

import (
	"strings"

	"github.com/hearth-app/hearth/config"
)

// Mail is every mail's content: a heading, a few lines, and (for most) one
// call to action.
type Mail struct {
	// Template names the mail in the outbox and in the log (never its body).
	Template    string
	Subject     string
	Heading     string
	Lines       []string
	ButtonLabel string // empty for notices without an action
	URL         string
	Footer      string
}

// Text is the plain-text alternative.
func (m Mail) Text() string {
	var b strings.Builder
	b.WriteString(m.Heading + "\n\n")
	for _, l := range m.Lines {
		b.WriteString(l + "\n\n")
	}
	if m.URL != "" {
		b.WriteString(m.ButtonLabel + ":\n" + m.URL + "\n\n")
	}
	if m.Footer != "" {
		b.WriteString(m.Footer + "\n\n")
	}
	b.WriteString("— " + config.ProductName + "\n")
	return b.String()
}

// The mail's inline styles, built from the brand's colours.
const (
	fontStack   = "font-family:-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica,Arial,sans-serif;"
	bodyStyle   = "margin:0;padding:0;background:" + config.BrandBackground + ";"
	cardStyle   = "max-width:560px;background:" + config.BrandSurface + ";border:1px solid " + config.BrandBorder + ";border-radius:8px;"
	logoStyle   = "display:inline-block;width:28px;height:28px;line-height:28px;border-radius:7px;text-align:center;font-weight:700;font-size:16px;vertical-align:middle;margin-right:8px;background:" + config.BrandColor + ";color:" + config.BrandColorText + ";"
	buttonStyle = "display:inline-block;padding:12px 24px;border-radius:6px;font-weight:700;text-decoration:none;background:" + config.BrandColor + ";color:" + config.BrandColorText + ";" + fontStack
)

// initial is the logo's letter: the product name's first.
func initial() string {
	for _, r := range config.ProductName {
		return string(r)
	}
	return ""
}
