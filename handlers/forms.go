package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// parseForm reads an urlencoded form body. A body over the limit is a 413, a
// malformed one a 400: never a 500.
func parseForm(c echo.Context) (url.Values, error) {
	req := c.Request()
	if err := req.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return nil, echo.NewHTTPError(http.StatusBadRequest, "The form could not be read. Please reload the page and try again.")
	}
	if !cleanText(req.PostForm) {
		return nil, errBadText
	}
	return req.PostForm, nil
}

// errBadText refuses input no page could have sent: NUL bytes or invalid
// UTF-8 (which PostgreSQL would refuse with an error, not an answer).
var errBadText = echo.NewHTTPError(http.StatusBadRequest, "The request contains characters that are not allowed.")

func cleanText(values url.Values) bool {
	for k, vs := range values {
		if !cleanString(k) {
			return false
		}
		for _, v := range vs {
			if !cleanString(v) {
				return false
			}
		}
	}
	return true
}

func cleanString(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// safeNext returns next when it is a path on this site, fallback otherwise.
// It refuses absolute URLs, scheme-relative ones (//evil.example), backslash
// tricks (/\evil.example, which browsers treat as //) and control characters.
func safeNext(next, fallback string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' {
		return fallback
	}
	if strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") {
		return fallback
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return fallback
	}
	return next
}
