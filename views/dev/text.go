package dev

import (
	"context"
	"html"
	"io"
	"regexp"
	"strings"

	"github.com/a-h/templ"
)

// mailURL finds what may be a URL in a mail's plain text: http(s), up to a
// space or a character that cannot be in one unescaped.
var mailURL = regexp.MustCompile(`https?://[^\s<>"'` + "`" + `]+`)

// LinkedText is a mail's plain text with the links to this app (appURL,
// HEARTH_BASE_URL) made clickable, so a developer opens a verification or
// reset link from the mailbox in one click. Everything else, other sites'
// URLs included, stays escaped text: a mail is not a place to be sent
// elsewhere from.
func LinkedText(text, appURL string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		var b strings.Builder
		rest := 0
		for _, m := range mailURL.FindAllStringIndex(text, -1) {
			link := strings.TrimRight(text[m[0]:m[1]], ".,;:!?)]}")
			if !ofApp(link, appURL) {
				continue
			}
			b.WriteString(html.EscapeString(text[rest:m[0]]))
			b.WriteString(`<a href="` + html.EscapeString(link) + `" data-testid="mail-text-link">` + html.EscapeString(link) + `</a>`)
			rest = m[0] + len(link)
		}
		b.WriteString(html.EscapeString(text[rest:]))
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// ofApp reports whether link is appURL or a page under it (not a host
// that merely starts the same, such as localhost:80801 or
// localhost:8080.evil.example).
func ofApp(link, appURL string) bool {
	appURL = strings.TrimRight(appURL, "/")
	rest, ok := strings.CutPrefix(link, appURL)
	return ok && appURL != "" && (rest == "" || strings.ContainsAny(rest[:1], "/?#"))
}
