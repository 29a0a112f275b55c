package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/pages"
)

// handleError is the one place errors become pages (for the JSON API,
// application/problem+json documents). Known statuses get their
// own text; anything else is a 500 that is logged with the request id and
// shown without details.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed || clientGone(c, err) {
		return
	}
	var he *echo.HTTPError
	status := http.StatusInternalServerError
	if errors.As(err, &he) {
		status = he.Code
	} else if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		status = http.StatusRequestEntityTooLarge
	} else if models.Unavailable(err) {
		// An outage or a full disk: nothing to fix in the code, the same
		// request works once the database is back.
		status = http.StatusServiceUnavailable
		a.health.failed(a.Now(), err)
		a.Logger.Warn("database unavailable", "request_id", c.Get(ctxRequestID), "method", c.Request().Method, "path", loggedPath(c), "err", err.Error())
	}

	d := pages.ErrorPageData{Status: status}
	switch status {
	case http.StatusBadRequest:
		d.Heading, d.Message = "Bad request", "The request could not be understood. Please check what you sent and try again."
	case http.StatusUnauthorized:
		d.Heading, d.Message = "Sign in required", "Please sign in to continue."
	case http.StatusForbidden:
		d.Heading, d.Message = "Not allowed", "You don't have permission to do this."
	case http.StatusNotFound:
		d.Heading, d.Message = "Page not found", "There is nothing at this address. Check the link, or start from the home page."
	case http.StatusMethodNotAllowed:
		d.Heading, d.Message = "Method not allowed", "This page can't be used that way."
	case http.StatusRequestEntityTooLarge:
		d.Heading, d.Message = "Too much data", "What you sent is larger than this site accepts."
	case http.StatusTooManyRequests:
		d.Heading, d.Message = "Too many attempts", "Please wait a moment before trying again."
	case http.StatusServiceUnavailable:
		d = unavailablePage(c)
	default:
		if status < 500 {
			d.Heading, d.Message = http.StatusText(status), "The request could not be completed."
			break
		}
		status, d.Status = http.StatusInternalServerError, http.StatusInternalServerError
		d.Heading, d.Message = "Something went wrong", "An unexpected error happened on our side. It has been logged."
		d.RequestID, _ = c.Get(ctxRequestID).(string)
		a.Logger.Error("internal error", "request_id", d.RequestID, "method", c.Request().Method, "path", loggedPath(c), "err", err.Error())
	}
	// A handler may refine the text of a 4xx (never of a 500).
	if he != nil && status < 500 {
		if msg, ok := he.Message.(string); ok && msg != "" && msg != http.StatusText(status) {
			d.Message = msg
		}
	}
	if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && c.Response().Header().Get("Retry-After") == "" {
		c.Response().Header().Set("Retry-After", retryAfterSeconds)
	}

	var rerr error
	if isAPI(c) {
		rerr = a.writeProblem(c, status, d.Message)
	} else if c.Request().Method == http.MethodHead {
		rerr = c.NoContent(status)
	} else {
		rerr = a.render(c, status, pages.ErrorPage(a.page(c, d.Heading), d))
	}
	if rerr != nil {
		a.Logger.Error("render error page", "request_id", c.Get(ctxRequestID), "err", rerr)
	}
}

// retryAfterSeconds is the Retry-After of a 503 (and of a 429 that names no
// wait of its own).
const retryAfterSeconds = "5"

const unavailableHeading = "Please try again shortly"

// unavailablePage is the 503 page: the database is unreachable or cannot
// write (an outage, a full disk), or the server is busy. Nothing was
// changed; the same request will work again once it is back.
func unavailablePage(c echo.Context) pages.ErrorPageData {
	d := pages.ErrorPageData{Status: http.StatusServiceUnavailable, Heading: unavailableHeading,
		Message: "The service is briefly unavailable and nothing was changed. Please try again shortly."}
	d.RequestID, _ = c.Get(ctxRequestID).(string)
	return d
}
