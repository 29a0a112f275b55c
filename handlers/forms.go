package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

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
	return req.PostForm, nil
}

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
